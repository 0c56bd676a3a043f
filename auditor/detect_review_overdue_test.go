package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestReviewOverdue(t *testing.T) {
	cfg := detectCfg()
	g := activeGrant(grantFact("e1", "ann@corp.example", "x@corp.example", "finance-readers", schemas.PrivilegeRead, dt0))
	g.ReviewDue = tp2(dt0.Add(30 * 24 * time.Hour))
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(31*24*time.Hour), cfg, KindReviewOverdue); n != 1 {
		t.Fatalf("past the review date raised %d, want 1", n)
	}
	if n := ledgerKindsOf([]grant{g}, nil, dt0.Add(29*24*time.Hour), cfg, KindReviewOverdue); n != 0 {
		t.Fatalf("before the review date raised %d", n)
	}
}
