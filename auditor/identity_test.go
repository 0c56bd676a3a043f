package auditor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

func TestIdentityRuleMatchesWholeID(t *testing.T) {
	r, err := compileRule(IdentityRule{Name: "aws", Match: "arn:aws:iam::*:user/{name}", Identity: "{name}@corp.example"})
	if err != nil {
		t.Fatal(err)
	}
	for account, want := range map[string]string{
		"arn:aws:iam::123456789012:user/Alice": "alice@corp.example",
		"ARN:AWS:IAM::1:USER/bob":              "bob@corp.example",
		"arn:aws:iam::1:user/ops/bob":          "", // a path: {name} is one segment
		"arn:aws:iam::1:role/bob":              "",
		"xarn:aws:iam::1:user/bob":             "", // anchored
		"arn:aws:iam::1:user/":                 "",
	} {
		got, ok := r.apply(account)
		if ok != (want != "") || got != want {
			t.Errorf("apply(%q) = %q, %v; want %q", account, got, ok, want)
		}
	}
	// Regular-expression syntax in a pattern is literal.
	lit, err := compileRule(IdentityRule{Name: "lit", Match: "a.b+{name}", Identity: "{name}"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lit.apply("axbbx"); ok {
		t.Error("a '.' in a pattern matched any character")
	}
	if got, ok := lit.apply("a.b+carol"); !ok || got != "carol" {
		t.Errorf("literal pattern: %q %v", got, ok)
	}
}

func TestIdentityConfigValidate(t *testing.T) {
	for name, c := range map[string]IdentityConfig{
		"alias without accounts": {Aliases: []IdentityAlias{{Identity: "a@x"}}},
		"empty account":          {Aliases: []IdentityAlias{{Identity: "a@x", Accounts: []string{" "}}}},
		"rule without name":      {Rules: []IdentityRule{{Match: "x{name}", Identity: "{name}"}}},
		"rule without identity":  {Rules: []IdentityRule{{Name: "r", Match: "x{name}"}}},
		"two captures":           {Rules: []IdentityRule{{Name: "r", Match: "{name}/{name}", Identity: "{name}"}}},
		"identity uses no match": {Rules: []IdentityRule{{Name: "r", Match: "x*", Identity: "{name}@x"}}},
	} {
		cfg := DefaultConfig()
		cfg.Identities = c
		err := cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "auditor.detections.identities") {
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming the key", name, err)
		}
	}
}

func TestResolverPrecedenceAndMoves(t *testing.T) {
	ix := newIdentities(IdentityConfig{Rules: []IdentityRule{{Name: "aws", Match: "arn:aws:iam::*:user/{name}", Identity: "{name}@corp.example"}}})
	aws := "arn:aws:iam::1:user/alice"
	if a, ok := ix.identityOf(aws); !ok || a.Identity != "alice@corp.example" || a.Source != AliasRule {
		t.Fatalf("rule: %+v %v", a, ok)
	}
	at := dt0
	moved := ix.add(alias{Account: "00u1", Identity: "alice@corp.example", Source: AliasEvent, Reason: "event", At: at},
		alias{Account: aws, Identity: "alice@corp.example", Source: AliasRule, Reason: "rule aws", At: at})
	if !slices.Contains(moved, "00u1") || !slices.Contains(moved, aws) {
		t.Fatalf("joining moved %v", moved)
	}
	if got := accounts(ix.peers(aws)); !slices.Equal(got, []string{"00u1", "alice@corp.example"}) {
		t.Fatalf("peers of the AWS user: %v", got)
	}
	// A configured alias beats the event; an analyst's mapping beats both.
	ix.add(alias{Account: "00u1", Identity: "a.smith@corp.example", Source: AliasConfig, Reason: "config", At: at})
	if a, _ := ix.identityOf("00u1"); a.Identity != "a.smith@corp.example" {
		t.Fatalf("config did not beat the event: %+v", a)
	}
	moved = ix.add(alias{Account: "00u1", Identity: "00u1", Source: AliasManual, Reason: "not the same person", At: at.Add(time.Minute)})
	if !slices.Contains(moved, "00u1") {
		t.Fatalf("a manual detach moved %v", moved)
	}
	if a, joined := ix.identityOf("00u1"); joined || a.Source != AliasManual {
		t.Fatalf("detached account still joined: %+v %v", a, joined)
	}
	if ix.peers("00u1") != nil {
		t.Fatalf("detached account has peers %v", ix.peers("00u1"))
	}
	// Withdrawing the analyst's mapping lets the configuration decide again; an older copy
	// of a mapping read late does not undo a newer one.
	ix.add(alias{Account: "00u1", Identity: "00u1", Source: AliasManual, At: at.Add(2 * time.Minute), Deleted: true})
	if a, _ := ix.identityOf("00u1"); a.Identity != "a.smith@corp.example" {
		t.Fatalf("after the withdrawal: %+v", a)
	}
	ix.add(alias{Account: "00u1", Identity: "00u1", Source: AliasManual, At: at.Add(time.Minute)})
	if a, _ := ix.identityOf("00u1"); a.Identity != "a.smith@corp.example" {
		t.Fatalf("an older manual row read late won: %+v", a)
	}
}

// Detections on in-memory state: a peer's reset, a peer's grant and a peer's approval.
func TestPeerDetections(t *testing.T) {
	cfg := detectCfg()
	aws := "arn:aws:iam::1:user/ann"
	reset := fact{EventID: "r1", Principal: "00u1", Category: schemas.CategoryIAM, Action: schemas.ActionMFAReset,
		Outcome: schemas.OutcomeSuccess, OccurredAt: dt0, ActorID: "agent@corp.example", SubjectID: "00u1"}
	grantEv := grantFact("e1", aws, "x@corp.example", "prod-deployers", schemas.PrivilegeWrite, dt0.Add(2*time.Hour))
	peer := peerView{alias: alias{Account: "00u1", Identity: "ann@corp.example", Source: AliasEvent}, Why: "00u1 is the same identity as " + aws + " (event: x)", LastReset: &reset}
	ps := state(aws, schemas.PrincipalHuman, grantEv)
	if n := kinds(t, ps, cfg, KindMFAResetThenPrivilege); n != 0 {
		t.Fatalf("no peer: raised %d", n)
	}
	ps.Peers = []peerView{peer}
	var got []schemas.Finding
	for _, f := range ps.eventFindings(cfg) {
		if f.Kind == KindMFAResetThenPrivilege {
			got = append(got, f)
		}
	}
	if len(got) != 1 || !slices.Equal(got[0].EventIDs, []string{"e1", "r1"}) || !strings.Contains(got[0].Summary, "same identity") {
		t.Fatalf("peer reset: %+v", got)
	}
	// A reset after the grant is not before it.
	late := reset
	late.OccurredAt = dt0.Add(3 * time.Hour)
	ps.Peers[0].LastReset = &late
	if n := kinds(t, ps, cfg, KindMFAResetThenPrivilege); n != 0 {
		t.Fatalf("a later peer reset raised %d", n)
	}

	// SoD across two accounts: raised once, on the account whose grant came second.
	create := grantFact("g1", "00u1", "x", "ap-invoice-create", schemas.PrivilegeWrite, dt0)
	approve := grantFact("g2", aws, "x", "ap-invoice-approve", schemas.PrivilegeWrite, dt0.Add(time.Hour))
	second := state(aws, schemas.PrincipalHuman, approve)
	second.Peers = []peerView{{alias: alias{Account: "00u1"}, Why: "joined", Grants: []grant{activeGrant(create)}}}
	first := state("00u1", schemas.PrincipalHuman, create)
	first.Peers = []peerView{{alias: alias{Account: aws}, Why: "joined", Grants: []grant{activeGrant(approve)}}}
	if a, b := len(sodConflict(second, cfg, false)), len(sodConflict(first, cfg, false)); a != 1 || b != 0 {
		t.Fatalf("cross-account SoD raised %d on the second holder and %d on the first, want 1 and 0", a, b)
	}
}

// The engine-backed scenarios: identities joined by a configured rule and by events.
func identityHarness(t *testing.T) *harness {
	return newHarness(t, func(c *Config) {
		c.Identities.Rules = []IdentityRule{{Name: "aws-iam-users", Match: "arn:aws:iam::123456789012:user/{name}", Identity: "{name}@corp.example"}}
	})
}

func awsUser(name string) *schemas.Principal {
	return human("arn:aws:iam::123456789012:user/" + name)
}

func oktaUser(id, email string) *schemas.Principal {
	p := human(id)
	p.Email = &email
	return p
}

func TestTicketForThePersonCoversTheirAWSUser(t *testing.T) {
	for _, rule := range []bool{false, true} {
		h := newHarness(t, nil)
		if rule {
			h = identityHarness(t)
		}
		req := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0901", alice, "finance-readers", bob))
		g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, awsUser("alice"), group("finance-readers", schemas.PrivilegeRead))
		h.write(req)
		h.write(g)
		if rule {
			h.expectOpen()
		} else {
			h.expectOpen(want{KindUnticketedAccessChange, awsUser("alice").ID, []string{id(g)}})
		}
	}
	// The ticket arriving after the grant finds the AWS user by its identity's key.
	h := identityHarness(t)
	g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, awsUser("alice"), group("finance-readers", schemas.PrivilegeRead))
	h.write(g)
	h.expectOpen(want{KindUnticketedAccessChange, awsUser("alice").ID, []string{id(g)}})
	late := h.tk(schemas.ActionTicketApproved, t0.Add(30*time.Minute), approvedRequest("RITM0902", alice, "finance-readers", bob))
	late.Event.Ticket.ApprovedAt = nil
	h.write(late)
	h.expectOpen()
}

