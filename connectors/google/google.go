// Package google is tollgate's Google Workspace connector: an inventory Snapshotter of the
// Admin SDK Directory (users, admin role assignments, group members, the OAuth grants
// users gave apps) and a Puller of the Admin SDK Reports API (activities per
// application) that feeds every page through ingest's Workspace parser, so a pulled
// activity is the same event the HTTP receiver makes of a pushed one. Both sit between
// Google's APIs and connectors.RunSnapshot / connectors.RunPull.
//
// Google authenticates the connector as a service account with domain-wide delegation
// impersonating an administrator (a signed JWT exchanged for an access token,
// golang.org/x/oauth2/jwt); every API call goes through connectors.Client, which renews
// the token after a 401.
package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// System is the entitlement system of Workspace grants as ingest names it
// ("google_workspace"): a snapshot's grants must carry it to meet the event-born ones.
const System = "google_workspace"

const source = schemas.SourceGoogleWorkspace

// Scopes are the read-only OAuth scopes the connector asks for; the service account's
// domain-wide delegation must allow each (docs/operations.md).
var Scopes = []string{
	"https://www.googleapis.com/auth/admin.directory.user.readonly",
	"https://www.googleapis.com/auth/admin.directory.group.readonly",
	"https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
	"https://www.googleapis.com/auth/admin.directory.user.security",
	"https://www.googleapis.com/auth/admin.reports.audit.readonly",
}

// DefaultApplications are the Reports applications pulled when none are configured: the
// ones where access changes and sign-ins happen — admin console changes (roles, users,
// groups, delegation), sign-ins, OAuth grants to apps, group membership changes made in
// Groups and through the Cloud Identity groups API, and users' own account security
// (2-step verification, passwords).
var DefaultApplications = []string{"admin", "login", "token", "groups", "groups_enterprise", "user_accounts"}

const (
	defaultBaseURL  = "https://admin.googleapis.com"
	defaultTokenURL = "https://oauth2.googleapis.com/token"
	defaultBackfill = 7 * 24 * time.Hour
	defaultLag      = 30 * time.Minute
	defaultOverlap  = time.Hour
	// Page-size ceilings: users 500, group members 200, role assignments 200, roles 100,
	// groups 200, activities 1000.
	maxActivities = 1000
)

// Config is the connectors.google section.
type Config struct {
	// Credentials is the service account's key (the JSON file Google hands out).
	Credentials     config.Secret `yaml:"credentials"`
	CredentialsFile string        `yaml:"credentials_file"`
	// Subject is the administrator the service account impersonates (an email).
	Subject string `yaml:"subject"`
	// Customer is the account's customer id (default my_customer: the subject's own).
	Customer string `yaml:"customer"`
	// BaseURL is the Admin SDK's root (default https://admin.googleapis.com) and TokenURL
	// the OAuth token endpoint (default the key's token_uri, else Google's).
	BaseURL  string `yaml:"base_url"`
	TokenURL string `yaml:"token_url"`
	// PageSize is maxResults per page (default each API's largest).
	PageSize int `yaml:"page_size"`
	// Start is where a puller without a cursor begins (RFC 3339); default Backfill ago.
	Start    string          `yaml:"start"`
	Backfill config.Duration `yaml:"backfill"`
	// Applications are the Reports applications pulled (default DefaultApplications).
	Applications []string `yaml:"applications"`
	// Lag is how far behind now a window ends (default 30m): Google reports activities
	// minutes to hours late. Overlap is how much of the last window each new one reads
	// again (default 1h), for activities later than Lag; event ids drop the repeats.
	Lag     config.Duration `yaml:"lag"`
	Overlap config.Duration `yaml:"overlap"`
}

