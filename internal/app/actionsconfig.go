package app

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/actions/service"
	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// ActionsConfig is the `actions:` section: what to do outside tollgate when a finding is
// announced, updated or resolved. Without routes nothing runs.
type ActionsConfig struct {
	// Group is the consumer group on tollgate.findings (tollgate-actions).
	Group string `yaml:"group"`
	// MaxAttempts is how many times a sink is tried for one finding before the record is
	// dead-lettered (8); a vendor's refusal (4xx but 408 and 429) is not tried again.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryMin and RetryMax bound the backoff between attempts (500ms to 30s);
	// MaxRetryAfter caps the wait a vendor's Retry-After asks for (2m).
	RetryMin      config.Duration `yaml:"retry_min"`
	RetryMax      config.Duration `yaml:"retry_max"`
	MaxRetryAfter config.Duration `yaml:"max_retry_after"`
	// Pause: a sink that used up its attempts is not tried for this long (1m); its records
	// are dead-lettered meanwhile, so it does not hold the other sinks' records.
	Pause config.Duration `yaml:"pause"`
	// Timeout bounds one request to a sink (10s).
	Timeout config.Duration `yaml:"timeout"`
	// Routes pick the sinks of each finding; a finding goes to every matching route.
	Routes []ActionRoute `yaml:"routes"`
	// Sinks are the destinations, by name.
	Sinks map[string]ActionSink `yaml:"sinks"`
}

// ActionRoute is one entry of actions.routes.
type ActionRoute struct {
	// Name labels the route in errors.
	Name string `yaml:"name"`
	// Kinds are finding kinds or glob patterns of them; empty: every kind.
	Kinds []string `yaml:"kinds"`
	// MinSeverity is LOW, MEDIUM, HIGH or CRITICAL; empty: every severity.
	MinSeverity string `yaml:"min_severity"`
	// Events are opened, updated and resolved; empty: all three.
	Events []string `yaml:"events"`
	// Sinks are names of actions.sinks.
	Sinks []string `yaml:"sinks"`
}

// ActionSink is one entry of actions.sinks. Type says which keys apply.
type ActionSink struct {
	// Type is webhook, slack, servicenow or jsm.
	Type string `yaml:"type"`
	// URL: the webhook's endpoint, the Slack incoming webhook (a secret: prefer url_file),
	// the ServiceNow instance or the Atlassian site. https only, but for a loopback host.
	URL     config.Secret `yaml:"url"`
	URLFile string        `yaml:"url_file"`
	// Secret keys the webhook's HMAC signature.
	Secret     config.Secret `yaml:"secret"`
	SecretFile string        `yaml:"secret_file"`
	// Username and Password: ServiceNow basic auth; Token instead: an OAuth bearer token.
	Username     string        `yaml:"username"`
	Password     config.Secret `yaml:"password"`
	PasswordFile string        `yaml:"password_file"`
	Token        config.Secret `yaml:"token"`
	TokenFile    string        `yaml:"token_file"`
	// Email and APIToken: Atlassian basic auth.
	Email        string        `yaml:"email"`
	APIToken     config.Secret `yaml:"api_token"`
	APITokenFile string        `yaml:"api_token_file"`
	// ServiceNow: the table (incident), the state a resolution sets (6) with its close
	// code, the state a re-opened finding sets (2), the closed states (6, 7, 8), the comment
	// field (work_notes).
	Table         string   `yaml:"table"`
	ResolvedState string   `yaml:"resolved_state"`
	CloseCode     string   `yaml:"close_code"`
	ReopenState   string   `yaml:"reopen_state"`
	ClosedStates  []string `yaml:"closed_states"`
	CommentField  string   `yaml:"comment_field"`
	// JSM: where requests are created, the label prefix they are found by (tollgate-), the
	// transition a resolution takes (Resolve) and the one a re-opened finding takes (none:
	// comment only).
	ServiceDeskID     string `yaml:"service_desk_id"`
	RequestTypeID     string `yaml:"request_type_id"`
	LabelPrefix       string `yaml:"label_prefix"`
	ResolveTransition string `yaml:"resolve_transition"`
	ReopenTransition  string `yaml:"reopen_transition"`
	// Fields are set on every ticket created: ServiceNow columns (assignment_group,
	// category, caller_id) or JSM requestFieldValues.
	Fields map[string]string `yaml:"fields"`
}

// Sink types.
const (
	SinkWebhook    = "webhook"
	SinkSlack      = "slack"
	SinkServiceNow = "servicenow"
	SinkJSM        = "jsm"
)

