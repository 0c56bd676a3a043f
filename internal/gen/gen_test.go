package gen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

func collect(t *testing.T, opts Options) ([]Payload, *Manifest) {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []Payload
	for {
		p, ok := g.Next()
		if !ok {
			return out, g.Manifest()
		}
		out = append(out, p)
	}
}

// testNow pins the runs whose bytes a test compares; runs without Now are
// dated to the wall clock.
var testNow = time.Date(2025, 5, 6, 0, 0, 0, 0, time.UTC)

var small = Options{Seed: 42, Humans: 100, NHIs: 20, Events: 3000, ViolationRate: 0.08, Now: testNow}

// TestDeterministic: the same options give the same bytes; another seed does not.
func TestDeterministic(t *testing.T) {
	a, ma := collect(t, small)
	b, mb := collect(t, small)
	if len(a) != len(b) || len(ma.Entries) != len(mb.Entries) {
		t.Fatalf("runs differ in size: %d/%d payloads, %d/%d entries", len(a), len(b), len(ma.Entries), len(mb.Entries))
	}
	for i := range a {
		if a[i].EventID != b[i].EventID || !bytes.Equal(a[i].Event, b[i].Event) {
			t.Fatalf("payload %d differs: %s vs %s", i, a[i].EventID, b[i].EventID)
		}
	}
	other := small
	other.Seed = 43
	c, _ := collect(t, other)
	if bytes.Equal(a[0].Event, c[0].Event) && bytes.Equal(a[len(a)/2].Event, c[len(c)/2].Event) {
		t.Error("seed 43 produced the same payloads as seed 42")
	}
}

// TestPayloadsParse: every payload is accepted by its ingest parser, both as
// an HTTP delivery and as a `tollgate send` line; event ids are what the
// generator promised, unique, in time order, never after Now; every source appears.
func TestPayloadsParse(t *testing.T) {
	ps, m := collect(t, small)
	if len(ps) < small.Events {
		t.Fatalf("%d payloads, want at least %d", len(ps), small.Events)
	}
	parsers := ingest.Parsers(ingest.ParserOptions{})
	seen := map[string]bool{}
	perSource := map[string]int{}
	for i, p := range ps {
		body, err := p.Body()
		if err != nil {
			t.Fatal(err)
		}
		evs, err := parsers[p.Source].Parse(body, p.Time)
		if err != nil {
			t.Fatalf("%s rejected %s: %v\n%s", p.Source, p.EventID, err, p.Event)
		}
		if len(evs) != 1 || evs[0].EventID != p.EventID {
			t.Fatalf("%s: parsed ids %v", p.EventID, evs)
		}
		if !evs[0].OccurredAt.Equal(p.Time) && !evs[0].OccurredAt.Equal(p.Time.Truncate(1e9)) {
			t.Errorf("%s: occurred_at %v, want %v", p.EventID, evs[0].OccurredAt, p.Time)
		}
		if seen[p.EventID] {
			t.Errorf("duplicate event id %s", p.EventID)
		}
		seen[p.EventID] = true
		if p.Time.After(m.Now) || (i > 0 && p.Time.Before(ps[i-1].Time)) {
			t.Errorf("%s at %v out of order or after now %v", p.EventID, p.Time, m.Now)
		}
		perSource[p.Source]++
	}
	for _, s := range ingest.SourceNames() {
		if perSource[s] == 0 {
			t.Errorf("no %s payloads", s)
		}
	}
	for _, e := range m.Entries {
		for _, id := range e.EventIDs {
			if !seen[id] {
				t.Errorf("%s entry cites unknown event %s", e.Kind, id)
			}
		}
	}
}

