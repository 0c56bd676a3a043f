package auditor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/schemas"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is the injected clock of a scenario.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

type harness struct {
	t     *testing.T
	a     *Auditor
	s     Store
	clock *fakeClock
	built auditortest.Events
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	s := newStore(t)
	if _, err := Migrate(context.Background(), s, MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	cfg := DefaultConfig()
	cfg.SoDPairs = [][2]string{{"ap-invoice-create", "ap-invoice-approve"}}
	cfg.BreakGlassAccounts = []string{"breakglass-01@corp.example"}
	cfg.PrivilegedEntitlements = []string{"prod-deployers"}
	if mutate != nil {
		mutate(&cfg)
	}
	clock := &fakeClock{now: t0}
	a, err := New(s, cfg, Options{Clock: clock.Now})
	if err != nil {
		t.Fatalf("new auditor: %v", err)
	}
	return &harness{t: t, a: a, s: s, clock: clock}
}

// The builders of auditortest, under the names this package's tests use.
var (
	human = auditortest.Human
	nhiP  = auditortest.NHI
	group = auditortest.Group
)

func str(s string) *string { return &s }

// ev builds a routed IAM event.
func (h *harness) ev(action schemas.Action, at time.Time, lane schemas.Lane, actor, subject *schemas.Principal, ent *schemas.Entitlement, refs ...string) schemas.RoutedEvent {
	return h.built.IAM(action, at, lane, actor, subject, ent, refs...)
}

// tk builds a routed ticket event.
func (h *harness) tk(action schemas.Action, at time.Time, t schemas.Ticket) schemas.RoutedEvent {
	return h.built.Ticket(action, at, t)
}

func (h *harness) write(evs ...schemas.RoutedEvent) []schemas.Finding {
	h.t.Helper()
	out, err := h.a.WriteBatch(context.Background(), evs)
	if err != nil {
		h.t.Fatalf("write batch: %v", err)
	}
	return out
}

func (h *harness) sweep(at time.Time) []schemas.Finding {
	h.t.Helper()
	h.clock.now = at
	out, err := h.a.Sweep(context.Background(), at)
	if err != nil {
		h.t.Fatalf("sweep: %v", err)
	}
	return out
}

func (h *harness) findings(status schemas.FindingStatus) []schemas.Finding {
	h.t.Helper()
	fs, err := h.a.Findings(context.Background(), FindingFilter{Status: status})
	if err != nil {
		h.t.Fatalf("findings: %v", err)
	}
	return fs
}

// expectOnly asserts the open findings are exactly want: kind, principal and
// evidence event ids each.
type want struct {
	kind, principal string
	events          []string
}

func (h *harness) expectOpen(ws ...want) {
	h.t.Helper()
	got := h.findings(schemas.FindingOpen)
	var gs, wss []string
	for _, f := range got {
		gs = append(gs, fmt.Sprintf("%s %s %v", f.Kind, f.Principal, f.EventIDs))
	}
	for _, w := range ws {
		ids := slices.Clone(w.events)
		slices.Sort(ids)
		wss = append(wss, fmt.Sprintf("%s %s %v", w.kind, w.principal, ids))
	}
	sort.Strings(gs)
	sort.Strings(wss)
	if !slices.Equal(gs, wss) {
		h.t.Fatalf("open findings:\n got  %q\n want %q", gs, wss)
	}
}

func id(e schemas.RoutedEvent) string { return e.Event.EventID }

var (
	alice = human("alice@corp.example")
	bob   = human("bob@corp.example")
	admin = human("it-admin@corp.example")
)

func approvedRequest(idStr string, forP *schemas.Principal, ent string, approver *schemas.Principal) schemas.Ticket {
	due := t0.Add(60 * 24 * time.Hour)
	return schemas.Ticket{ID: idStr, Kind: schemas.TicketServiceRequest, State: "approved", Approval: schemas.ApprovalApproved,
		Approver: approver, Requester: forP, RequestedFor: forP, RequestedEntitlement: str(ent),
		Justification: str("needs it for project X"), ReviewDue: &due}
}

func TestCleanScenarioRaisesNothing(t *testing.T) {
	h := newHarness(t, nil)
	req := h.tk(schemas.ActionTicketApproved, t0.Add(-2*time.Hour), approvedRequest("RITM0001", alice, "finance-readers", bob))
	grant := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, alice, group("finance-readers", schemas.PrivilegeRead), "RITM0001")
	// a second grant matched by principal and entitlement within the window, no reference
	req2 := h.tk(schemas.ActionTicketApproved, t0.Add(-3*24*time.Hour), approvedRequest("RITM0002", bob, "wiki-editors", alice))
	grant2 := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, bob, group("wiki-editors", schemas.PrivilegeWrite))
	review := h.ev(schemas.ActionAccessReviewed, t0.Add(50*24*time.Hour), schemas.LaneServiceDesk, bob, alice, group("finance-readers", schemas.PrivilegeRead))
	if got := h.write(req, grant, req2, grant2, review); len(got) != 0 {
		t.Fatalf("clean scenario raised %v", got)
	}
	if got := h.sweep(t0.Add(55 * 24 * time.Hour)); len(got) != 0 {
		t.Fatalf("sweep of clean scenario raised %+v", got)
	}
	h.expectOpen()
}