func (c *ActionsConfig) applyDefaults() {
	if c.Group == "" {
		c.Group = service.DefaultGroup
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = service.DefaultMaxAttempts
	}
	for _, d := range []struct {
		v   *config.Duration
		def time.Duration
	}{{&c.RetryMin, service.DefaultRetryMin}, {&c.RetryMax, service.DefaultRetryMax}, {&c.MaxRetryAfter, service.DefaultMaxRetryAfter},
		{&c.Pause, service.DefaultPause}, {&c.Timeout, actions.DefaultTimeout}} {
		if *d.v == 0 {
			*d.v = config.Duration(d.def)
		}
	}
}

var sinkName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validate returns every problem of the section, each naming its key. No error repeats a
// secret: a URL is named by its host only.
func (c *ActionsConfig) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", key, fmt.Sprintf(format, args...), config.ErrInvalid))
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 100 {
		bad("actions.max_attempts", "%d is not between 1 and 100", c.MaxAttempts)
	}
	for key, d := range map[string]config.Duration{"actions.retry_min": c.RetryMin, "actions.retry_max": c.RetryMax,
		"actions.max_retry_after": c.MaxRetryAfter, "actions.pause": c.Pause, "actions.timeout": c.Timeout} {
		if d < 0 {
			bad(key, "negative duration %s", d.D())
		}
	}
	names := slices.Sorted(maps.Keys(c.Sinks))
	for _, name := range names {
		s := c.Sinks[name]
		key := "actions.sinks." + name
		if !sinkName.MatchString(name) {
			bad(key, "a sink name is lower-case letters, digits, - and _ (it labels metrics)")
		}
		need := func(field, v string) {
			if v == "" {
				bad(key+"."+field, "required for a %s sink", s.Type)
			}
		}
		if s.URL == "" {
			bad(key+".url", "required (or url_file)")
		} else if _, err := actions.CheckURL(s.URL.Reveal()); err != nil {
			bad(key+".url", "%v", err)
		}
		switch s.Type {
		case SinkWebhook:
			need("secret", s.Secret.Reveal())
		case SinkSlack:
		case SinkServiceNow:
			switch {
			case s.Token != "" && (s.Username != "" || s.Password != ""):
				bad(key+".token", "set token, or username and password, not both")
			case s.Token == "":
				need("username", s.Username)
				need("password", s.Password.Reveal())
			}
			if f := s.CommentField; f != "" && f != "work_notes" && f != "comments" {
				bad(key+".comment_field", "%q is not work_notes or comments", f)
			}
		case SinkJSM:
			need("email", s.Email)
			need("api_token", s.APIToken.Reveal())
			need("service_desk_id", s.ServiceDeskID)
			need("request_type_id", s.RequestTypeID)
		default:
			bad(key+".type", "%q is not webhook, slack, servicenow or jsm", s.Type)
		}
	}
	for i, r := range c.Routes {
		key := fmt.Sprintf("actions.routes[%d]", i)
		if r.Name != "" {
			key = fmt.Sprintf("actions.routes[%d] (%s)", i, r.Name)
		}
		if len(r.Sinks) == 0 {
			bad(key+".sinks", "name at least one sink")
		}
		for _, s := range r.Sinks {
			if _, ok := c.Sinks[s]; !ok {
				bad(key+".sinks", "%q is not a sink (the sinks are %s)", s, orNone(names))
			}
		}
		for _, k := range r.Kinds {
			if _, err := path.Match(k, ""); err != nil {
				bad(key+".kinds", "%q is not a glob pattern: %v", k, err)
			} else if !strings.ContainsAny(k, "*?[") && !slices.Contains(auditor.Kinds(), k) {
				bad(key+".kinds", "%q is not a finding kind (the kinds are %s)", k, strings.Join(auditor.Kinds(), ", "))
			}
		}
		if r.MinSeverity != "" && actions.SeverityRank(schemas.Severity(strings.ToUpper(r.MinSeverity))) == 0 {
			bad(key+".min_severity", "%q is not LOW, MEDIUM, HIGH or CRITICAL", r.MinSeverity)
		}
		for _, e := range r.Events {
			if _, ok := routeEvent(e); !ok {
				bad(key+".events", "%q is not opened, updated or resolved", e)
			}
		}
	}
	return errs
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none: define them under actions.sinks"
	}
	return strings.Join(names, ", ")
}

// routeEvent reads an event name of actions.routes[].events: "opened" or "finding.opened".
func routeEvent(s string) (actions.Event, bool) {
	e := actions.Event("finding." + strings.TrimPrefix(strings.ToLower(s), "finding."))
	return e, slices.Contains(actions.Events(), e)
}