func TestOktaResetThenAWSAdminAcrossAccounts(t *testing.T) {
	for _, order := range []string{"reset first", "grant first"} {
		t.Run(order, func(t *testing.T) {
			h := identityHarness(t)
			okta := oktaUser("alice@corp.example", "Alice@corp.example") // as ingest keys an Okta user: by login
			okta.SourceID = "00u1alice"
			aws := awsUser("alice")
			req := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("CHG0901", alice, "prod-deployers", bob))
			req.Event.Ticket.Kind = schemas.TicketChange
			reset := h.ev(schemas.ActionMFAReset, t0, schemas.LaneHelpDesk, okta, okta, nil) // self-service
			g := h.ev(schemas.ActionAccessGrant, t0.Add(2*time.Hour), schemas.LaneServiceDesk, admin, aws,
				&schemas.Entitlement{ID: "prod-deployers", Name: "prod-deployers", Privilege: schemas.PrivilegeWrite, System: "aws"}, "CHG0901")
			h.write(req)
			if order == "reset first" {
				h.write(reset)
				h.write(g)
			} else {
				h.write(g)
				h.expectOpen()
				h.write(reset)
			}
			h.expectOpen(want{KindMFAResetThenPrivilege, aws.ID, []string{id(reset), id(g)}})
			f := h.findings(schemas.FindingOpen)[0]
			if !strings.Contains(f.Summary, okta.ID) || !strings.Contains(f.Summary, "same identity") {
				t.Fatalf("summary does not name the join: %q", f.Summary)
			}
			ps, err := h.a.Principals(context.Background(), aws.ID)
			if err != nil || len(ps) != 1 || ps[0].Identity != "alice@corp.example" || len(ps[0].Accounts) != 2 {
				t.Fatalf("principals of %s: %+v %v", aws.ID, ps, err)
			}

			// An analyst detaches the AWS user: the next sweep resolves the finding without
			// a new event; withdrawing the correction raises it again.
			if _, err := h.a.ChangeIdentity(context.Background(), IdentityChange{Account: aws.ID, Identity: aws.ID, Reason: "shared lab account, not Alice", Actor: "soc"}); err != nil {
				t.Fatal(err)
			}
			h.sweep(t0.Add(3 * time.Hour))
			h.expectOpen()
			h.clock.now = h.clock.now.Add(time.Minute)
			if _, err := h.a.ChangeIdentity(context.Background(), IdentityChange{Account: aws.ID, Clear: true, Reason: "it is Alice's after all", Actor: "soc"}); err != nil {
				t.Fatal(err)
			}
			h.sweep(t0.Add(4 * time.Hour))
			h.expectOpen(want{KindMFAResetThenPrivilege, aws.ID, []string{id(reset), id(g)}})
		})
	}
}

