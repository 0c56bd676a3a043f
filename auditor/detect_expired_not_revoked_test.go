package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestExpiredNotRevoked(t *testing.T) {
	cfg := detectCfg()
	g := activeGrant(grantFact("e1", "ann@corp.example", "x@corp.example", "finance-readers", schemas.PrivilegeRead, dt0))
	g.ExpiresAt = tp2(dt0.Add(7 * 24 * time.Hour))
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(8*24*time.Hour), cfg, KindExpiredNotRevoked); n != 1 {
		t.Fatalf("active past expiry raised %d, want 1", n)
	}
	g.State = stateRevoked
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(8*24*time.Hour), cfg, KindExpiredNotRevoked); n != 0 {
		t.Fatalf("revoked past expiry raised %d", n)
	}
}
