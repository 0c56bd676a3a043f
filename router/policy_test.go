package router

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

const minimalPolicy = `version: 1
lists:
  privileged_groups: [Admins]
rules:
  - id: grant-admin
    when: event.action == "ACCESS_GRANT" && in_list(event.entitlement.name, lists.privileged_groups)
    lane: SERVICE_DESK
    impact: HIGH
    controls: [APPROVAL]
    reason: admin grant
default:
  lane: TRIAGE
  reason: undecided
`

func TestLoadPolicyErrors(t *testing.T) {
	rule := func(when, extra string) string {
		return "version: 1\nrules:\n  - id: grant-admin\n    when: '" + when + "'\n    lane: SERVICE_DESK\n" + extra
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"yaml syntax", "version: 1\nrules: [\n", []string{"yaml"}},
		{"unknown policy key", "version: 1\nrulez: []\n", []string{"rulez", "not found"}},
		{"unknown rule key", rule(`event.action == "READ"`, "    lanes: OBSERVE\n"), []string{"lanes", "not found"}},
		{"undeclared variable", rule(`evnt.action == "READ"`, ""), []string{`rule "grant-admin"`, "undeclared reference to 'evnt'"}},
		{"unknown field", rule(`event.subjct.id == "x"`, ""), []string{`rule "grant-admin"`, "undefined field 'subjct'"}},
		{"wrong type", rule(`event.action == 1`, ""), []string{`rule "grant-admin"`, "no matching overload"}},
		{"not a bool", rule(`event.action`, ""), []string{`rule "grant-admin"`, "must be a bool"}},
		{"unknown enum literal", rule(`event.action == "ACCES_GRANT"`, ""), []string{`rule "grant-admin"`, `"ACCES_GRANT" is not a value of action`}},
		{"unknown enum literal in list", rule(`event.ticket.kind in ["INCIDENT", "CHNAGE"]`, ""), []string{`rule "grant-admin"`, `"CHNAGE" is not a value of kind`}},
		{"unknown list", rule(`event.actor.id in lists.brake_glass`, ""), []string{`rule "grant-admin"`, "undeclared reference"}},
		{"no lane", "version: 1\nrules:\n  - id: grant-admin\n    when: 'true'\n", []string{`rule "grant-admin"`, "missing lane"}},
		{"unknown lane", "version: 1\nrules:\n  - id: grant-admin\n    when: 'true'\n    lane: SERVICEDESK\n", []string{`rule "grant-admin"`, `unknown lane "SERVICEDESK"`}},
		{"unknown impact", rule(`true`, "    impact: HUGE\n"), []string{`rule "grant-admin"`, `unknown impact "HUGE"`}},
		{"unknown control", rule(`true`, "    controls: [APPROVAL, SIGNOFF]\n"), []string{`rule "grant-admin"`, `unknown control "SIGNOFF"`}},
		{"missing when", "version: 1\nrules:\n  - id: grant-admin\n    lane: OBSERVE\n", []string{`rule "grant-admin"`, "missing when"}},
		{"missing id", "version: 1\nrules:\n  - when: 'true'\n    lane: OBSERVE\n", []string{"rule #1", "missing id"}},
		{"duplicate id", "version: 1\nrules:\n  - id: grant-admin\n    when: 'true'\n    lane: OBSERVE\n  - id: grant-admin\n    when: 'false'\n    lane: OBSERVE\n",
			[]string{`rule "grant-admin" (line 6)`, "duplicate id", "line 3"}},
		{"wrong format version", "version: 2\nrules: []\n", []string{"version"}},
		{"no rules", "version: 1\n", []string{"at least one rule"}},
		{"bad default lane", rule(`true`, "") + "default:\n  lane: NOWHERE\n", []string{"default", `unknown lane "NOWHERE"`}},
		{"bad pattern", "version: 1\nlists:\n  nhi_patterns: ['re:(']\nrules:\n  - id: a\n    when: 'true'\n    lane: OBSERVE\n", []string{"lists.nhi_patterns", "re:("}},
		{"runaway comprehension", "version: 1\nlists:\n  big: [" + strings.Repeat("x,", 2000) + "y]\nrules:\n  - id: quadratic\n    when: 'lists.big.exists(a, lists.big.exists(b, a + b == \"zz\"))'\n    lane: OBSERVE\n",
			[]string{`rule "quadratic"`, "estimated worst-case cost", "exceeds the limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadPolicy([]byte(tt.text))
			if err == nil {
				t.Fatal("policy loaded; want an error")
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("error %v does not wrap ErrInvalidPolicy", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestDecide(t *testing.T) {
	p, err := LoadPolicy([]byte(minimalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := &schemas.IdentityEvent{EventID: "e1", Action: schemas.ActionAccessGrant,
		Entitlement: &schemas.Entitlement{Name: "admins"}}
	d, err := p.Decide(ev, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lane != schemas.LaneServiceDesk || d.Impact != schemas.ImpactHigh || d.RuleID != "grant-admin" ||
		fmt.Sprint(d.RequiredControls) != "[APPROVAL]" || fmt.Sprint(d.Reasons) != "[admin grant]" || !d.DecidedAt.Equal(now) {
		t.Errorf("decision = %+v", d)
	}
	if len(d.PolicyVersion) != 16 || d.PolicyVersion != p.Version() {
		t.Errorf("policy version %q, want 16 hex chars equal to %q", d.PolicyVersion, p.Version())
	}

	// No entitlement at all: nil pointers read as empty values, so the rule does not match.
	d, err = p.Decide(&schemas.IdentityEvent{EventID: "e2", Action: schemas.ActionAccessGrant}, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lane != schemas.LaneTriage || d.RuleID != DefaultRuleID || d.Impact != schemas.ImpactNone {
		t.Errorf("default decision = %+v", d)
	}

	other, err := LoadPolicy([]byte(minimalPolicy + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if other.Version() == p.Version() {
		t.Error("different policy texts share a version")
	}
}

// TestRuntimeCostLimit: a rule whose estimate is within the limit (event
// collections are assumed small) but whose event is far larger is stopped by
// the run-time cost limit and reported as an evaluation error, not a hang.
func TestRuntimeCostLimit(t *testing.T) {
	text := `version: 1
rules:
  - id: pairwise-refs
    when: 'event.ticket_refs.exists(a, event.ticket_refs.exists(b, a + "x" == b))'
    lane: OBSERVE
  - id: after
    when: 'true'
    lane: TRIAGE
`
	p, err := LoadPolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	small := &schemas.IdentityEvent{EventID: "small", TicketRefs: []string{"INC1", "INC2"}}
	if d, err := p.Decide(small, time.Now()); err != nil || d.RuleID != "after" {
		t.Fatalf("small event: %+v, %v", d, err)
	}
	refs := make([]string, 3000)
	for i := range refs {
		refs[i] = fmt.Sprintf("INC%d", i)
	}
	_, err = p.Decide(&schemas.IdentityEvent{EventID: "huge", TicketRefs: refs}, time.Now())
	if !errors.Is(err, ErrEvaluation) {
		t.Fatalf("err = %v, want ErrEvaluation", err)
	}
	for _, w := range []string{`rule "pairwise-refs"`, `event "huge"`, "cost limit"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestMatchesAnyPatterns(t *testing.T) {
	text := `version: 1
lists:
  nhi_patterns: ["svc-*", "*@*.iam.gserviceaccount.com", "re:^bot[0-9]+$"]
rules:
  - id: nhi
    when: matches_any(event.subject.id, lists.nhi_patterns)
    lane: NHI
`
	p, err := LoadPolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]schemas.Lane{
		"SVC-payroll": schemas.LaneNHI, "etl@proj.iam.gserviceaccount.com": schemas.LaneNHI, "bot42": schemas.LaneNHI,
		"alice@example.com": schemas.LaneTriage, "my-svc-x": schemas.LaneTriage, "bot4x": schemas.LaneTriage,
	} {
		d, err := p.Decide(&schemas.IdentityEvent{Subject: &schemas.Principal{ID: id}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if d.Lane != want {
			t.Errorf("%s: lane %s, want %s", id, d.Lane, want)
		}
	}
}
