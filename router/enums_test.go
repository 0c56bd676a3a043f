package router

import (
	"os"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestGuardsDecideAsThePrograms evaluates every rule of the default policy
// against every labelled fixture and every default-policy test event twice:
// through Decide's path (guards first, the program only when they hold and
// are not the whole condition) and through the rule's CEL program alone. The
// verdicts must be the same, error or not, for every pair.
func TestGuardsDecideAsThePrograms(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	evs := fixtureEvents(t)
	evs = append(evs, policyTestEvents(t)...)
	evs = append(evs, schemas.IdentityEvent{EventID: "empty"})
	skipped, guarded := 0, 0
	for i := range evs {
		ev := &evs[i]
		for _, r := range p.rules {
			fast, fastErr := r.eval(ev, p.activation(ev))
			slow, slowErr := evalBool(r.program, p.activation(ev))
			if fast != slow || (fastErr == nil) != (slowErr == nil) {
				t.Errorf("event %s rule %s: guarded path %v (err %v), program %v (err %v)", ev.EventID, r.id, fast, fastErr, slow, slowErr)
			}
			for _, g := range r.guards {
				if !g.holds(ev) {
					skipped++
					break
				}
			}
		}
	}
	for _, r := range p.rules {
		if len(r.guards) > 0 {
			guarded++
		}
	}
	// The default policy opens most rules with an action, outcome or
	// category test; if none is recognised the guards are dead code.
	if guarded < len(p.rules)*3/4 || skipped == 0 {
		t.Fatalf("%d of %d rules have guards, %d evaluations skipped", guarded, len(p.rules), skipped)
	}
}

// TestGuardShapes pins which terms become guards: only top-level `&&` terms
// comparing a plain string field of the event with string literals, and
// none after a term that iterates (the run-time cost limit may stop the
// program there first).
func TestGuardShapes(t *testing.T) {
	for _, tc := range []struct {
		when     string
		guards   int
		complete bool
	}{
		{`event.action == "ACCESS_GRANT"`, 1, true},
		{`"ACCESS_GRANT" == event.action`, 1, true},
		{`event.category != "TICKET"`, 1, true},
		{`event.action in ["READ", "SIGN_IN"] && event.outcome == "SUCCESS"`, 2, true},
		{`event.action == "READ" && event.actor.id == "x"`, 1, false},
		{`event.actor.id == "x"`, 0, false},                                // nested: may be absent
		{`event.action == "READ" || event.outcome == "FAILURE"`, 0, false}, // not a conjunction
		{`!(event.action == "READ")`, 0, false},
		{`event.action in ["READ", event.source_event_type]`, 0, false},
		{`event.ticket_refs.exists(r, r == "x") && event.action == "READ"`, 0, false},
		{`event.action == "READ" && event.ticket_refs.exists(r, r == "x") && event.outcome == "SUCCESS"`, 1, false},
	} {
		p, err := LoadPolicy([]byte("version: 1\nrules:\n  - id: r\n    when: '" + tc.when + "'\n    lane: OBSERVE\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.when, err)
		}
		r := p.rules[0]
		if len(r.guards) != tc.guards || r.guarded != tc.complete {
			t.Errorf("%s: %d guards (whole condition %v), want %d (%v)", tc.when, len(r.guards), r.guarded, tc.guards, tc.complete)
		}
	}
}

// policyTestEvents is every input event of the default policy's test file.
func policyTestEvents(t testing.TB) []schemas.IdentityEvent {
	t.Helper()
	data, err := os.ReadFile("policies/default_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tf, err := parseTestFile(data)
	if err != nil {
		t.Fatal(err)
	}
	var evs []schemas.IdentityEvent
	for _, c := range tf.Cases {
		e, err := c.events(nil)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return evs
}