func TestConfiguredAliasesJoinSoDAndApproval(t *testing.T) {
	okta, aws := "00u1frank", "arn:aws:iam::999:user/fjones"
	h := newHarness(t, func(c *Config) {
		c.Identities.Aliases = []IdentityAlias{{Identity: "frank@corp.example", Accounts: []string{okta, aws}}}
	})
	frank := human("frank@corp.example")
	r1 := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0911", frank, "ap-invoice-create", bob))
	// Frank's request approved by his own Okta account.
	r2 := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("RITM0912", frank, "ap-invoice-approve", human(okta)))
	g1 := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, human(okta), group("ap-invoice-create", schemas.PrivilegeWrite), "RITM0911")
	g2 := h.ev(schemas.ActionAccessGrant, t0.Add(time.Hour), schemas.LaneServiceDesk, admin, human(aws), group("ap-invoice-approve", schemas.PrivilegeWrite), "RITM0912")
	h.write(r1, r2)
	h.write(g1)
	h.write(g2)
	h.expectOpen(
		want{KindSoDConflict, aws, []string{id(g1), id(g2)}},
		want{KindSelfApproved, aws, []string{id(r2)}},
	)
	// Revoking the Okta side resolves the conflict on the AWS account.
	h.clock.now = t0.Add(2 * time.Hour)
	h.write(h.ev(schemas.ActionAccessRevoke, h.clock.now, schemas.LaneServiceDesk, admin, human(okta), group("ap-invoice-create", schemas.PrivilegeWrite)))
	h.expectOpen(want{KindSelfApproved, aws, []string{id(r2)}})
}

