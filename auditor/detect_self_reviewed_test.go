package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// reviewFact is an ACCESS_REVIEWED event of ent held by subject, by reviewer, deciding.
func reviewFact(id, subject, reviewer, ent, decision string, at time.Time) fact {
	return fact{EventID: id, Principal: subject, Category: schemas.CategoryIAM, Action: schemas.ActionAccessReviewed,
		Outcome: schemas.OutcomeSuccess, Lane: schemas.LaneServiceDesk, OccurredAt: at, ActorID: reviewer, SubjectID: subject,
		SubjectType: schemas.PrincipalHuman, EntID: ent, EntName: ent, EntSystem: "okta", Decision: decision}
}

// ledgerOf is the ledger the principal's history builds.
func ledgerOf(cfg *Config, id string, evs ...fact) *principalState {
	ps := &principalState{ID: id, Type: schemas.PrincipalHuman, Events: evs}
	ps.buildLedger(cfg, 1)
	return ps
}

func TestSelfReviewed(t *testing.T) {
	cfg := detectCfg()
	day := 24 * time.Hour
	grantEv := grantFact("g1", "ann@corp.example", "it@corp.example", "finance-readers", schemas.PrivilegeRead, dt0)
	now := dt0.Add(100 * day)
	// The holder reviews her own grant: SELF_REVIEWED, and the review date does not move.
	ps := ledgerOf(cfg, "ann@corp.example", grantEv, reviewFact("r1", "ann@corp.example", "ann@corp.example", "finance-readers", schemas.ReviewKeep, dt0.Add(80*day)))
	if n := ledgerKindsOf(ps.Grants, nil, now, cfg, KindSelfReviewed); n != 1 {
		t.Fatalf("a holder's own review raised %d SELF_REVIEWED, want 1", n)
	}
	if n := ledgerKindsOf(ps.Grants, nil, now, cfg, KindReviewOverdue); n != 1 {
		t.Fatalf("a self-review cleared REVIEW_OVERDUE (%d)", n)
	}
	// An independent review afterwards: no SELF_REVIEWED, not overdue, reviewer stored.
	ps = ledgerOf(cfg, "ann@corp.example", grantEv, reviewFact("r1", "ann@corp.example", "ann@corp.example", "finance-readers", schemas.ReviewKeep, dt0.Add(80*day)),
		reviewFact("r2", "ann@corp.example", "mgr@corp.example", "finance-readers", schemas.ReviewKeep, dt0.Add(85*day)))
	if n := ledgerKindsOf(ps.Grants, nil, now, cfg, KindSelfReviewed) + ledgerKindsOf(ps.Grants, nil, now, cfg, KindReviewOverdue); n != 0 {
		t.Fatalf("after an independent review: %d findings", n)
	}
	if ps.Grants[0].Reviewer != "mgr@corp.example" {
		t.Fatalf("reviewer %q", ps.Grants[0].Reviewer)
	}
	// The grant's requester reviewing it is no review either.
	ps = &principalState{ID: "bob@corp.example", Type: schemas.PrincipalHuman,
		Events: []fact{grantFact("g2", "bob@corp.example", "it@corp.example", "crm", schemas.PrivilegeRead, dt0)}}
	ps.buildLedger(cfg, 1)
	ps.Grants[0].Requester = "lead@corp.example"
	ps.Base = &ledgerBase{Grants: ps.Grants, LastAt: dt0}
	ps.Events = []fact{reviewFact("r3", "bob@corp.example", "lead@corp.example", "crm", schemas.ReviewKeep, dt0.Add(10*day))}
	ps.buildLedger(cfg, 2)
	if n := ledgerKindsOf(ps.Grants, nil, now, cfg, KindSelfReviewed); n != 1 {
		t.Fatalf("a review by the requester raised %d SELF_REVIEWED, want 1", n)
	}
	// A review that names no entitlement reviews nothing.
	ps = ledgerOf(cfg, "ann@corp.example", grantEv, reviewFact("r4", "ann@corp.example", "mgr@corp.example", "", schemas.ReviewKeep, dt0.Add(85*day)))
	if ps.Grants[0].LastReviewedAt != nil || ledgerKindsOf(ps.Grants, nil, now, cfg, KindReviewOverdue) != 1 {
		t.Fatalf("a review naming no entitlement reviewed %+v", ps.Grants[0])
	}
	// A review of another entitlement does not cover this one.
	ps = ledgerOf(cfg, "ann@corp.example", grantEv, reviewFact("r5", "ann@corp.example", "mgr@corp.example", "wiki", schemas.ReviewKeep, dt0.Add(85*day)))
	if ps.Grants[0].LastReviewedAt != nil {
		t.Fatalf("a review of another entitlement reviewed %+v", ps.Grants[0])
	}
}
