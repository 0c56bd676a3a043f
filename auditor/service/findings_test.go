package service

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestFindingEventIDPerStateChange: OPEN → RESOLVED → OPEN of one finding are three
// records with three ce_ids (a consumer deduplicating on ce_id keeps the resolution),
// while the same state published twice (a republish after a crash) has one.
func TestFindingEventIDPerStateChange(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	open := schemas.Finding{FindingID: "f1", Status: schemas.FindingOpen, DetectedAt: at}
	resolved := open
	resolved.Status, resolved.ResolvedAt = schemas.FindingResolved, new(at.Add(time.Hour))
	reopened := open
	reopened.DetectedAt = at.Add(2 * time.Hour)
	ids := map[string]bool{}
	for _, f := range []schemas.Finding{open, resolved, reopened} {
		ids[FindingEventID(&f)] = true
	}
	if len(ids) != 3 {
		t.Fatalf("ce_ids %v: want one per state change", ids)
	}
	again := open
	if FindingEventID(&again) != FindingEventID(&open) {
		t.Fatalf("the same state gave %q and %q", FindingEventID(&again), FindingEventID(&open))
	}
	if got, want := FindingEventID(&resolved), "f1.resolved.1772445600000"; got != want {
		t.Fatalf("ce_id %q, want %q", got, want)
	}
	if got := findingTime(&resolved); !got.Equal(at.Add(time.Hour)) {
		t.Fatalf("ce_time of the resolution %s", got)
	}
}