// FuzzIdentityRule: any pattern either is refused with an error or compiles to a rule whose
// matches are whole ids, and whose literal text is never read as expression syntax.
func FuzzIdentityRule(f *testing.F) {
	f.Add("arn:aws:iam::*:user/{name}", "{name}@corp.example", "arn:aws:iam::1:user/alice")
	f.Add("(.*)|{name", "x", "anything")
	f.Add("{name}{name}", "{name}", "ab")
	f.Add("[a-z]+\\", "{name}", "[a-z]+\\")
	f.Fuzz(func(t *testing.T, match, identity, account string) {
		r, err := compileRule(IdentityRule{Name: "f", Match: match, Identity: identity})
		if err != nil {
			return
		}
		id, ok := r.apply(account)
		if !ok {
			return
		}
		if !strings.ContainsAny(match, "*{") && !strings.EqualFold(match, account) {
			t.Fatalf("literal pattern %q matched %q", match, account)
		}
		if !strings.Contains(identity, "{name}") && id != identity {
			t.Fatalf("identity %q without {name} became %q", identity, id)
		}
	})
}

func TestIdentityWithTooManyAccountsJoinsNone(t *testing.T) {
	ix := newIdentities(IdentityConfig{})
	var rows []alias
	for i := range maxAccounts + 1 {
		rows = append(rows, alias{Account: fmt.Sprintf("svc-%03d", i), Identity: "shared@corp.example", Source: AliasRule, At: dt0})
	}
	ix.add(rows...)
	if p := ix.peers("svc-001"); p != nil {
		t.Fatalf("an identity of %d accounts joined %d peers", maxAccounts+1, len(p))
	}
	if moved := ix.add(alias{Account: "svc-new", Identity: "shared@corp.example", Source: AliasRule, At: dt0}); len(moved) != 1 {
		t.Fatalf("one more account of an over-full identity moved %d", len(moved))
	}
}

func TestSourceAccountIsIngestsCanonicalID(t *testing.T) {
	for _, c := range []struct {
		src schemas.Source
		id  string
	}{{schemas.SourceOkta, "00u1abcDEF"}, {schemas.SourceEntra, "9a8b7c6d-0000-1111-2222-333344445555"}, {schemas.SourceCloudTrail, "arn:aws:iam::1:user/Bob"},
		{schemas.SourceGoogleWorkspace, "Ann@Corp.Example"}, {schemas.SourceOkta, " "}, {schemas.SourceGeneric, "u-17"}} {
		if got, want := sourceAccount(c.src, c.id), ingest.CanonicalID(c.src, c.id, ""); got != want {
			t.Errorf("sourceAccount(%s, %q) = %q, ingest keys it %q", c.src, c.id, got, want)
		}
	}
}