// TestEveryKindPlanted: each §5 kind is planted at a comparable rate.
func TestEveryKindPlanted(t *testing.T) {
	_, m := collect(t, Options{Seed: 1, Humans: 300, NHIs: 30, Events: 20000, ViolationRate: 0.05, Now: testNow})
	count := map[string]int{}
	for _, e := range m.Entries {
		count[e.Kind]++
	}
	lo, hi := len(m.Entries), 0
	for _, k := range AllKinds {
		lo, hi = min(lo, count[k]), max(hi, count[k])
	}
	t.Logf("%d entries over %d payloads: %v", len(m.Entries), m.Events, count)
	if lo == 0 || hi > 3*lo {
		t.Errorf("kinds planted unevenly: min %d max %d (%v)", lo, hi, count)
	}
}

// TestSourcesRestricted: only the chosen sources appear.
func TestSourcesRestricted(t *testing.T) {
	opts := small
	opts.Sources = []string{ingest.SourceOkta, ingest.SourceServiceNow}
	ps, m := collect(t, opts)
	for _, p := range ps {
		if !slices.Contains(opts.Sources, p.Source) {
			t.Fatalf("payload from %s", p.Source)
		}
	}
	if len(m.Entries) == 0 {
		t.Error("nothing planted from okta and servicenow")
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []Options{{Humans: 5, NHIs: 1, Events: 1}, {Humans: 50, NHIs: 1, Events: 0}, {Humans: 50, NHIs: 1, Events: 5, ViolationRate: 2},
		{Humans: 50, NHIs: 1, Events: 5, Sources: []string{"ldap"}}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestRunFiles: Run with the file sink writes per-source JSONL that
// ingest.Send's batching shape (a JSON array of lines) parses.
func TestRunFiles(t *testing.T) {
	dir := t.TempDir()
	sink, err := NewFileSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := small
	opts.Events = 500
	var calls int
	opts.Progress, opts.ProgressEvery = func(Progress) { calls++ }, 100
	m, err := Run(context.Background(), opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range ingest.SourceNames() {
		data, err := os.ReadFile(filepath.Join(dir, s+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
		arr := append(append([]byte("["), bytes.Join(lines, []byte(","))...), ']')
		evs, err := ingest.Parsers(ingest.ParserOptions{})[s].Parse(arr, m.Now)
		if err != nil {
			t.Fatalf("%s.jsonl: %v", s, err)
		}
		total += len(evs)
	}
	if total != m.Events || calls < 5 {
		t.Errorf("files hold %d events, manifest says %d; %d progress calls", total, m.Events, calls)
	}
}

// TestDatedToNow: a run without Now ends at the wall clock and starts Span
// before it, so an auditor at today's time sees it as planted; Now pins it,
// and pinned runs a day apart differ only by that day.
func TestDatedToNow(t *testing.T) {
	clock := time.Date(2031, 3, 4, 5, 6, 7, 890, time.UTC)
	defer func(c func() time.Time) { wallClock = c }(wallClock)
	wallClock = func() time.Time { return clock }
	opts := small
	opts.Now, opts.Events = time.Time{}, 500
	ps, m := collect(t, opts)
	if want := clock.Truncate(time.Second); !m.Now.Equal(want) || !m.Start.Equal(want.Add(-DefaultSpan)) {
		t.Fatalf("manifest start %v now %v, want %v to %v", m.Start, m.Now, want.Add(-DefaultSpan), want)
	}
	for _, p := range ps {
		if p.Time.Before(m.Start) || p.Time.After(m.Now) {
			t.Fatalf("%s at %v outside the run %v..%v", p.EventID, p.Time, m.Start, m.Now)
		}
	}

	opts.Now = testNow
	a, ma := collect(t, opts)
	opts.Now = testNow.Add(day)
	b, mb := collect(t, opts)
	if !ma.Now.Equal(testNow) || !mb.Now.Equal(testNow.Add(day)) || len(a) != len(b) || len(ma.Entries) != len(mb.Entries) {
		t.Fatalf("pinned runs: now %v and %v, %d/%d payloads, %d/%d entries", ma.Now, mb.Now, len(a), len(b), len(ma.Entries), len(mb.Entries))
	}
	for i := range a {
		if !b[i].Time.Equal(a[i].Time.Add(day)) {
			t.Fatalf("payload %d at %v, a day after %v expected", i, b[i].Time, a[i].Time)
		}
	}
}
