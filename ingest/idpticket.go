package ingest

import (
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// idpRequestTicket gives a TICKET event of an identity provider's own access-request flow
// (Okta access requests, Entra entitlement-management approvals) the ticket the ledgers key
// it by, when its parser found none: the request's id (requestID, falling back to the
// event's own id), the provider as the system, a service request whose state and approval
// follow the action, the actor as requester or approver, the subject as beneficiary.
func idpRequestTicket(ev *schemas.IdentityEvent, system, requestID string) {
	if ev.Category != schemas.CategoryTicket || ev.Ticket != nil && strings.TrimSpace(ev.Ticket.ID) != "" {
		return
	}
	id := strings.TrimSpace(requestID)
	if id == "" {
		id = strings.TrimPrefix(ev.EventID, strings.ToLower(string(ev.Source))+":")
	}
	t := &schemas.Ticket{ID: system + ":" + id, System: system, Kind: schemas.TicketServiceRequest, Approval: schemas.ApprovalPending,
		RequestedFor: ev.Subject}
	switch ev.Action {
	case schemas.ActionTicketOpened:
		t.State, t.Requester = "open", ev.Actor
	case schemas.ActionTicketApproved:
		t.State, t.Approval, t.Approver = "approved", schemas.ApprovalApproved, ev.Actor
		at := ev.OccurredAt
		t.ApprovedAt = &at
	case schemas.ActionTicketRejected:
		t.State, t.Approval, t.Approver = "rejected", schemas.ApprovalRejected, ev.Actor
	case schemas.ActionTicketClosed:
		t.State = "closed"
	default:
		t.State = "updated"
	}
	if ev.Entitlement != nil {
		name := ev.Entitlement.Name
		t.RequestedEntitlement = &name
	}
	ev.Ticket = t
}