func TestEventScopedKinds(t *testing.T) {
	h := newHarness(t, nil)
	// UNTICKETED + OVER_BROAD (admin outside break-glass)
	untick := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, alice, group("Super Administrator", schemas.PrivilegeAdmin))
	// HELPDESK_PATH: grant citing an incident
	inc := h.tk(schemas.ActionTicketOpened, t0.Add(-time.Hour), schemas.Ticket{ID: "INC0100", Kind: schemas.TicketIncident, State: "new",
		Approval: schemas.ApprovalNotRequired, RequestedFor: bob})
	hd := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneHelpDesk, admin, bob, group("vpn-users", schemas.PrivilegeRead), "INC0100")
	// SELF_APPROVED + MISSING_LIFECYCLE (no justification, no dates)
	carol := human("carol@corp.example")
	self := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), schemas.Ticket{ID: "RITM0200", Kind: schemas.TicketServiceRequest,
		State: "approved", Approval: schemas.ApprovalApproved, Approver: carol, Requester: carol, RequestedFor: carol, RequestedEntitlement: str("crm-users")})
	selfGrant := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, carol, group("crm-users", schemas.PrivilegeRead), "RITM0200")
	// MFA reset then privileged grant (ticketed, so only the sequence fires)
	dave := human("dave@corp.example")
	mfa := h.ev(schemas.ActionMFAReset, t0, schemas.LaneHelpDesk, dave, dave, nil)
	daveReq := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("CHG0300", dave, "prod-deployers", bob))
	daveReq.Event.Ticket.Kind = schemas.TicketChange
	daveGrant := h.ev(schemas.ActionAccessGrant, t0.Add(3*time.Hour), schemas.LaneServiceDesk, admin, dave, &schemas.Entitlement{ID: "prod-deployers", Name: "prod-deployers", Privilege: schemas.PrivilegeWrite, System: "aws"}, "CHG0300")
	// RECOVERY_WITHOUT_PROOFING: admin resets erin's password, incident not verified
	erin := human("erin@corp.example")
	rec := h.ev(schemas.ActionPasswordReset, t0, schemas.LaneHelpDesk, admin, erin, nil, "INC0400")
	recInc := h.tk(schemas.ActionTicketOpened, t0.Add(-10*time.Minute), schemas.Ticket{ID: "INC0400", Kind: schemas.TicketIncident, State: "new", RequestedFor: erin, IdentityVerified: new(bool)})
	// SOD_CONFLICT: frank holds both, both ticketed
	frank := human("frank@corp.example")
	fr1 := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0501", frank, "ap-invoice-create", bob))
	fr2 := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0502", frank, "ap-invoice-approve", bob))
	g1 := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, frank, group("ap-invoice-create", schemas.PrivilegeWrite), "RITM0501")
	g2 := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, frank, group("ap-invoice-approve", schemas.PrivilegeWrite), "RITM0502")
	// NHI: ADMIN grant to a service account, credential without owner
	svc := nhiP("svc-billing")
	nhiGrant := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneNHI, admin, svc, group("billing-admins", schemas.PrivilegeWrite), "RITM0600")
	nhiReq := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0600", svc, "billing-admins", bob))
	cred := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, admin, svc, nil)
	cred.Event.Credential = &schemas.Credential{ID: "key-1", Kind: schemas.CredentialAccessKey}

	batch := []schemas.RoutedEvent{untick, inc, hd, self, selfGrant, mfa, daveReq, daveGrant, rec, recInc, fr1, fr2, g1, g2, nhiGrant, nhiReq, cred}
	changed := h.write(batch...)
	wantOpen := []want{
		{KindUnticketedAccessChange, alice.ID, []string{id(untick)}},
		{KindOverBroadGrant, alice.ID, []string{id(untick)}},
		{KindHelpdeskPathAccess, bob.ID, []string{id(hd)}},
		{KindSelfApproved, carol.ID, []string{id(self)}},
		{KindMissingLifecycle, carol.ID, []string{id(selfGrant), id(self)}},
		{KindMFAResetThenPrivilege, dave.ID, []string{id(mfa), id(daveGrant)}},
		{KindRecoveryWithoutProofing, erin.ID, []string{id(rec)}},
		{KindSoDConflict, frank.ID, []string{id(g1), id(g2)}},
		{KindOverBroadGrant, svc.ID, []string{id(nhiGrant)}},
		{KindNHINoOwner, svc.ID, []string{id(cred)}},
	}
	h.expectOpen(wantOpen...)
	if len(changed) != len(wantOpen) {
		t.Fatalf("WriteBatch returned %d changed findings, want %d", len(changed), len(wantOpen))
	}
	// Delivering every event again (reordered) changes nothing.
	slices.Reverse(batch)
	if again := h.write(batch...); len(again) != 0 {
		t.Fatalf("duplicate delivery changed findings: %+v", again)
	}
	h.expectOpen(wantOpen...)
}

