package router

import (
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestEveryCatalogueEntryIsRouted: under the default policy, the event every catalogue entry
// describes lands in a lane other than TRIAGE, unless the entry is UNKNOWN on purpose (with
// its reason in the note, which the TRIAGE decision then carries).
func TestEveryCatalogueEntryIsRouted(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range catalog.All() {
		cov, err := p.CatalogueCoverage(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cov.Total != len(c.Entries()) {
			t.Fatalf("%s: decided %d of %d entries", name, cov.Total, len(c.Entries()))
		}
		for _, ft := range cov.FallThrough {
			if !ft.Deliberate {
				t.Errorf("%s: %d entries fall through to TRIAGE without being UNKNOWN on purpose: %s (e.g. %s)", name, ft.Count, ft.Why, strings.Join(ft.Examples, ", "))
			}
		}
		var b strings.Builder
		_ = cov.Write(&b, 5)
		t.Log(b.String())
	}
}

func TestTriageSaysWhichCatalogueMissed(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	c := catalog.Get("example")
	ev := schemas.IdentityEvent{EventID: "x:1", Source: "EXAMPLE", SourceEventType: "not.in.it", Category: schemas.CategoryIAM,
		Action: schemas.ActionOther, Outcome: schemas.OutcomeSuccess}
	c.Apply(&ev, "not.in.it")
	d, err := p.Decide(&ev, ev.OccurredAt)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lane != schemas.LaneTriage || !strings.Contains(strings.Join(d.Reasons, " "), `the example@1 catalogue has no entry for "not.in.it"`) {
		t.Fatalf("decision %+v, want TRIAGE naming the catalogue miss", d)
	}
	ev = EntryEvent(c, catalog.Entry{Key: "example.*", Action: catalog.Unknown, Note: "the example source has no published vocabulary"})
	d, _ = p.Decide(&ev, ev.OccurredAt)
	if d.Lane != schemas.LaneTriage || !strings.Contains(strings.Join(d.Reasons, " "), "deliberately unclassified: the example source has no published vocabulary") {
		t.Fatalf("decision %+v, want TRIAGE with the entry's note", d)
	}
	cov, err := p.EventCoverage("one", []schemas.IdentityEvent{ev})
	if err != nil || cov.ByLane[schemas.LaneTriage] != 1 || len(cov.FallThrough) != 1 || !cov.FallThrough[0].Deliberate {
		t.Fatalf("coverage %+v %v", cov, err)
	}
}
