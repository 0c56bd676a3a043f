package auditor

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/schemas"
)

// inventoryAuditor is an auditor on a fresh database with its clock at *now.
func inventoryAuditor(t *testing.T, now *time.Time) (*Auditor, Store) {
	t.Helper()
	s := newStore(t)
	if _, err := Migrate(context.Background(), s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return a, s
}

// routed is a listing's events as the default policy routes them (OBSERVE).
func routed(evs []schemas.IdentityEvent) []schemas.RoutedEvent {
	out := make([]schemas.RoutedEvent, len(evs))
	for i, e := range evs {
		out[i] = schemas.RoutedEvent{Event: e, Decision: schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactLow,
			RuleID: "inventory-observation", DecidedAt: e.OccurredAt}}
	}
	return out
}

func holder(id string) schemas.Principal {
	return schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalHuman}
}

func oktaGroup(id, name string, priv schemas.Privilege) connectors.Grant {
	return connectors.Grant{Entitlement: schemas.Entitlement{ID: id, Name: name, Kind: schemas.EntitlementGroup, Privilege: priv, System: "okta",
		Wildcard: priv == schemas.PrivilegeAdmin}}
}

func openKinds(t *testing.T, a *Auditor, principal string) []string {
	t.Helper()
	fs, err := a.Findings(context.Background(), FindingFilter{Principal: principal, Status: schemas.FindingOpen})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+" "+deref(f.Entitlement))
	}
	slices.Sort(out)
	return out
}

func grantRow(t *testing.T, s Store, principal, key string) Row {
	t.Helper()
	rows, err := s.Query(context.Background(), "SELECT state, origin, toUnixTimestamp64Milli(granted_at) AS granted_at,"+
		" toUnixTimestamp64Milli(first_seen) AS first_seen, toUnixTimestamp64Milli(last_seen) AS last_seen, revoke_event_id FROM grants FINAL WHERE principal = "+
		quote(principal)+" AND entitlement_key = "+quote(key)+aliasSafe)
	if err != nil || len(rows) != 1 {
		t.Fatalf("grant %s %s: %v %v", principal, key, rows, err)
	}
	return rows[0]
}

