package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestBreakglassNotRevoked(t *testing.T) {
	cfg := detectCfg()
	g := activeGrant(grantFact("e1", "breakglass@corp.example", "breakglass@corp.example", "Super Administrator", schemas.PrivilegeAdmin, dt0))
	g.Lane = string(schemas.LaneBreakGlass)
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(cfg.BreakGlassWindow+time.Hour), cfg, KindBreakglassNotRevoked); n != 1 {
		t.Fatalf("still active past the window raised %d, want 1", n)
	}
	g.State = stateRevoked
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(cfg.BreakGlassWindow+time.Hour), cfg, KindBreakglassNotRevoked); n != 0 {
		t.Fatalf("a revoked grant raised %d", n)
	}
}
