package auditor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestFactFromEventMatchesStoredRow checks that the fact WriteBatch builds
// in memory for a batch event equals the one read back from the events
// table, sub-millisecond times, emails, credentials and references included.
func TestFactFromEventMatchesStoredRow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(123456789 * time.Nanosecond)
	exp := at.Add(time.Hour + 999*time.Microsecond)
	mail := "Alice@Corp.Example"
	owner := human("owner@corp.example")
	evs := []schemas.RoutedEvent{{
		Event: schemas.IdentityEvent{EventID: "OKTA:x1", Source: schemas.SourceOkta, Category: schemas.CategoryIAM,
			Action: schemas.ActionAccessGrant, OccurredAt: at, Outcome: schemas.OutcomeSuccess,
			Actor: human("admin@corp.example"), Subject: &schemas.Principal{ID: "alice", Type: schemas.PrincipalHuman, Email: &mail},
			Entitlement: &schemas.Entitlement{ID: "00g1", Name: "Admins", Kind: schemas.EntitlementGroup, Privilege: schemas.PrivilegeAdmin, System: "okta", Wildcard: true},
			TicketRefs:  []string{"RITM1", "INC2"}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk},
	}, {
		Event: schemas.IdentityEvent{EventID: "AWS:x2", Source: schemas.SourceCloudTrail, Category: schemas.CategoryIAM,
			Action: schemas.ActionCredentialCreate, OccurredAt: at, Outcome: schemas.OutcomeSuccess,
			Credential: &schemas.Credential{ID: "AKIA1", Kind: schemas.CredentialAccessKey, Owner: owner, ExpiresAt: &exp}},
		Decision: schemas.Decision{Lane: schemas.LaneNHI},
	}}
	rows := [][]any{eventRow(&evs[0]), eventRow(&evs[1])}
	if err := s.Insert(ctx, "events", eventColumns, rows); err != nil {
		t.Fatal(err)
	}
	got, err := s.Query(ctx, "SELECT "+iamEventFactSelect+" FROM events ORDER BY event_id DESC"+aliasSafe)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("read %d rows", len(got))
	}
	for i := range evs {
		want, have := factText(factFromRow(got[i])), factText(factFromEvent(&evs[i]))
		if want != have {
			t.Errorf("event %d:\n stored    %s\n in memory %s", i, want, have)
		}
	}
}

// factText prints a fact with its pointers followed.
func factText(f fact) string {
	tm := func(p **time.Time) string {
		defer func() { *p = nil }()
		if *p == nil {
			return "nil"
		}
		return (*p).Format(time.RFC3339Nano)
	}
	verified := "nil"
	if f.Ticket.IdentityVerified != nil {
		verified = fmt.Sprint(*f.Ticket.IdentityVerified)
	}
	f.Ticket.IdentityVerified = nil
	return fmt.Sprintf("expires=%s review=%s access=%s approved=%s verified=%s %+v", tm(&f.CredExpires),
		tm(&f.Ticket.ReviewDue), tm(&f.Ticket.AccessExpires), tm(&f.Ticket.ApprovedAt), verified, f)
}

// TestTicketFactFromEventMatchesStoredRow is the same check for a ticket
// event and the columns ticket facts are read with.
func TestTicketFactFromEventMatchesStoredRow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(987654321 * time.Nanosecond)
	mail := "Bob@Corp.Example"
	yes := true
	ev := schemas.RoutedEvent{
		Event: schemas.IdentityEvent{EventID: "SERVICENOW:t1", Source: schemas.SourceServiceNow, Category: schemas.CategoryTicket,
			Action: schemas.ActionTicketApproved, OccurredAt: at, Outcome: schemas.OutcomeSuccess, TicketRefs: []string{"CHG9"},
			Ticket: &schemas.Ticket{ID: "RITM7", System: "servicenow", Kind: schemas.TicketServiceRequest, State: "approved",
				Approval: schemas.ApprovalApproved, Approver: human("mgr"), Requester: human("bob"),
				RequestedFor:         &schemas.Principal{ID: "bob", Type: schemas.PrincipalHuman, Email: &mail},
				RequestedEntitlement: str("vpn"), Justification: str("travel"), Emergency: true, IdentityVerified: &yes,
				ReviewDue: tp(at.Add(time.Hour)), AccessExpires: tp(at.Add(2 * time.Hour)), RequestType: str("access"),
				ApprovedAt: tp(at.Add(time.Microsecond))}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk},
	}
	if err := s.Insert(ctx, "events", eventColumns, [][]any{eventRow(&ev)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Query(ctx, "SELECT "+ticketFactSelect+" FROM events"+aliasSafe)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d rows: %v", len(got), err)
	}
	if want, have := factText(factFromRow(got[0])), factText(ticketFactFromEvent(&ev)); want != have {
		t.Errorf("stored    %s\nin memory %s", want, have)
	}
}
