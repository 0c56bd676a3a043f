package router

import (
	"os"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestDefaultPolicyCases runs the default policy's own test file, as
// `tollgate policy test router/policies` does.
func TestDefaultPolicyCases(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := RunPolicyTests("policies", TestOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := sum.Write(&out); err != nil {
		t.Fatal(err)
	}
	if !sum.OK() {
		t.Fatalf("default policy tests failed:\n%s", out.String())
	}
	t.Logf("%s", out.String())
	for _, id := range p.RuleIDs() {
		if sum.Covered[id] == 0 {
			t.Errorf("rule %q decides no case in policies/default_test.yaml", id)
		}
	}
}

// TestDefaultPolicyCoversEveryActionAndSource checks the test file exercises
// every canonical action and source, so a new enum symbol needs a case.
func TestDefaultPolicyCoversEveryActionAndSource(t *testing.T) {
	data, err := os.ReadFile("policies/default_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tf, err := parseTestFile(data)
	if err != nil {
		t.Fatal(err)
	}
	actions, sources := map[schemas.Action]bool{}, map[schemas.Source]bool{}
	for _, c := range tf.Cases {
		evs, err := c.events(nil)
		if err != nil {
			t.Fatal(err)
		}
		actions[evs[0].Action] = true
		sources[evs[0].Source] = true
	}
	for _, a := range enumFields["schemas.IdentityEvent.action"] {
		if !actions[schemas.Action(a)] {
			t.Errorf("no case for action %s", a)
		}
	}
	for _, s := range enumFields["schemas.IdentityEvent.source"] {
		if !sources[schemas.Source(s)] {
			t.Errorf("no case for source %s", s)
		}
	}
}
