package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// useFact is a successful action of who in the BREAK_GLASS lane at t.
func useFact(id, who string, action schemas.Action, at time.Time) fact {
	return fact{EventID: id, Principal: who, Category: schemas.CategoryIAM, Action: action, Outcome: schemas.OutcomeSuccess,
		Lane: schemas.LaneBreakGlass, OccurredAt: at, ActorID: who}
}

func TestBreakglassUseNoReview(t *testing.T) {
	cfg := detectCfg()
	bg := "breakglass@corp.example"
	use := useFact("u1", bg, schemas.ActionSignIn, dt0)
	ps := ledgerOf(cfg, bg, use)
	if n := ledgerKindsOf(ps.Grants, nil, dt0.Add(cfg.BreakGlassReviewWindow-time.Minute), cfg, KindBreakglassUseNoReview); n != 0 {
		t.Fatalf("inside the review window: %d", n)
	}
	if n := ledgerKindsOf(ps.Grants, nil, dt0.Add(cfg.BreakGlassReviewWindow+time.Minute), cfg, KindBreakglassUseNoReview); n != 1 {
		t.Fatalf("an unreviewed use raised %d, want 1", n)
	}
	// A use is no standing access: nothing about grants.
	for _, k := range []string{KindBreakglassNoReview, KindBreakglassNotRevoked, KindReviewOverdue, KindOrphanedGrant} {
		if n := ledgerKindsOf(ps.Grants, nil, dt0.Add(30*24*time.Hour), cfg, k); n != 0 {
			t.Errorf("a use raised %s", k)
		}
	}
	// A post-event review (naming no entitlement) by someone else reviews it; one by the
	// account itself does not.
	self := reviewFact("r0", bg, bg, "", schemas.ReviewKeep, dt0.Add(2*time.Hour))
	self.EntID, self.EntName, self.EntSystem = "", "", ""
	review := reviewFact("r1", bg, "secops@corp.example", "", schemas.ReviewKeep, dt0.Add(3*time.Hour))
	review.EntID, review.EntName, review.EntSystem = "", "", ""
	ps = ledgerOf(cfg, bg, use, self)
	if n := ledgerKindsOf(ps.Grants, nil, dt0.Add(48*time.Hour), cfg, KindBreakglassUseNoReview); n != 1 {
		t.Fatalf("reviewed by the account itself: %d, want 1", n)
	}
	ps = ledgerOf(cfg, bg, use, self, review)
	if n := ledgerKindsOf(ps.Grants, nil, dt0.Add(48*time.Hour), cfg, KindBreakglassUseNoReview); n != 0 {
		t.Fatalf("reviewed by secops: %d", n)
	}
	// A failed sign-in or one outside the lane is no use.
	failed := use
	failed.Outcome = schemas.OutcomeFailure
	observe := use
	observe.Lane = schemas.LaneObserve
	for _, f := range []fact{failed, observe} {
		if ps := ledgerOf(cfg, bg, f); len(ps.Grants) != 0 {
			t.Errorf("%+v made a use row", f)
		}
	}
}

func TestBreakglassCredentialNotRotated(t *testing.T) {
	cfg := detectCfg()
	bg := "breakglass@corp.example"
	use := useFact("u1", bg, schemas.ActionSignIn, dt0)
	later := dt0.Add(cfg.BreakGlassRotationWindow + time.Hour)
	ps := ledgerOf(cfg, bg, use)
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassNotRotated); n != 1 {
		t.Fatalf("an emergency account used and not rotated raised %d, want 1", n)
	}
	change := fact{EventID: "p1", Principal: bg, Category: schemas.CategoryIAM, Action: schemas.ActionPasswordChange, Outcome: schemas.OutcomeSuccess,
		Lane: schemas.LaneObserve, OccurredAt: dt0.Add(time.Hour), ActorID: bg}
	ps = ledgerOf(cfg, bg, use, change)
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassNotRotated); n != 0 || ps.Grants[0].RotateEvent != "p1" {
		t.Fatalf("rotated an hour after the use: %d, %+v", n, ps.Grants[0])
	}
	// A password change before the use does not count.
	early := change
	early.OccurredAt = dt0.Add(-time.Hour)
	ps = ledgerOf(cfg, bg, early, use)
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassNotRotated); n != 1 {
		t.Fatalf("rotated before the use: %d, want 1", n)
	}
	// Support impersonation by an ordinary admin is a use to review, but not an emergency
	// account whose secret must change.
	imp := useFact("i1", "admin@corp.example", schemas.ActionImpersonation, dt0)
	ps = ledgerOf(cfg, "admin@corp.example", imp)
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassNotRotated); n != 0 {
		t.Fatalf("an impersonation by an ordinary admin raised %d", n)
	}
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassUseNoReview); n != 1 {
		t.Fatalf("an unreviewed impersonation raised %d, want 1", n)
	}
	// The AWS root user is an emergency account.
	root := "arn:aws:iam::123456789012:root"
	ps = ledgerOf(cfg, root, useFact("c1", root, schemas.ActionSignIn, dt0))
	if n := ledgerKindsOf(ps.Grants, nil, later, cfg, KindBreakglassNotRotated); n != 1 {
		t.Fatalf("root used and not rotated raised %d, want 1", n)
	}
}
