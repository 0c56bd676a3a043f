package ingest

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestIdPAccessRequestsCarryTheirTicket: Okta access requests and Entra access-package
// approvals are TICKET events; without a ticket the auditor cannot key them, so each one
// gets the request's ticket instead of being refused.
func TestIdPAccessRequestsCarryTheirTicket(t *testing.T) {
	now := time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)
	okta := `{"uuid":"req-ev-1","published":"2026-05-14T09:00:00Z","eventType":"access.request.resolve","outcome":{"result":"SUCCESS"},
	 "actor":{"id":"00uM","type":"User","alternateId":"manager@example.org"},
	 "target":[{"id":"00uT","type":"User","alternateId":"j.doe@example.org"},{"id":"areq123","type":"AccessRequest","displayName":"Access to Payroll"}]}`
	entra := `{"id":"ent-ev-1","category":"EntitlementManagement","activityDateTime":"2026-05-14T09:00:00Z","activityDisplayName":"Approve access package assignment request",
	 "correlationId":"corr-9","result":"success","initiatedBy":{"user":{"id":"mgr-1","userPrincipalName":"manager@example.org"}},
	 "targetResources":[{"id":"user-7","type":"User","userPrincipalName":"j.doe@example.org"}]}`
	for name, tc := range map[string]struct {
		source, body, ticket string
		approval             schemas.Approval
	}{
		"okta":  {SourceOkta, okta, "okta:areq123", schemas.ApprovalApproved},
		"entra": {SourceEntra, entra, "entra:corr-9", schemas.ApprovalApproved},
	} {
		b, err := Parsers(ParserOptions{})[tc.source].ParseBatch([]byte(tc.body), now)
		if err != nil || len(b.Failed) != 0 || len(b.Events) != 1 {
			t.Fatalf("%s: %v failed %v events %d", name, err, b.Failed, len(b.Events))
		}
		ev := b.Events[0]
		if ev.Category != schemas.CategoryTicket {
			t.Fatalf("%s: category %s, want TICKET", name, ev.Category)
		}
		if ev.Ticket == nil || ev.Ticket.ID != tc.ticket || ev.Ticket.Approval != tc.approval || ev.Ticket.Approver == nil {
			t.Fatalf("%s: ticket %+v, want %s %s with an approver", name, ev.Ticket, tc.ticket, tc.approval)
		}
	}
}
