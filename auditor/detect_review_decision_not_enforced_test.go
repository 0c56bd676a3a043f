package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestReviewDecisionNotEnforced(t *testing.T) {
	cfg := detectCfg()
	day := 24 * time.Hour
	grantEv := grantFact("g1", "ann@corp.example", "it@corp.example", "finance-readers", schemas.PrivilegeRead, dt0)
	decided := dt0.Add(60 * day)
	revoke := reviewFact("r1", "ann@corp.example", "mgr@corp.example", "finance-readers", schemas.ReviewRevoke, decided)
	ps := ledgerOf(cfg, "ann@corp.example", grantEv, revoke)
	if n := ledgerKindsOf(ps.Grants, nil, decided.Add(cfg.ReviewEnforcementWindow-time.Hour), cfg, KindReviewNotEnforced); n != 0 {
		t.Fatalf("inside the enforcement window: %d", n)
	}
	if n := ledgerKindsOf(ps.Grants, nil, decided.Add(cfg.ReviewEnforcementWindow+time.Hour), cfg, KindReviewNotEnforced); n != 1 {
		t.Fatalf("a revoke decision not carried out raised %d, want 1", n)
	}
	// A decision to revoke is not a review: the grant is still due.
	if ps.Grants[0].LastReviewedAt != nil || ledgerKindsOf(ps.Grants, nil, dt0.Add(100*day), cfg, KindReviewOverdue) != 1 {
		t.Fatalf("a revoke decision counted as a review: %+v", ps.Grants[0])
	}
	// Revoked after the decision: nothing.
	revokedEv := grantEv
	revokedEv.EventID, revokedEv.Action, revokedEv.OccurredAt = "v1", schemas.ActionAccessRevoke, decided.Add(2*day)
	ps = ledgerOf(cfg, "ann@corp.example", grantEv, revoke, revokedEv)
	if n := ledgerKindsOf(ps.Grants, nil, decided.Add(30*day), cfg, KindReviewNotEnforced); n != 0 {
		t.Fatalf("revoked after the decision: %d", n)
	}
	// A later decision to keep it overrides the revoke decision.
	keep := reviewFact("r2", "ann@corp.example", "dir@corp.example", "finance-readers", schemas.ReviewKeep, decided.Add(3*day))
	ps = ledgerOf(cfg, "ann@corp.example", grantEv, revoke, keep)
	if n := ledgerKindsOf(ps.Grants, nil, decided.Add(30*day), cfg, KindReviewNotEnforced); n != 0 {
		t.Fatalf("kept after the revoke decision: %d", n)
	}
}