func TestLateTicketReviewAndRevokeResolve(t *testing.T) {
	h := newHarness(t, nil)
	grant := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, alice, group("finance-readers", schemas.PrivilegeRead))
	h.write(grant)
	h.expectOpen(want{KindUnticketedAccessChange, alice.ID, []string{id(grant)}})
	// approved 30 min after the change: inside the 1 h window
	late := h.tk(schemas.ActionTicketApproved, t0.Add(30*time.Minute), approvedRequest("RITM0700", alice, "Finance-Readers", bob))
	late.Event.Ticket.ApprovedAt = nil
	changed := h.write(late)
	if len(changed) != 1 || changed[0].Status != schemas.FindingResolved || changed[0].ResolvedAt == nil {
		t.Fatalf("late ticket: changed %+v, want one RESOLVED", changed)
	}
	h.expectOpen()

	// Review overdue, then a late review resolves it.
	h.sweep(t0.Add(61 * 24 * time.Hour))
	h.expectOpen(want{KindReviewOverdue, alice.ID, []string{id(grant)}})
	h.clock.now = t0.Add(62 * 24 * time.Hour)
	// A review that names no entitlement reviews nothing; one of the grant resolves it.
	h.write(h.ev(schemas.ActionAccessReviewed, h.clock.now, schemas.LaneServiceDesk, bob, alice, nil))
	h.expectOpen(want{KindReviewOverdue, alice.ID, []string{id(grant)}})
	review := h.ev(schemas.ActionAccessReviewed, h.clock.now.Add(time.Minute), schemas.LaneServiceDesk, bob, alice, group("finance-readers", schemas.PrivilegeRead))
	h.write(review)
	h.expectOpen()

	// Break-glass grant: not revoked after 8 h, not reviewed after 24 h; revoke then review resolve.
	bg := human("breakglass-01@corp.example")
	start := t0.Add(70 * 24 * time.Hour)
	h.clock.now = start
	bgGrant := h.ev(schemas.ActionAccessGrant, start, schemas.LaneBreakGlass, bg, bg, group("Global Administrator", schemas.PrivilegeAdmin))
	h.write(bgGrant)
	h.expectOpen()
	h.sweep(start.Add(9 * time.Hour))
	h.expectOpen(want{KindBreakglassNotRevoked, bg.ID, []string{id(bgGrant)}})
	h.sweep(start.Add(25 * time.Hour))
	h.expectOpen(want{KindBreakglassNotRevoked, bg.ID, []string{id(bgGrant)}}, want{KindBreakglassNoReview, bg.ID, []string{id(bgGrant)}})
	h.clock.now = start.Add(26 * time.Hour)
	h.write(h.ev(schemas.ActionAccessRevoke, h.clock.now, schemas.LaneBreakGlass, admin, bg, group("Global Administrator", schemas.PrivilegeAdmin)))
	h.expectOpen(want{KindBreakglassNoReview, bg.ID, []string{id(bgGrant)}})
	h.clock.now = start.Add(30 * time.Hour)
	h.write(h.tk(schemas.ActionTicketClosed, h.clock.now, schemas.Ticket{ID: "PIR0001", Kind: schemas.TicketAccessReview, State: "closed", RequestedFor: bg}))
	h.expectOpen()
	if got := h.sweep(start.Add(40 * time.Hour)); len(got) != 0 {
		t.Fatalf("sweep after everything resolved changed %+v", got)
	}
}