var appName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate reports every problem of c, each error naming its key under key (e.g.
// "connectors.google.subject"). It never prints the key's contents.
func (c *Config) Validate(key string) []error {
	var errs []error
	bad := func(k, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", key, k, fmt.Sprintf(format, a...)))
	}
	switch {
	case c.Credentials != "" && c.CredentialsFile != "":
		bad("credentials", "set credentials or credentials_file, not both")
	case c.Credentials == "" && c.CredentialsFile == "":
		bad("credentials", "required: the service account's JSON key (credentials or credentials_file)")
	case c.CredentialsFile != "":
		if _, err := os.Stat(c.CredentialsFile); err != nil {
			bad("credentials_file", "%v", errors.Unwrap(err))
		}
	default:
		if _, err := parseKey([]byte(c.Credentials.Reveal())); err != nil {
			bad("credentials", "%v", err)
		}
	}
	if c.Subject == "" {
		bad("subject", "required: the administrator to impersonate (domain-wide delegation)")
	} else if !strings.Contains(c.Subject, "@") {
		bad("subject", "want an administrator's email, got %q", c.Subject)
	}
	if c.Customer != "" && strings.ContainsAny(c.Customer, "/?#% ") {
		bad("customer", "not a customer id: %q", c.Customer)
	}
	for _, u := range []struct{ k, v string }{{"base_url", c.BaseURL}, {"token_url", c.TokenURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		switch {
		case err != nil || p.Host == "" || p.User != nil:
			bad(u.k, "not a URL")
		case p.Scheme != "https" && !(p.Scheme == "http" && loopback(p.Hostname())):
			bad(u.k, "must be https")
		}
	}
	if c.PageSize < 0 || c.PageSize > maxActivities {
		bad("page_size", "must be between 1 and %d, got %d", maxActivities, c.PageSize)
	}
	if c.Start != "" {
		if _, err := time.Parse(time.RFC3339, c.Start); err != nil {
			bad("start", "not an RFC 3339 time like 2025-01-31T00:00:00Z: %q", c.Start)
		}
	}
	for _, d := range []struct {
		k string
		v config.Duration
	}{{"backfill", c.Backfill}, {"lag", c.Lag}, {"overlap", c.Overlap}} {
		if d.v < 0 {
			bad(d.k, "must be positive, got %s", d.v.D())
		}
	}
	seen := map[string]bool{}
	for i, a := range c.Applications {
		switch {
		case !appName.MatchString(a):
			bad(fmt.Sprintf("applications[%d]", i), "not a Reports application name (admin, login, token, …): %q", a)
		case seen[a]:
			bad(fmt.Sprintf("applications[%d]", i), "%q is listed twice", a)
		}
		seen[a] = true
	}
	return errs
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serviceAccountKey is the part of a service account's JSON key the JWT flow needs.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// parseKey reads a service account key; its errors never quote the key.
func parseKey(b []byte) (serviceAccountKey, error) {
	var k serviceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		return k, errors.New("not a service account JSON key (it does not parse as JSON)")
	}
	switch {
	case k.Type != "service_account":
		return k, errors.New(`not a service account JSON key (want "type": "service_account")`)
	case k.ClientEmail == "" || k.PrivateKey == "":
		return k, errors.New("the service account key has no client_email or private_key")
	}
	return k, nil
}

// api is the connection: the base URL, the client, and the token source behind it.
type api struct {
	base     *url.URL
	customer string
	client   *connectors.Client
	pageSize int
}

func newAPI(c Config, key string, hc *http.Client) (*api, error) {
	if errs := c.Validate(key); len(errs) > 0 {
		return nil, config.Invalid(errors.Join(errs...))
	}
	raw := []byte(c.Credentials.Reveal())
	if c.CredentialsFile != "" {
		b, err := os.ReadFile(c.CredentialsFile)
		if err != nil {
			return nil, config.Invalid(fmt.Errorf("%s.credentials_file: %v", key, errors.Unwrap(err)))
		}
		raw = b
	}
	sa, err := parseKey(raw)
	if err != nil {
		field := "credentials"
		if c.CredentialsFile != "" {
			field = "credentials_file"
		}
		return nil, config.Invalid(fmt.Errorf("%s.%s: %w", key, field, err))
	}
	tokenURL := c.TokenURL
	if tokenURL == "" {
		tokenURL = sa.TokenURI
	}
	if tokenURL == "" {
		tokenURL = defaultTokenURL
	}
	base := c.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	bu, _ := url.Parse(strings.TrimRight(base, "/"))
	ts := &tokens{hc: hc, conf: &jwt.Config{Email: sa.ClientEmail, PrivateKey: []byte(sa.PrivateKey), PrivateKeyID: sa.PrivateKeyID,
		Subject: c.Subject, Scopes: Scopes, TokenURL: tokenURL}}
	customer := c.Customer
	if customer == "" {
		customer = "my_customer"
	}
	cl := &connectors.Client{HTTP: hc, Authorize: ts.authorize, Refresh: ts.refresh}
	return &api{base: bu, customer: customer, client: cl, pageSize: c.PageSize}, nil
}

// tokens holds the access token the service account's signed JWT buys, renewing it
// before it expires and after a 401.
type tokens struct {
	hc   *http.Client
	conf *jwt.Config

	mu  sync.Mutex
	tok *oauth2.Token
}

func (t *tokens) authorize(ctx context.Context, r *http.Request) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.tok.Valid() {
		if t.hc != nil {
			ctx = context.WithValue(ctx, oauth2.HTTPClient, t.hc)
		}
		tok, err := t.conf.TokenSource(ctx).Token()
		if err != nil {
			return tokenError(err)
		}
		t.tok = tok
	}
	t.tok.SetAuthHeader(r)
	return nil
}

// refresh drops the token the API refused; the next call buys a new one.
func (t *tokens) refresh(context.Context) error {
	t.mu.Lock()
	t.tok = nil
	t.mu.Unlock()
	return nil
}

// tokenError words a token failure: the endpoint refusing the grant (no domain-wide
// delegation, a scope not allowed, a deleted key, a subject that is not an admin) is
// permanent; anything else (the network, a 5xx) is retried.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
		code, desc := re.ErrorCode, re.ErrorDescription
		if code == "" {
			// The JWT flow leaves the OAuth error in the body: {"error":…,"error_description":…}.
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			_ = json.Unmarshal(re.Body, &e)
			code, desc = e.Error, e.Description
		}
		if code == "" {
			code = http.StatusText(re.Response.StatusCode)
		}
		if len(desc) > 200 {
			desc = desc[:200]
		}
		return fmt.Errorf("the token endpoint refused the service account (%d %s: %s; check the key, its domain-wide delegation and scopes, and the subject): %w",
			re.Response.StatusCode, code, desc, connectors.ErrPermanent)
	}
	return fmt.Errorf("getting an access token: %w", err)
}

