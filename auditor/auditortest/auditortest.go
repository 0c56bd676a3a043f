// Package auditortest builds routed events for the tests of the auditor and its service:
// principals, entitlements, IAM and ticket events with sequential ids, and Scenario, a
// batch that raises most finding kinds across many principals. It depends on schemas only,
// so the auditor's own tests can use it too.
package auditortest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/schemas"
)

// T0 is the time the events of Scenario happen at.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Principals of Scenario and of most tests.
var (
	Alice = Human("alice@corp.example")
	Bob   = Human("bob@corp.example")
	Admin = Human("it-admin@corp.example")
)

// Human returns a human principal with id as its id and source id.
func Human(id string) *schemas.Principal {
	return &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalHuman}
}

// NHI returns a non-human principal with id as its id and source id.
func NHI(id string) *schemas.Principal {
	return &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalNHI}
}

// Group returns an Okta group entitlement named name.
func Group(name string, priv schemas.Privilege) *schemas.Entitlement {
	return &schemas.Entitlement{ID: name, Name: name, Kind: schemas.EntitlementGroup, Privilege: priv, System: "okta"}
}

// ApprovedRequest is an approved service request for forP to get ent, due for review 60
// days after T0.
func ApprovedRequest(id string, forP *schemas.Principal, ent string, approver *schemas.Principal) schemas.Ticket {
	due := T0.Add(60 * 24 * time.Hour)
	return schemas.Ticket{ID: id, Kind: schemas.TicketServiceRequest, State: "approved", Approval: schemas.ApprovalApproved,
		Approver: approver, Requester: forP, RequestedFor: forP, RequestedEntitlement: new(ent),
		Justification: new("needs it for project X"), ReviewDue: &due}
}

// Events builds routed events with distinct ids: the next event is number Seq+1.
type Events struct {
	Seq int
}

// IAM returns a routed Okta IAM event.
func (e *Events) IAM(action schemas.Action, at time.Time, lane schemas.Lane, actor, subject *schemas.Principal, ent *schemas.Entitlement, refs ...string) schemas.RoutedEvent {
	e.Seq++
	return schemas.RoutedEvent{
		Event: schemas.IdentityEvent{
			EventID: fmt.Sprintf("OKTA:e%03d", e.Seq), Source: schemas.SourceOkta, SourceEventType: "test",
			Category: schemas.CategoryIAM, Action: action, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess,
			Actor: actor, Subject: subject, Entitlement: ent, TicketRefs: refs, Attributes: map[string]string{"k": "v"},
			Raw: []byte(`{"x":1}`),
		},
		Decision: schemas.Decision{Lane: lane, Impact: schemas.ImpactHigh, RuleID: "r", DecidedAt: at},
	}
}

// Ticket returns a routed ServiceNow ticket event (t.System defaults to servicenow).
func (e *Events) Ticket(action schemas.Action, at time.Time, t schemas.Ticket) schemas.RoutedEvent {
	e.Seq++
	if t.System == "" {
		t.System = "servicenow"
	}
	return schemas.RoutedEvent{
		Event: schemas.IdentityEvent{
			EventID: fmt.Sprintf("SERVICENOW:t%03d", e.Seq), Source: schemas.SourceServiceNow, SourceEventType: "test",
			Category: schemas.CategoryTicket, Action: action, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess,
			Ticket: &t,
		},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "t", DecidedAt: at},
	}
}

// countedViews are the views whose row counts Counts reports.
var countedViews = []string{"open_findings", "grants_review_overdue", "lane_volume", "help_desk_access_changes",
	"breakglass_timeline", "nhi_secret_age"}

// Counts returns the row count of every view and, deduplicated, of every table of a
// migrated store: what writing the same events again must not change.
func Counts(t testing.TB, s clickhouse.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, v := range countedViews {
		q := "SELECT count() AS n FROM " + v
		if v == "lane_volume" {
			q = "SELECT toInt64(sum(events)) AS n FROM lane_volume"
		}
		rows, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("count %s: %v", v, err)
		}
		out[v] = rows[0].Int("n")
	}
	for _, tbl := range []string{"events", "grants", "tickets", "credentials", "findings"} {
		rows, err := s.Query(context.Background(), "SELECT count() AS n FROM "+tbl+" FINAL")
		if err != nil {
			t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = rows[0].Int("n")
	}
	return out
}

