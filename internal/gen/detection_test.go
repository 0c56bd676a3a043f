package gen

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// detect pushes a run through the real parsers, the default policy and the
// auditor (configured with opts.Detections, or the defaults) on the embedded
// ClickHouse engine, sweeps at the manifest's now, and returns the comparison.
func detect(t testing.TB, opts Options, batch int) (Report, *Manifest) {
	t.Helper()
	ctx := context.Background()
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	store := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := g.Now()
	cfg := auditor.DefaultConfig()
	if opts.Detections != nil {
		cfg = *opts.Detections
	}
	a, err := auditor.New(store, cfg, auditor.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var routed []schemas.RoutedEvent
	flush := func() {
		if len(routed) == 0 {
			return
		}
		if _, err := a.WriteBatch(ctx, routed); err != nil {
			t.Fatal(err)
		}
		routed = routed[:0]
	}
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		evs, err := Normalize(p)
		if err != nil {
			t.Fatalf("%s: %v", p.EventID, err)
		}
		for _, ev := range evs {
			d, err := pol.Decide(&ev, ev.OccurredAt)
			if err != nil {
				t.Fatalf("decide %s: %v", ev.EventID, err)
			}
			routed = append(routed, schemas.RoutedEvent{Event: ev, Decision: d})
		}
		if len(routed) >= batch {
			flush()
		}
	}
	flush()
	m := g.Manifest()
	if _, err := a.Sweep(ctx, m.Now); err != nil {
		t.Fatal(err)
	}
	fs, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen})
	if err != nil {
		t.Fatal(err)
	}
	return Compare(m, fs), m
}

// TestDetection: under the configuration tollgate bench scores against, every
// planted violation is found, and nothing else is.
func TestDetection(t *testing.T) {
	det := DetectionConfig()
	rep, m := detect(t, Options{Seed: 7, Humans: 200, NHIs: 40, Events: 5000, ViolationRate: 0.06, Now: testNow, Detections: &det}, 500)
	for _, k := range AllKinds {
		s := rep.Kinds[k]
		t.Logf("%-28s planted %3d found %3d precision %.2f recall %.2f", k, s.Planted, s.Found, s.Precision, s.Recall)
		if s.Planted == 0 {
			t.Errorf("%s: nothing planted in %d events", k, m.Events)
		}
	}
	for _, e := range rep.Missed {
		t.Errorf("missed %+v", e)
	}
	for _, f := range rep.Unexpected {
		t.Errorf("unexpected %s %s %v ticket %v: %s", f.Kind, f.Principal, deref(f.Entitlement), deref(f.TicketID), f.Summary)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestDetectionDefaults is the README demo: gen with the CLI's defaults,
// dated to the wall clock, under the auditor's default configuration (what
// tollgate up runs). Every planted kind must be found, and the open findings
// must stay close to what was planted.
func TestDetectionDefaults(t *testing.T) {
	rep, m := detect(t, Options{Seed: 1, Humans: 1000, NHIs: 100, Events: 3000, ViolationRate: 0.05}, 500)
	open := 0
	for _, k := range AllKinds {
		s := rep.Kinds[k]
		open += s.Found
		t.Logf("%-28s planted %3d found %3d", k, s.Planted, s.Found)
		if s.Planted == 0 {
			t.Errorf("%s: nothing planted", k)
		}
	}
	for _, e := range rep.Missed {
		t.Errorf("missed %+v", e)
	}
	for _, f := range rep.Unexpected {
		t.Logf("unexpected %s %s %v: %s", f.Kind, f.Principal, deref(f.Entitlement), f.Summary)
	}
	if planted := len(m.Entries); float64(open) > 1.5*float64(planted) {
		t.Errorf("%d open findings for %d planted violations", open, planted)
	}
}

// TestDefaultSoDPairsAreThePolicys: the auditor's default SoD pairs are the
// default routing policy's lists.sod_pairs, which say they feed SOD_CONFLICT.
func TestDefaultSoDPairsAreThePolicys(t *testing.T) {
	pol, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lists struct {
			SoDPairs [][2]string `yaml:"sod_pairs"`
		} `yaml:"lists"`
	}
	if err := yaml.Unmarshal(pol.Text(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := auditor.DefaultConfig().SoDPairs; !slices.Equal(got, doc.Lists.SoDPairs) || len(got) == 0 {
		t.Errorf("auditor default sod_pairs %v, default policy %v", got, doc.Lists.SoDPairs)
	}
}