// TestSnapshotGrantsAreObservedState: grants an inventory lists with no event behind
// them land in the grant ledger as the snapshot's, judged by the sweep (a stale admin
// grant is overdue for review and over-broad) and by no rule about changes (no
// UNTICKETED_ACCESS_CHANGE); a later listing that no longer has one revokes it, but not a
// grant an event made after that listing began; a suspended holder's grants are orphaned.
func TestSnapshotGrantsAreObservedState(t *testing.T) {
	ctx := context.Background()
	now := t0
	a, s := inventoryAuditor(t, &now)
	twoYearsAgo := t0.AddDate(-2, 0, 0)
	admin := oktaGroup("00gADMIN", "Super Administrators", schemas.PrivilegeAdmin)
	admin.GrantedAt = &twoYearsAgo
	finance := oktaGroup("00gFIN", "finance-readers", schemas.PrivilegeRead)
	wiki := oktaGroup("00gWIKI", "wiki", schemas.PrivilegeRead)
	first := connectors.NewListing(schemas.SourceOkta, "okta", schemas.OriginSnapshot, now)
	var evs []schemas.IdentityEvent
	evs = append(evs, first.Events(connectors.Holding{Principal: holder("ann@corp.example"), Status: connectors.StatusActive,
		Grants: []connectors.Grant{admin, finance}}, now)...)
	evs = append(evs, first.Events(connectors.Holding{Principal: holder("leo@corp.example"), Status: connectors.StatusSuspended,
		Grants: []connectors.Grant{wiki}}, now)...)
	if _, err := a.WriteBatch(ctx, routed(evs)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sweep(ctx, now); err != nil {
		t.Fatal(err)
	}
	want := []string{"OVER_BROAD_GRANT okta:Super Administrators", "REVIEW_OVERDUE okta:Super Administrators"}
	if got := openKinds(t, a, "ann@corp.example"); !slices.Equal(got, want) {
		t.Fatalf("ann's open findings %v, want %v (a listed grant is no change: nothing unticketed)", got, want)
	}
	if got := openKinds(t, a, "leo@corp.example"); !slices.Equal(got, []string{"ORPHANED_GRANT okta:wiki"}) {
		t.Fatalf("leo's open findings %v, want the suspended holder's grant orphaned", got)
	}
	adminKey := schemas.EntitlementKey("okta", "00gADMIN", "")
	g := grantRow(t, s, "ann@corp.example", adminKey)
	if g.String("state") != stateActive || g.String("origin") != schemas.OriginSnapshot || !g.Time("granted_at").Equal(twoYearsAgo) ||
		!g.Time("first_seen").Equal(t0) {
		t.Fatalf("admin grant row %v: want ACTIVE, origin snapshot, granted two years ago, first seen now", g)
	}

	// An event grants ann the wiki after the second listing began: that listing does not
	// list it, but must not revoke it. It lists neither finance (revoked) nor, for leo,
	// anything new; leo is active again.
	now = t0.Add(24 * time.Hour)
	second := connectors.NewListing(schemas.SourceOkta, "okta", schemas.OriginSnapshot, now)
	wikiEvent := schemas.RoutedEvent{Event: schemas.IdentityEvent{EventID: "OKTA:wiki-grant", Source: schemas.SourceOkta, SourceEventType: "group.user_membership.add",
		Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant, OccurredAt: now.Add(time.Minute), IngestedAt: now.Add(time.Minute),
		Outcome: schemas.OutcomeSuccess, Actor: &schemas.Principal{ID: "it-admin@corp.example", Type: schemas.PrincipalHuman},
		Subject: &schemas.Principal{ID: "ann@corp.example", Type: schemas.PrincipalHuman}, Entitlement: &wiki.Entitlement, TicketRefs: []string{}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "r", DecidedAt: now}}
	evs = append(second.Events(connectors.Holding{Principal: holder("ann@corp.example"), Status: connectors.StatusActive,
		Grants: []connectors.Grant{admin}}, now.Add(2*time.Minute)), second.Events(connectors.Holding{Principal: holder("leo@corp.example"),
		Status: connectors.StatusActive, Grants: []connectors.Grant{wiki}}, now.Add(2*time.Minute))...)
	if _, err := a.WriteBatch(ctx, append([]schemas.RoutedEvent{wikiEvent}, routed(evs)...)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sweep(ctx, now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if fin := grantRow(t, s, "ann@corp.example", schemas.EntitlementKey("okta", "00gFIN", "")); fin.String("state") != stateRevoked ||
		fin.String("revoke_event_id") == "" {
		t.Fatalf("finance grant after a listing without it: %v, want REVOKED by the listing", fin)
	}
	if w := grantRow(t, s, "ann@corp.example", schemas.EntitlementKey("okta", "00gWIKI", "")); w.String("state") != stateActive || w.String("origin") != originEvent {
		t.Fatalf("wiki grant an event made after the listing began: %v, want ACTIVE with origin event", w)
	}
	if g := grantRow(t, s, "ann@corp.example", adminKey); !g.Time("last_seen").Equal(now.Add(2*time.Minute)) || !g.Time("first_seen").Equal(t0) {
		t.Fatalf("admin grant confirmed by the second listing: %v", g)
	}
	// The event-made wiki grant had no ticket: that is a change, judged as one.
	if got := openKinds(t, a, "ann@corp.example"); !slices.Contains(got, "UNTICKETED_ACCESS_CHANGE okta:wiki") {
		t.Fatalf("ann's open findings %v lack the event's unticketed grant", got)
	}
	if got := openKinds(t, a, "leo@corp.example"); len(got) != 0 {
		t.Fatalf("leo, active again, still has %v", got)
	}

	// The same listing delivered again changes nothing.
	before := openKinds(t, a, "ann@corp.example")
	if _, err := a.WriteBatch(ctx, routed(evs)); err != nil {
		t.Fatal(err)
	}
	if got := openKinds(t, a, "ann@corp.example"); !slices.Equal(got, before) {
		t.Fatalf("redelivered listing: %v, was %v", got, before)
	}
}

// TestSnapshotCredentialsKeepTheirAge: a listed credential is as old as the vendor says,
// so a secret created long ago raises NHI_LONG_LIVED_SECRET at once, and its last use is
// kept: a key unused for longer than nhi_unused_age raises NHI_UNUSED_CREDENTIAL.
func TestSnapshotCredentialsKeepTheirAge(t *testing.T) {
	ctx := context.Background()
	now := t0
	a, s := inventoryAuditor(t, &now)
	created, used := t0.AddDate(-1, 0, 0), t0.Add(-48*time.Hour)
	recent, longAgo := t0.Add(-30*24*time.Hour), t0.Add(-200*24*time.Hour) // a young key nobody has used for 200 days
	svc := schemas.Principal{ID: "arn:aws:iam::123456789012:user/deploy-bot", SourceID: "AIDA1", Type: schemas.PrincipalNHI}
	owner := holder("ops@corp.example")
	l := connectors.NewListing(schemas.SourceCloudTrail, "aws", schemas.OriginSnapshot, now)
	evs := l.Events(connectors.Holding{Principal: svc, Status: connectors.StatusActive, Credentials: []connectors.Credential{
		{ID: "AKIAOLD", Kind: schemas.CredentialAccessKey, Owner: &owner, CreatedAt: &created, LastUsedAt: &used},
		{ID: "AKIASTALE", Kind: schemas.CredentialAccessKey, Owner: &owner, CreatedAt: &recent, LastUsedAt: &longAgo}}}, now)
	if _, err := a.WriteBatch(ctx, routed(evs)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sweep(ctx, now); err != nil {
		t.Fatal(err)
	}
	if got := openKinds(t, a, svc.ID); !slices.Equal(got, []string{"NHI_LONG_LIVED_SECRET credential:AKIAOLD", "NHI_UNUSED_CREDENTIAL credential:AKIASTALE"}) {
		t.Fatalf("open findings %v", got)
	}
	rows, err := s.Query(ctx, "SELECT origin, toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(last_used_at) AS last_used_at FROM credentials FINAL WHERE credential_id = 'AKIAOLD'"+aliasSafe)
	if err != nil || len(rows) != 1 || rows[0].String("origin") != schemas.OriginSnapshot || !rows[0].Time("created_at").Equal(created) || !rows[0].Time("last_used_at").Equal(used) {
		t.Fatalf("credential row %v %v", rows, err)
	}
}

// TestBreakglassUseThroughTheAuditor: a root console sign-in (routed BREAK_GLASS) starts
// the break-glass clock: unreviewed and unrotated a day later, it raises
// BREAKGLASS_USE_NO_REVIEW and BREAKGLASS_CREDENTIAL_NOT_ROTATED; a password change and a
// closed post-event review ticket resolve them.
func TestBreakglassUseThroughTheAuditor(t *testing.T) {
	ctx := context.Background()
	now := t0
	a, _ := inventoryAuditor(t, &now)
	root := schemas.Principal{ID: "arn:aws:iam::123456789012:root", SourceID: "123456789012", Type: schemas.PrincipalHuman}
	ev := func(id string, action schemas.Action, lane schemas.Lane, at time.Time) schemas.RoutedEvent {
		return schemas.RoutedEvent{Event: schemas.IdentityEvent{EventID: id, Source: schemas.SourceCloudTrail, SourceEventType: "ConsoleLogin",
			Category: schemas.CategoryIAM, Action: action, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess, Actor: &root, TicketRefs: []string{}},
			Decision: schemas.Decision{Lane: lane, Impact: schemas.ImpactCritical, RuleID: "root-use", DecidedAt: at}}
	}
	if _, err := a.WriteBatch(ctx, []schemas.RoutedEvent{ev("CLOUDTRAIL:login-1", schemas.ActionSignIn, schemas.LaneBreakGlass, t0),
		ev("CLOUDTRAIL:read-1", schemas.ActionSignIn, schemas.LaneObserve, t0.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(25 * time.Hour)
	if _, err := a.Sweep(ctx, now); err != nil {
		t.Fatal(err)
	}
	want := []string{"BREAKGLASS_CREDENTIAL_NOT_ROTATED break-glass use (SIGN_IN)", "BREAKGLASS_USE_NO_REVIEW break-glass use (SIGN_IN)"}
	if got := openKinds(t, a, root.ID); !slices.Equal(got, want) {
		t.Fatalf("after an unreviewed root sign-in: %v, want %v (the OBSERVE sign-in is no use)", got, want)
	}
	pw := ev("CLOUDTRAIL:pw-1", schemas.ActionPasswordChange, schemas.LaneObserve, t0.Add(26*time.Hour))
	review := schemas.RoutedEvent{Event: schemas.IdentityEvent{EventID: "SERVICENOW:pir-1", Source: schemas.SourceServiceNow, SourceEventType: "sn_access_review",
		Category: schemas.CategoryTicket, Action: schemas.ActionTicketClosed, OccurredAt: t0.Add(27 * time.Hour), IngestedAt: t0.Add(27 * time.Hour),
		Outcome: schemas.OutcomeSuccess, Subject: &root, TicketRefs: []string{},
		Ticket: &schemas.Ticket{ID: "PIR0042", System: "servicenow", Kind: schemas.TicketAccessReview, State: "closed", RequestedFor: &root,
			Approval: schemas.ApprovalApproved, Approver: &schemas.Principal{ID: "secops@corp.example", Type: schemas.PrincipalHuman}}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactLow, RuleID: "ticket-access-review", DecidedAt: t0.Add(27 * time.Hour)}}
	now = t0.Add(28 * time.Hour)
	if _, err := a.WriteBatch(ctx, []schemas.RoutedEvent{pw, review}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sweep(ctx, now); err != nil {
		t.Fatal(err)
	}
	if got := openKinds(t, a, root.ID); len(got) != 0 {
		t.Fatalf("after the rotation and the review: %v", got)
	}
}
