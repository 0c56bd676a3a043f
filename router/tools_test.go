package router

import (
	"bytes"
	"errors"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestReloadKeepsOldPolicyOnBadFile(t *testing.T) {
	p, err := LoadPolicy([]byte(minimalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var logs bytes.Buffer
	h := NewPolicyHolder(p, slog.New(slog.NewTextHandler(&logs, nil)), m)

	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(minimalPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	w := NewFileWatcher(h, path)
	if changed, err := w.Check(); changed || err != nil {
		t.Fatalf("unchanged file: changed=%v err=%v", changed, err)
	}

	bad := strings.Replace(minimalPolicy, "lane: SERVICE_DESK", "lane: SERVICEDESK", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := w.Check()
	if !changed || !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("bad file: changed=%v err=%v", changed, err)
	}
	if h.Current() != p {
		t.Fatal("a refused policy replaced the running one")
	}
	if got := counterValue(t, m.PolicyReloadFailures); got != 1 {
		t.Errorf("reload failures = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "policy reload refused") || !strings.Contains(logs.String(), "SERVICEDESK") {
		t.Errorf("log does not explain the refusal: %s", logs.String())
	}
	if changed, _ := w.Check(); changed {
		t.Error("the same bad content was retried")
	}

	good := strings.Replace(minimalPolicy, "impact: HIGH", "impact: CRITICAL", 1)
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := w.Check(); !changed || err != nil {
		t.Fatalf("good file: changed=%v err=%v", changed, err)
	}
	d, err := h.Decide(&schemas.IdentityEvent{Action: schemas.ActionAccessGrant, Entitlement: &schemas.Entitlement{Name: "Admins"}}, time.Now())
	if err != nil || d.Impact != schemas.ImpactCritical || d.PolicyVersion == p.Version() {
		t.Fatalf("after reload: %+v, %v", d, err)
	}
	if got := counterValue(t, m.PolicyReloads); got != 1 {
		t.Errorf("reloads = %v, want 1", got)
	}
	if got := counterValue(t, m.Events.WithLabelValues("SERVICE_DESK", "grant-admin")); got != 1 {
		t.Errorf("events{SERVICE_DESK,grant-admin} = %v, want 1", got)
	}

	if err := h.ReloadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("reload of a missing file succeeded")
	}
	if got := counterValue(t, m.PolicyReloadFailures); got != 2 {
		t.Errorf("reload failures = %v, want 2", got)
	}
}

func TestExplain(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := DecodeEventJSON([]byte(`{"event_id":"okta:x","source":"OKTA","source_event_type":"user.account.reset_password",
		"category":"IAM","action":"PASSWORD_RESET","outcome":"SUCCESS",
		"actor":{"id":"helpdesk@acme.io","source_id":"h","type":"HUMAN"},"subject":{"id":"alice@acme.io","source_id":"a","type":"HUMAN"}}`))
	if err != nil {
		t.Fatal(err)
	}
	traces := p.Explain(ev)
	if len(traces) != len(p.RuleIDs())+1 {
		t.Fatalf("%d traces for %d rules + default", len(traces), len(p.RuleIDs()))
	}
	var decisive []string
	for _, tr := range traces {
		if tr.Decisive {
			decisive = append(decisive, tr.RuleID)
		}
	}
	d, _ := p.Decide(ev, time.Now())
	if len(decisive) != 1 || decisive[0] != d.RuleID || d.RuleID != "recovery-admin-initiated" {
		t.Fatalf("decisive %v, Decide chose %s", decisive, d.RuleID)
	}
	var out bytes.Buffer
	if err := WriteExplanation(&out, ev, traces); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"=> recovery-admin-initiated", "matched",
		// recovery-self-service also matches but is not decisive.
		"   recovery-self-service",
		// A multi-term rule that did not match shows which term was false.
		"false  event.action == \"READ\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
}

func TestReplay(t *testing.T) {
	oldP, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	// The new policy sends every sign-in to triage instead of observe.
	newText := strings.Replace(string(DefaultPolicyText()),
		"    when: event.action in [\"SIGN_IN\", \"READ\", \"ACCOUNT_LOCK\"]\n    lane: OBSERVE",
		"    when: event.action in [\"SIGN_IN\", \"READ\", \"ACCOUNT_LOCK\"]\n    lane: TRIAGE", 1)
	newP, err := LoadPolicy([]byte(newText))
	if err != nil {
		t.Fatal(err)
	}
	if newP.Version() == oldP.Version() {
		t.Fatal("replacement did not change the policy")
	}
	var events []*schemas.IdentityEvent
	for i := range 7 {
		events = append(events, &schemas.IdentityEvent{EventID: "signin-" + string(rune('a'+i)), Action: schemas.ActionSignIn, Outcome: schemas.OutcomeSuccess})
	}
	for i := range 3 {
		events = append(events, &schemas.IdentityEvent{EventID: "grant-" + string(rune('a'+i)), Action: schemas.ActionAccessGrant, Outcome: schemas.OutcomeSuccess})
	}
	seq := func(yield func(*schemas.IdentityEvent, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
	rep, err := Replay(iter.Seq2[*schemas.IdentityEvent, error](seq), oldP, newP, ReplayOptions{Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 10 || rep.Changed != 7 || rep.Errors != 0 || len(rep.Changes) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	c := rep.Changes[0]
	if c.From != schemas.LaneObserve || c.To != schemas.LaneTriage || c.Count != 7 || len(c.Examples) != 2 || c.Examples[0] != "signin-a" {
		t.Errorf("change = %+v", c)
	}
	if !strings.Contains(rep.String(), "OBSERVE      -> TRIAGE") {
		t.Errorf("report text:\n%s", rep.String())
	}

	boom := errors.New("broker gone")
	failing := func(yield func(*schemas.IdentityEvent, error) bool) {
		if yield(events[0], nil) {
			yield(nil, boom)
		}
	}
	rep, err = Replay(failing, oldP, newP, ReplayOptions{})
	if !errors.Is(err, boom) || rep.Events != 1 || rep.Changed != 1 {
		t.Errorf("failing source: %+v, %v", rep, err)
	}
}

func TestPolicyTestFailuresAreDiffs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(minimalPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := `policy: policy.yaml
cases:
  - name: wrong expectation
    event: {event_id: a, action: ACCESS_GRANT, entitlement: {id: g, name: Admins, kind: GROUP, privilege: ADMIN, system: x, wildcard: false}}
    expect: {lane: HELP_DESK, impact: HIGH, rule: grant-admin, controls: [APPROVAL, OWNER]}
  - name: right expectation
    event: {event_id: b, action: SIGN_IN}
    expect: {lane: TRIAGE, rule: default}
  - name: native payload
    source: okta
    payload: {eventType: user.session.start}
    expect: {lane: TRIAGE}
`
	if err := os.WriteFile(filepath.Join(dir, "cases_test.yaml"), []byte(cases), 0o600); err != nil {
		t.Fatal(err)
	}
	var gotSource, gotPayload string
	parse := func(source string, payload []byte) ([]schemas.IdentityEvent, error) {
		gotSource, gotPayload = source, string(payload)
		return []schemas.IdentityEvent{{EventID: "okta:1", Action: schemas.ActionSignIn}}, nil
	}
	sum, err := RunPolicyTests(dir, TestOptions{Parse: parse})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK() || sum.Cases != 3 || sum.Passed != 2 || len(sum.Failures) != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if gotSource != "okta" || gotPayload != `{"eventType":"user.session.start"}` {
		t.Errorf("parser got %q %q", gotSource, gotPayload)
	}
	var out bytes.Buffer
	if err := sum.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FAIL cases_test.yaml: wrong expectation",
		"lane:     expected HELP_DESK, got SERVICE_DESK",
		"controls: expected [APPROVAL OWNER], got [APPROVAL]",
		"FAIL: 1 files, 3 cases, 2 passed, 1 failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "impact:") {
		t.Errorf("a matching field was reported as a difference:\n%s", out.String())
	}

	if err := os.WriteFile(filepath.Join(dir, "bad_test.yaml"), []byte("cases:\n  - name: x\n    evnt: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := RunPolicyTests(dir, TestOptions{Parse: parse}); !errors.Is(err, ErrInvalidTestFile) || !strings.Contains(err.Error(), "evnt") {
		t.Errorf("bad test file: %v", err)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
