package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestOrphanedGrant(t *testing.T) {
	cfg := detectCfg()
	g := activeGrant(grantFact("e1", "ann@corp.example", "x@corp.example", "finance-readers", schemas.PrivilegeRead, dt0))
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(time.Hour), cfg, KindOrphanedGrant); n != 0 {
		t.Fatalf("an enabled principal's grant raised %d", n)
	}
	g.DisabledAt, g.DisableEvent = tp2(dt0.Add(time.Hour)), "d1"
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(2*time.Hour), cfg, KindOrphanedGrant); n != 1 {
		t.Fatalf("a disabled principal's active grant raised %d, want 1", n)
	}
}