// Scenario plants violations across many principals, so that the
// records spread over every partition, plus clean and late-resolved access.
func Scenario() []schemas.RoutedEvent {
	h := &Events{}
	carol, dave, gina := Human("carol@corp.example"), Human("dave@corp.example"), Human("gina@corp.example")
	svc := NHI("svc-billing")
	withSubject := func(e schemas.RoutedEvent) schemas.RoutedEvent {
		// as ingest does for ticket events: the subject is who it is for
		e.Event.Subject = e.Event.Ticket.RequestedFor
		return e
	}
	cred := h.IAM(schemas.ActionCredentialCreate, T0, schemas.LaneNHI, Admin, svc, nil)
	cred.Event.Credential = &schemas.Credential{ID: "key-1", Kind: schemas.CredentialAccessKey}
	mfaReq := withSubject(h.Ticket(schemas.ActionTicketApproved, T0.Add(-time.Hour), ApprovedRequest("CHG0300", dave, "prod-deployers", Bob)))
	mfaReq.Event.Ticket.Kind = schemas.TicketChange
	evs := []schemas.RoutedEvent{
		// UNTICKETED + OVER_BROAD for Alice
		h.IAM(schemas.ActionAccessGrant, T0, schemas.LaneServiceDesk, Admin, Alice, Group("Super Administrator", schemas.PrivilegeAdmin)),
		// HELPDESK_PATH for Bob
		withSubject(h.Ticket(schemas.ActionTicketOpened, T0.Add(-time.Hour), schemas.Ticket{ID: "INC0100", Kind: schemas.TicketIncident, State: "new",
			Approval: schemas.ApprovalNotRequired, RequestedFor: Bob})),
		h.IAM(schemas.ActionAccessGrant, T0, schemas.LaneHelpDesk, Admin, Bob, Group("vpn-users", schemas.PrivilegeRead), "INC0100"),
		// SELF_APPROVED + MISSING_LIFECYCLE for carol
		withSubject(h.Ticket(schemas.ActionTicketApproved, T0.Add(-time.Hour), schemas.Ticket{ID: "RITM0200", Kind: schemas.TicketServiceRequest,
			State: "approved", Approval: schemas.ApprovalApproved, Approver: carol, Requester: carol, RequestedFor: carol, RequestedEntitlement: new("crm-users")})),
		h.IAM(schemas.ActionAccessGrant, T0, schemas.LaneServiceDesk, Admin, carol, Group("crm-users", schemas.PrivilegeRead), "RITM0200"),
		// MFA_RESET_THEN_PRIVILEGE for dave, across the help-desk and service-desk lanes
		h.IAM(schemas.ActionMFAReset, T0, schemas.LaneHelpDesk, dave, dave, nil),
		mfaReq,
		h.IAM(schemas.ActionAccessGrant, T0.Add(3*time.Hour), schemas.LaneServiceDesk, Admin, dave,
			&schemas.Entitlement{ID: "prod-deployers", Name: "prod-deployers", Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeWrite, System: "aws"}, "CHG0300"),
		// NHI_NO_OWNER for the service account
		cred,
		// gina: granted without ticket, approved 30 min later: resolves
		h.IAM(schemas.ActionAccessGrant, T0, schemas.LaneServiceDesk, Admin, gina, Group("finance-readers", schemas.PrivilegeRead)),
		withSubject(h.Ticket(schemas.ActionTicketApproved, T0.Add(30*time.Minute), ApprovedRequest("RITM0700", gina, "finance-readers", Bob))),
	}
	// Clean, ticketed access and sign-ins of more people, to fill every partition.
	for i := range 12 {
		p := Human(fmt.Sprintf("user%02d@corp.example", i))
		ritm := fmt.Sprintf("RITM1%03d", i)
		evs = append(evs,
			withSubject(h.Ticket(schemas.ActionTicketApproved, T0.Add(-2*time.Hour), ApprovedRequest(ritm, p, "wiki-editors", Bob))),
			h.IAM(schemas.ActionAccessGrant, T0, schemas.LaneServiceDesk, Admin, p, Group("wiki-editors", schemas.PrivilegeWrite), ritm),
			h.IAM(schemas.ActionSignIn, T0, schemas.LaneObserve, p, p, nil))
	}
	return evs
}
