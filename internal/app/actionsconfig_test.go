package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestActionsConfigGood: the four sink types load with their secrets from files, the routes
// build, and neither the configuration dump nor %+v shows a secret.
func TestActionsConfigGood(t *testing.T) {
	cfg, err := load(t, "testdata/actions/good.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Actions
	if a.Group != "tollgate-actions" || a.MaxAttempts != 5 || a.Sinks["snow"].Password.Reveal() != "snow-pw" ||
		!strings.HasSuffix(a.Sinks["slack-soc"].URL.Reveal(), "XXXXSLACKSECRET") || a.Sinks["jsm"].APIToken.Reveal() != "jsm-token" {
		t.Fatalf("actions %+v", a)
	}
	router, err := ActionsRouter(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := func(kind string, sev schemas.Severity, ev actions.Event) string {
		var out []string
		for _, s := range router.Sinks(&actions.Action{Event: ev, Finding: schemas.Finding{Kind: kind, Severity: sev}}) {
			out = append(out, s.Name())
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		kind string
		sev  schemas.Severity
		ev   actions.Event
		want string
	}{
		{"UNTICKETED_ACCESS_CHANGE", schemas.SeverityHigh, actions.EventOpened, "snow,jsm,siem"},
		{"BREAKGLASS_NO_REVIEW", schemas.SeverityCritical, actions.EventResolved, "snow,jsm,siem,slack-soc"},
		{"BREAKGLASS_NO_REVIEW", schemas.SeverityCritical, actions.EventUpdated, "snow,jsm,siem"},
		{"SOD_CONFLICT", schemas.SeverityMedium, actions.EventOpened, "siem"},
		{"UNTICKETED_ACCESS_CHANGE", schemas.SeverityMedium, actions.EventOpened, "siem"},
	} {
		if got := names(c.kind, c.sev, c.ev); got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.kind, c.sev, c.ev, got, c.want)
		}
	}
	dump, err := config.Dump(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hook-secret", "SLACKSECRET", "snow-pw", "jsm-token"} {
		if strings.Contains(string(dump), secret) || strings.Contains(fmt.Sprintf("%+v %#v", a, a), secret) {
			t.Errorf("secret %q printed", secret)
		}
	}
}

// TestActionsConfigBad: every problem is reported with its key, and no error repeats a
// secret or a URL's path.
func TestActionsConfigBad(t *testing.T) {
	_, err := load(t, "testdata/actions/bad.yaml", nil)
	if err == nil || !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("loaded: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"actions.max_attempts: -1 is not between 1 and 100",
		`actions.routes[0] (typo).kinds: "UNTICKETED" is not a finding kind (the kinds are `, "SELF_APPROVED",
		`actions.routes[0] (typo).kinds: "[bad" is not a glob pattern`,
		`actions.routes[0] (typo).min_severity: "SEVERE" is not LOW, MEDIUM, HIGH or CRITICAL`,
		`actions.routes[0] (typo).events: "closed" is not opened, updated or resolved`,
		`actions.routes[0] (typo).sinks: "snwo" is not a sink (the sinks are Bad Name, chat, jsm, plain, snow)`,
		"actions.routes[1].sinks: name at least one sink",
		`actions.sinks.plain.url: scheme "http" of host siem.corp.example refused: only https, or http to a loopback host`,
		"actions.sinks.plain.secret: required for a webhook sink",
		"actions.sinks.chat.url: scheme \"http\" of host hooks.slack.com refused",
		"actions.sinks.snow.token: set token, or username and password, not both",
		"actions.sinks.jsm.service_desk_id: required for a jsm sink",
		"actions.sinks.jsm.request_type_id: required for a jsm sink",
		`actions.sinks.Bad Name.type: "pager" is not webhook, slack, servicenow or jsm`,
		"actions.sinks.Bad Name: a sink name is lower-case",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"PATHSECRET", "SLACKSECRET", "TOKENSECRET", "APITOKENSECRET"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error repeats %q", secret)
		}
	}
}

// TestActionsOffWithoutRoutes: no routes, no stage.
func TestActionsOffWithoutRoutes(t *testing.T) {
	cfg, err := load(t, "testdata/minimal.good.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGroup(nil, 0)
	if err := AddActions(t.Context(), g, &Deps{Config: cfg}); err != nil {
		t.Fatal(err)
	}
}
