package registry

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestBuiltinSchemasRegister registers tollgate's own schemas, the ones every
// start registers, twice: the first time they must parse and be accepted,
// the second time keep their ids without growing the subject or the journal.
func TestBuiltinSchemasRegister(t *testing.T) {
	ctx := context.Background()
	set, err := schemas.Builtin()
	if err != nil {
		t.Fatalf("load built-in schemas: %v", err)
	}
	dir := t.TempDir()
	s := startIn(t, dir)
	t.Cleanup(func() { s.Close() })
	cl := newClient(t, s)
	ids := map[string]int{}
	for round := 0; round < 2; round++ {
		for _, name := range schemas.TopLevel {
			subject := "tollgate." + name + "-value"
			got, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: set.Text(name)})
			if err != nil {
				t.Fatalf("round %d register %s: %v", round, name, err)
			}
			if round == 0 {
				ids[name] = got.ID
			} else if got.ID != ids[name] || got.Version != 1 {
				t.Fatalf("re-register %s = id %d version %d, want id %d version 1", name, got.ID, got.Version, ids[name])
			}
		}
		setLevel(t, cl, sr.CompatBackward, "") // already the default
	}
	// Only the three first registrations changed anything; what every start
	// repeats must not grow the journal.
	j, err := openJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.entries) != len(schemas.TopLevel) {
		t.Fatalf("journal holds %d changes, want %d: %+v", len(j.entries), len(schemas.TopLevel), j.entries)
	}
}