// An event that names an Okta user by id and login joins the account other events know by
// id only (okta:00u…) to the person: a ticket for the email covers its grant.
func TestVendorIDJoinsTheEmail(t *testing.T) {
	for _, named := range []bool{false, true} {
		h := newHarness(t, nil)
		byID := human("okta:00u9erin")
		byID.SourceID = "00u9erin"
		req := h.tk(schemas.ActionTicketApproved, t0.Add(-2*time.Hour), approvedRequest("RITM0960", human("erin@corp.example"), "finance-readers", bob))
		h.write(req)
		if named {
			full := oktaUser("erin@corp.example", "erin@corp.example")
			full.SourceID = "00u9erin"
			h.write(h.ev(schemas.ActionMFAEnroll, t0.Add(-time.Hour), schemas.LaneHelpDesk, full, full, nil))
		}
		g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, byID, group("finance-readers", schemas.PrivilegeRead))
		h.write(g)
		if named {
			h.expectOpen()
			ps, err := h.a.Principals(context.Background(), byID.ID)
			if err != nil || len(ps) != 1 || ps[0].Identity != "erin@corp.example" || ps[0].Accounts[0].Source != AliasEvent {
				t.Fatalf("identity of %s: %+v %v", byID.ID, ps, err)
			}
		} else {
			h.expectOpen(want{KindUnticketedAccessChange, byID.ID, []string{id(g)}})
		}
	}
}

// A correction stored while no auditor runs takes effect at the first sweep of the next
// one, even when a batch comes first.
func TestCorrectionMadeWhileStoppedAppliesAfterRestart(t *testing.T) {
	h := identityHarness(t)
	okta := oktaUser("alice@corp.example", "alice@corp.example")
	okta.SourceID = "00u1alice"
	aws := awsUser("alice")
	req := h.tk(schemas.ActionTicketApproved, t0.Add(-time.Hour), approvedRequest("CHG0970", alice, "prod-deployers", bob))
	req.Event.Ticket.Kind = schemas.TicketChange
	reset := h.ev(schemas.ActionMFAReset, t0, schemas.LaneHelpDesk, okta, okta, nil)
	g := h.ev(schemas.ActionAccessGrant, t0.Add(time.Hour), schemas.LaneServiceDesk, admin, aws,
		&schemas.Entitlement{ID: "prod-deployers", Name: "prod-deployers", Privilege: schemas.PrivilegeWrite, System: "aws"}, "CHG0970")
	h.write(req, reset)
	h.write(g)
	h.expectOpen(want{KindMFAResetThenPrivilege, aws.ID, []string{id(reset), id(g)}})
	// The auditor stops; an analyst detaches the AWS user; a new auditor starts.
	if _, err := h.a.ChangeIdentity(context.Background(), IdentityChange{Account: aws.ID, Identity: aws.ID, Reason: "lab account", Actor: "kim"}); err != nil {
		t.Fatal(err)
	}
	b, err := New(h.s, h.a.cfg, Options{Clock: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.a = b
	h.write(h.ev(schemas.ActionMFAEnroll, t0.Add(2*time.Hour), schemas.LaneHelpDesk, bob, bob, nil)) // someone else's event first
	h.expectOpen(want{KindMFAResetThenPrivilege, aws.ID, []string{id(reset), id(g)}})
	h.sweep(t0.Add(3 * time.Hour))
	h.expectOpen()
}

// An Okta app assignment naming the person's username in Google Workspace joins that
// account: a ticket for the person covers a Workspace grant to it.
func TestOktaAppUserJoinsTheAppsAccount(t *testing.T) {
	for _, named := range []bool{false, true} {
		h := newHarness(t, nil)
		ann := oktaUser("ann@corp.example", "ann@corp.example")
		ws := human("ann.lee@corp-mail.example")
		req := h.tk(schemas.ActionTicketApproved, t0.Add(-2*time.Hour), approvedRequest("RITM0980", ann, "finance-readers", bob))
		h.write(req)
		if named {
			assign := h.ev(schemas.ActionAccessGrant, t0.Add(-time.Hour), schemas.LaneServiceDesk, admin, ann, group("Google Workspace", schemas.PrivilegeRead), "RITM0981")
			assign.Event.Attributes = map[string]string{"app_user": "Ann.Lee@corp-mail.example"}
			h.write(h.tk(schemas.ActionTicketApproved, t0.Add(-3*time.Hour), approvedRequest("RITM0981", ann, "Google Workspace", bob)), assign)
		}
		g := h.ev(schemas.ActionAccessGrant, t0, schemas.LaneServiceDesk, admin, ws, group("finance-readers", schemas.PrivilegeRead))
		g.Event.Source = schemas.SourceGoogleWorkspace
		h.write(g)
		if named {
			h.expectOpen()
		} else {
			h.expectOpen(want{KindUnticketedAccessChange, ws.ID, []string{id(g)}})
		}
	}
}
