package auditor

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestAuditorOnEveryBackend runs a small scenario on each Store backend: the auditor
// must raise and resolve the same findings on both.
func TestAuditorOnEveryBackend(t *testing.T) {
	want := []string{
		"OPEN " + KindOverBroadGrant + " alice@corp.example [OKTA:c1]",
		"OPEN " + KindUnticketedAccessChange + " alice@corp.example [OKTA:c1]",
		"RESOLVED " + KindUnticketedAccessChange + " bob@corp.example [OKTA:c2]",
	}
	for _, b := range clickhousetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			if got := runBackendScenario(t, b.Open(t)); !reflect.DeepEqual(got, want) {
				t.Fatalf("findings:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// runBackendScenario plants a small scenario: an unticketed admin grant to
// alice (two findings), and an unticketed grant to bob that a late ticket
// resolves; then it writes everything again. It returns every finding as
// "STATUS KIND PRINCIPAL [EVENTS]", sorted.
func runBackendScenario(t *testing.T, s Store) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := start
	a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	p := func(id string) *schemas.Principal {
		return &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalHuman}
	}
	grant := func(eid, subject, ent string, priv schemas.Privilege) schemas.RoutedEvent {
		return schemas.RoutedEvent{
			Event: schemas.IdentityEvent{EventID: eid, Source: schemas.SourceOkta, SourceEventType: "group.user_membership.add",
				Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant, OccurredAt: start, IngestedAt: start,
				Outcome: schemas.OutcomeSuccess, Actor: p("it-admin@corp.example"), Subject: p(subject),
				Entitlement: &schemas.Entitlement{ID: ent, Name: ent, Kind: schemas.EntitlementGroup, Privilege: priv, System: "okta"},
				Attributes:  map[string]string{"k": "v"}, Raw: []byte(`{"x":1}`)},
			Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactHigh, RuleID: "r", DecidedAt: start},
		}
	}
	due := start.Add(60 * 24 * time.Hour)
	approved := start.Add(30 * time.Minute)
	ticket := schemas.RoutedEvent{
		Event: schemas.IdentityEvent{EventID: "SERVICENOW:c3", Source: schemas.SourceServiceNow, SourceEventType: "test",
			Category: schemas.CategoryTicket, Action: schemas.ActionTicketApproved, OccurredAt: approved, IngestedAt: approved,
			Outcome: schemas.OutcomeSuccess,
			Ticket: &schemas.Ticket{ID: "RITM0900", System: "servicenow", Kind: schemas.TicketServiceRequest, State: "approved",
				Approval: schemas.ApprovalApproved, Approver: p("carol@corp.example"), Requester: p("bob@corp.example"),
				RequestedFor: p("bob@corp.example"), RequestedEntitlement: new("wiki-editors"),
				Justification: new("project X"), ReviewDue: &due}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "t", DecidedAt: approved},
	}
	first := []schemas.RoutedEvent{
		grant("OKTA:c1", "alice@corp.example", "Super Administrator", schemas.PrivilegeAdmin),
		grant("OKTA:c2", "bob@corp.example", "wiki-editors", schemas.PrivilegeWrite),
	}
	if _, err := a.WriteBatch(ctx, first); err != nil {
		t.Fatalf("write first batch: %v", err)
	}
	now = approved
	if _, err := a.WriteBatch(ctx, []schemas.RoutedEvent{ticket}); err != nil {
		t.Fatalf("write ticket: %v", err)
	}
	if changed, err := a.WriteBatch(ctx, append(first, ticket)); err != nil || len(changed) != 0 {
		t.Fatalf("duplicate delivery changed %v, %v", changed, err)
	}
	fs, err := a.Findings(ctx, FindingFilter{})
	if err != nil {
		t.Fatalf("findings: %v", err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %v", f.Status, f.Kind, f.Principal, f.EventIDs))
	}
	sort.Strings(out)
	return out
}

// BenchmarkStoreInsert inserts the same event rows through each backend:
// the embedded engine's streaming Native insert and clickhouse-go's
// HTTP batch insert into the engine via chhttp.
func BenchmarkStoreInsert(b *testing.B) {
	const n = 10000
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		p := &schemas.Principal{ID: fmt.Sprintf("user%05d@corp.example", i%2000), Type: schemas.PrincipalHuman}
		ev := schemas.RoutedEvent{Event: schemas.IdentityEvent{
			EventID: fmt.Sprintf("OKTA:%d", i), Source: schemas.SourceOkta, Category: schemas.CategoryIAM,
			Action: schemas.ActionSignIn, OccurredAt: start.Add(time.Duration(i) * time.Second), IngestedAt: start,
			Outcome: schemas.OutcomeSuccess, Subject: p, Actor: p, TicketRefs: []string{"RITM1"},
			Attributes: map[string]string{"ip": "10.0.0.1"}, Raw: []byte(`{"k":"v"}`),
		}, Decision: schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, DecidedAt: start}}
		rows[i] = eventRow(&ev)
	}
	for _, be := range clickhousetest.Backends {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			s := be.Open(b)
			if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := s.Insert(ctx, "events", eventColumns, rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