// url is the base URL with path and query.
func (a *api) url(path string, q url.Values) string {
	u := *a.base
	u.Path = strings.TrimRight(a.base.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String()
}

// size is maxResults for an API whose ceiling is max.
func (a *api) size(max int) string {
	if a.pageSize > 0 && a.pageSize < max {
		return fmt.Sprint(a.pageSize)
	}
	return fmt.Sprint(max)
}

// page is one page of a Directory listing: the items under its key and nextPageToken.
type page[T any] struct {
	Items         []T    `json:"-"`
	NextPageToken string `json:"nextPageToken"`
}

// list calls GET path?q and every page after it, by nextPageToken, decoding the items
// under itemsKey ("users", "groups", "members", "items") and calling each per item.
func list[T any](ctx context.Context, a *api, path string, q url.Values, itemsKey string, each func(T) error) error {
	token := ""
	seen := map[string]bool{}
	for {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if token != "" {
			qq.Set("pageToken", token)
		}
		resp, err := a.client.Get(ctx, a.url(path, qq))
		if err != nil {
			return err
		}
		p, err := decodePage[T](resp.Body, itemsKey)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		for _, it := range p.Items {
			if err := each(it); err != nil {
				return err
			}
		}
		if p.NextPageToken == "" {
			return nil
		}
		if seen[p.NextPageToken] {
			return fmt.Errorf("GET %s: nextPageToken repeats a page already read", path)
		}
		seen[p.NextPageToken] = true
		token = p.NextPageToken
	}
}

// decodePage reads a list answer: an object whose itemsKey is an array (absent when the
// list is empty, as Google omits it).
func decodePage[T any](body []byte, itemsKey string) (page[T], error) {
	var env map[string]json.RawMessage
	var p page[T]
	if err := json.Unmarshal(body, &env); err != nil || env == nil {
		return p, errors.New("the answer is not the JSON object Google sends")
	}
	if raw, ok := env["nextPageToken"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.NextPageToken); err != nil {
			return p, errors.New("nextPageToken is not a string")
		}
	}
	if raw, ok := env[itemsKey]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.Items); err != nil {
			return p, fmt.Errorf("%s: %w", itemsKey, err)
		}
	}
	return p, nil
}

// flexString reads Google's int64 ids, sent as JSON strings, or numbers by some proxies.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("want a string or a number")
	}
	*s = flexString(n.String())
	return nil
}

// googleTime reads an RFC 3339 time; nil when absent or not one.
func googleTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	t = t.UTC()
	return &t
}
