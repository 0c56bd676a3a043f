package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestBreakglassNoReview(t *testing.T) {
	cfg := detectCfg()
	g := activeGrant(grantFact("e1", "breakglass@corp.example", "breakglass@corp.example", "Super Administrator", schemas.PrivilegeAdmin, dt0))
	g.Lane = string(schemas.LaneBreakGlass)
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(cfg.BreakGlassReviewWindow+time.Hour), cfg, KindBreakglassNoReview); n != 1 {
		t.Fatalf("no review past the window raised %d, want 1", n)
	}
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(time.Hour), cfg, KindBreakglassNoReview); n != 0 {
		t.Fatalf("inside the window raised %d", n)
	}
	g.LastReviewedAt = tp2(dt0.Add(2 * time.Hour))
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(cfg.BreakGlassReviewWindow+time.Hour), cfg, KindBreakglassNoReview); n != 0 {
		t.Fatalf("a reviewed grant raised %d", n)
	}
}
