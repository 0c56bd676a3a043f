package auditor

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestNHIInteractiveSignInOfEvents(t *testing.T) {
	svc := &schemas.Principal{ID: "arn:aws:iam::1:user/svc-deploy", Type: schemas.PrincipalNHI}
	person := &schemas.Principal{ID: "arn:aws:iam::1:user/alice", Type: schemas.PrincipalHuman}
	ev := func(src schemas.Source, typ string, actor, subject *schemas.Principal, attrs map[string]string) *schemas.IdentityEvent {
		return &schemas.IdentityEvent{EventID: "e", Source: src, SourceEventType: typ, Category: schemas.CategoryIAM, Action: schemas.ActionSignIn,
			Outcome: schemas.OutcomeSuccess, Actor: actor, Subject: subject, Attributes: attrs}
	}
	for name, c := range map[string]struct {
		e    *schemas.IdentityEvent
		want bool
	}{
		"aws console login as a service user":  {ev(schemas.SourceCloudTrail, "ConsoleLogin", svc, nil, nil), true},
		"aws console login of a person":        {ev(schemas.SourceCloudTrail, "ConsoleLogin", person, nil, nil), false},
		"aws token call of a service user":     {ev(schemas.SourceCloudTrail, "GetSigninToken", svc, nil, nil), false},
		"okta session of a service account":    {ev(schemas.SourceOkta, "user.session.start", svc, svc, nil), true},
		"okta session started for the service": {ev(schemas.SourceOkta, "user.session.start", person, svc, nil), true},
		"entra interactive sign-in":            {ev(schemas.SourceEntra, "Sign-in activity", svc, svc, map[string]string{"category": "SignInLogs"}), true},
		"entra service principal sign-in":      {ev(schemas.SourceEntra, "Sign-in activity", svc, svc, map[string]string{"category": "ServicePrincipalSignInLogs"}), false},
		"entra non-interactive user sign-in":   {ev(schemas.SourceEntra, "Sign-in activity", svc, svc, map[string]string{"category": "NonInteractiveUserSignInLogs"}), false},
		"workspace login":                      {ev(schemas.SourceGoogleWorkspace, "login:login_success", svc, svc, nil), true},
		"generic sign-in says nothing of a UI": {ev(schemas.SourceGeneric, "ConsoleLogin", svc, svc, nil), false},
	} {
		if got := interactiveNHISignIn(c.e); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	failed := ev(schemas.SourceCloudTrail, "ConsoleLogin", svc, nil, nil)
	failed.Outcome = schemas.OutcomeFailure
	if interactiveNHISignIn(failed) {
		t.Error("a failed console login counted")
	}
}

func TestNHIInteractiveSignIn(t *testing.T) {
	cfg := detectCfg()
	login := fact{EventID: "s1", Principal: "svc-deploy", Category: schemas.CategoryIAM, Action: schemas.ActionSignIn,
		Outcome: schemas.OutcomeSuccess, OccurredAt: dt0, ActorID: "svc-deploy", NHISignIn: true}
	session := func(evs ...fact) []grant {
		ps := &principalState{ID: "svc-deploy", Type: schemas.PrincipalNHI, Events: evs}
		ps.buildLedger(cfg, 1)
		return ps.Grants
	}
	if n := ledgerKindsOf(session(login), nil, dt0.Add(time.Minute), cfg, KindNHIInteractiveSignIn); n != 1 {
		t.Fatalf("an interactive sign-in of an NHI raised %d, want 1", n)
	}
	plain := login
	plain.NHISignIn = false
	if n := ledgerKindsOf(session(plain), nil, dt0.Add(time.Minute), cfg, KindNHIInteractiveSignIn); n != 0 {
		t.Fatalf("a non-interactive sign-in raised %d", n)
	}
	rotate := fact{EventID: "k1", Principal: "svc-deploy", Category: schemas.CategoryIAM, Action: schemas.ActionCredentialCreate,
		Outcome: schemas.OutcomeSuccess, OccurredAt: dt0.Add(time.Hour), ActorID: "admin", SubjectID: "svc-deploy", CredID: "AKIA1"}
	if n := ledgerKindsOf(session(login, rotate), nil, dt0.Add(2*time.Hour), cfg, KindNHIInteractiveSignIn); n != 0 {
		t.Fatalf("a key created after the sign-in left %d", n)
	}
	before := rotate
	before.OccurredAt = dt0.Add(-time.Hour)
	if n := ledgerKindsOf(session(before, login), nil, dt0.Add(2*time.Hour), cfg, KindNHIInteractiveSignIn); n != 1 {
		t.Fatalf("a key created before the sign-in resolved it (%d)", n)
	}
}

// Through the engine: the sign-in is a ledger event, so a replay from ledger_facts keeps
// the finding; rotating the account's key after it resolves it.
func TestNHIInteractiveSignInThroughTheAuditor(t *testing.T) {
	h := newHarness(t, nil)
	svc := nhiP("svc-reporting@corp.example")
	login := h.ev(schemas.ActionSignIn, t0, schemas.LaneObserve, svc, svc, nil)
	login.Event.SourceEventType = "user.session.start"
	h.write(login)
	h.expectOpen(want{KindNHIInteractiveSignIn, svc.ID, []string{id(login)}})
	h.a.replayAll = true
	older := h.ev(schemas.ActionAccountEnable, t0.Add(-24*time.Hour), schemas.LaneObserve, admin, svc, nil) // older: a replay
	if got := h.write(older); len(got) != 0 {
		t.Fatalf("replaying from ledger_facts changed %+v", got)
	}
	h.expectOpen(want{KindNHIInteractiveSignIn, svc.ID, []string{id(login)}})
	human := h.ev(schemas.ActionSignIn, t0, schemas.LaneObserve, alice, alice, nil)
	human.Event.SourceEventType = "user.session.start"
	h.write(human)
	h.expectOpen(want{KindNHIInteractiveSignIn, svc.ID, []string{id(login)}})
	// The sweep keeps it; a new token for the account after the sign-in resolves it.
	h.sweep(t0.Add(time.Hour))
	h.expectOpen(want{KindNHIInteractiveSignIn, svc.ID, []string{id(login)}})
	h.a.replayAll = false
	h.clock.now = t0.Add(2 * time.Hour)
	tok := h.ev(schemas.ActionCredentialRotate, h.clock.now, schemas.LaneNHI, admin, svc, nil)
	tok.Event.Credential = &schemas.Credential{ID: "00T1", Kind: schemas.CredentialAPIToken, Owner: admin}
	h.write(tok)
	h.expectOpen()
}

// An NHI's event findings name the owner its credentials record: whom the analyst asks.
func TestNHIFindingsNameTheOwner(t *testing.T) {
	cfg := detectCfg()
	g := grantFact("e1", "svc-etl", "x@corp.example", "Super Administrator", schemas.PrivilegeAdmin, dt0)
	ps := state("svc-etl", schemas.PrincipalNHI, g)
	ps.Creds = []credential{{Principal: "svc-etl", ID: "old", Owner: "gone@corp.example", DeletedAt: tp2(dt0)}, {Principal: "svc-etl", ID: "k1", Owner: "dana@corp.example"}}
	fs := ps.eventFindings(cfg)
	if len(fs) == 0 {
		t.Fatal("no finding for an unticketed admin grant to an NHI")
	}
	for _, f := range fs {
		if !strings.HasSuffix(f.Summary, "; owner dana@corp.example") {
			t.Errorf("%s: %q names no live owner", f.Kind, f.Summary)
		}
	}
}
