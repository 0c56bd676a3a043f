package registry

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func startIn(t *testing.T, dataDir string) *Server {
	t.Helper()
	s, err := Start(Options{Addr: "127.0.0.1:0", DataDir: dataDir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start registry in %s: %v", dataDir, err)
	}
	return s
}

func TestStateSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	s := startIn(t, dir)
	cl := newClient(t, s)
	a1, err := cl.CreateSchema(ctx, "a-value", record(fieldA))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := cl.CreateSchema(ctx, "a-value", record(fieldA, fieldOptional))
	if err != nil {
		t.Fatal(err)
	}
	// The same schema under another subject shares its id, as in Confluent.
	b1, err := cl.CreateSchema(ctx, "b-value", record(fieldA))
	if err != nil {
		t.Fatal(err)
	}
	if b1.ID != a1.ID {
		t.Fatalf("identical schema in another subject got id %d, want shared id %d", b1.ID, a1.ID)
	}
	setLevel(t, cl, sr.CompatFull, "a-value")
	setLevel(t, cl, sr.CompatNone, "")
	// The highest id so far belongs to a subject that is then hard-deleted:
	// the id must still never be handed out again.
	gone, err := cl.CreateSchema(ctx, "gone-value", record(fieldAInt))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.DeleteSubject(ctx, "gone-value", sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.DeleteSubject(ctx, "gone-value", sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = startIn(t, dir)
	t.Cleanup(func() { s.Close() })
	cl = newClient(t, s)
	for _, want := range []sr.SubjectSchema{a1, a2, b1} {
		got, err := cl.SchemaByVersion(ctx, want.Subject, want.Version)
		if err != nil {
			t.Fatalf("after restart, %s v%d: %v", want.Subject, want.Version, err)
		}
		if got.ID != want.ID || got.Schema.Schema != want.Schema.Schema {
			t.Fatalf("after restart, %s v%d = id %d %q; want id %d %q", want.Subject, want.Version, got.ID, got.Schema.Schema, want.ID, want.Schema.Schema)
		}
		byID, err := cl.SchemaByID(ctx, want.ID)
		if err != nil || byID.Schema != want.Schema.Schema {
			t.Fatalf("after restart, id %d = %q, %v", want.ID, byID.Schema, err)
		}
	}
	if subjects, err := cl.Subjects(ctx); err != nil || len(subjects) != 2 {
		t.Fatalf("subjects after restart = %v, %v; want a-value and b-value", subjects, err)
	}
	if got := cl.Compatibility(ctx, "a-value"); got[0].Level != sr.CompatFull {
		t.Fatalf("a-value level after restart = %v, want FULL", got[0].Level)
	}
	if got := cl.Compatibility(ctx); got[0].Level != sr.CompatNone {
		t.Fatalf("global level after restart = %v, want NONE", got[0].Level)
	}
	// The restored FULL level is enforced.
	_, err = cl.CreateSchema(ctx, "a-value", record(fieldA, fieldOptional, fieldC))
	if re := responseError(t, err); re.ErrorCode != sr.ErrIncompatibleSchema.Code {
		t.Fatalf("incompatible after restart: code %d, want 409", re.ErrorCode)
	}
	fresh, err := cl.CreateSchema(ctx, "c-value", record(fieldC))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ID <= gone.ID {
		t.Fatalf("new id after restart = %d, want above every earlier id (highest %d)", fresh.ID, gone.ID)
	}
	again, err := cl.CreateSchema(ctx, "a-value", record(fieldA))
	if err != nil || again.ID != a1.ID || again.Version != 1 {
		t.Fatalf("re-register after restart = %+v, %v; want id %d version 1", again, err, a1.ID)
	}
}

func TestUnusableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(Options{Addr: "127.0.0.1:0", DataDir: file, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, ErrDataDir) {
		t.Fatalf("data dir that is a file: %v; want ErrDataDir", err)
	}
}

func TestCorruptJournalIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, journalFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"truncated":      `{"format":1,"entries":[`,
		"future format":  `{"format":2,"entries":[]}`,
		"diverging id":   `{"format":1,"entries":[{"method":"POST","uri":"/subjects/x/versions","body":"{\"schema\":\"\\\"string\\\"\"}","id":7}]}`,
		"refused change": `{"format":1,"entries":[{"method":"DELETE","uri":"/subjects/missing"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Start(Options{Addr: "127.0.0.1:0", DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
			if !errors.Is(err, ErrJournal) {
				t.Fatalf("journal %s: %v; want ErrJournal", name, err)
			}
		})
	}
}
