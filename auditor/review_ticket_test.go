package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// An access review ticket that was rejected decided against the access it names: a revoke
// decision, which the grant's revocation must follow (REVIEW_DECISION_NOT_ENFORCED), not a
// review that keeps it.
func TestRejectedReviewTicketIsARevokeDecision(t *testing.T) {
	h := newHarness(t, nil)
	req := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0950", alice, "finance-readers", bob))
	g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, alice, group("finance-readers", schemas.PrivilegeRead), "RITM0950")
	h.write(req, g)
	h.expectOpen()
	at := t0.Add(30 * 24 * time.Hour)
	h.clock.now = at
	review := h.tk(schemas.ActionTicketClosed, at, schemas.Ticket{ID: "RITM0951", Kind: schemas.TicketAccessReview, State: "closed",
		Approval: schemas.ApprovalRejected, Approver: bob, RequestedFor: alice, RequestedEntitlement: str("finance-readers")})
	h.write(review)
	h.sweep(at.Add(h.a.cfg.ReviewEnforcementWindow + time.Hour))
	open := h.findings(schemas.FindingOpen)
	if len(open) != 1 || open[0].Kind != KindReviewNotEnforced || open[0].Principal != alice.ID {
		t.Fatalf("open findings after a rejected review: %+v", open)
	}
	h.clock.now = at.Add(h.a.cfg.ReviewEnforcementWindow + 2*time.Hour)
	h.write(h.ev(schemas.ActionAccessRevoke, h.clock.now, schemas.LaneServiceDesk, admin, alice, group("finance-readers", schemas.PrivilegeRead)))
	h.expectOpen()
}