func TestTimeBasedKindsWithClock(t *testing.T) {
	h := newHarness(t, nil)
	svc := nhiP("svc-ci")
	cred := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, admin, svc, nil)
	cred.Event.Credential = &schemas.Credential{ID: "tok-1", Kind: schemas.CredentialAPIToken, Owner: bob}
	exp := t0.Add(7 * 24 * time.Hour)
	req := approvedRequest("RITM0800", alice, "contractors", bob)
	req.AccessExpires = &exp
	treq := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), req)
	g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, alice, group("contractors", schemas.PrivilegeRead), "RITM0800")
	h.write(cred, treq, g)
	h.expectOpen()
	if got := h.sweep(t0.Add(6 * 24 * time.Hour)); len(got) != 0 {
		t.Fatalf("early sweep raised %+v", got)
	}
	h.sweep(t0.Add(8 * 24 * time.Hour))
	h.expectOpen(want{KindExpiredNotRevoked, alice.ID, []string{id(g)}})
	h.sweep(t0.Add(91 * 24 * time.Hour))
	h.expectOpen(want{KindExpiredNotRevoked, alice.ID, []string{id(g)}}, want{KindNHILongLivedSecret, svc.ID, []string{id(cred)}},
		want{KindReviewOverdue, alice.ID, []string{id(g)}})
	// Repeating the sweep changes nothing.
	if got := h.sweep(t0.Add(92 * 24 * time.Hour)); len(got) != 0 {
		t.Fatalf("repeated sweep changed %+v", got)
	}
	// Disable alice: orphaned grant. Rotate the token: long-lived secret resolves.
	h.clock.now = t0.Add(93 * 24 * time.Hour)
	dis := h.ev(schemas.ActionAccountDisable, h.clock.now, schemas.LaneServiceDesk, admin, alice, nil)
	rot := h.ev(schemas.ActionCredentialRotate, h.clock.now, schemas.LaneNHI, admin, svc, nil)
	rot.Event.Credential = &schemas.Credential{ID: "tok-1", Kind: schemas.CredentialAPIToken}
	h.write(dis, rot)
	h.expectOpen(want{KindExpiredNotRevoked, alice.ID, []string{id(g)}}, want{KindReviewOverdue, alice.ID, []string{id(g)}},
		want{KindOrphanedGrant, alice.ID, []string{id(g), id(dis)}})
	// Revoking the grant resolves all three.
	h.write(h.ev(schemas.ActionAccessRevoke, h.clock.now.Add(time.Minute), schemas.LaneServiceDesk, admin, alice, group("contractors", schemas.PrivilegeRead)))
	h.expectOpen()
}
