// Package okta is tollgate's Okta connector: an inventory Snapshotter of the org's users,
// group memberships, app assignments, admin roles and API tokens, and a Puller of the
// System Log (/api/v1/logs) that feeds every page through ingest's Okta parser, so a
// pulled event is the same event an event hook would have pushed. Both sit between the
// Okta management API and connectors.RunSnapshot / connectors.RunPull.
//
// Every call goes through connectors.Client with Okta's rate-limit headers
// (X-Rate-Limit-Remaining, X-Rate-Limit-Reset) and follows Okta's pagination the only way
// Okta supports it: the Link rel="next" URL of each answer, never offsets built here.
package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/schemas"
)

// System is the entitlement system of Okta grants, as ingest names it.
const System = "okta"

// Okta's page-size ceilings: users, groups, apps and their members take at most 200 per
// page (users up to 200 with a search too); the System Log takes 1000.
const (
	maxListLimit = 200
	maxLogLimit  = 1000
)

// Config is the connectors.okta section.
type Config struct {
	// URL is the org's base URL: https://<org>.okta.com (or its custom domain).
	URL string `yaml:"url"`
	// APIToken is an SSWS API token (Authorization: SSWS …), made by a read-only admin.
	APIToken     config.Secret `yaml:"api_token"`
	APITokenFile string        `yaml:"api_token_file"`
	// AccessToken is an OAuth 2.0 access token of a service app (Authorization: Bearer …),
	// minted outside tollgate. Given as access_token_file and not read by the configuration
	// loader, the file is read again after a 401, so whatever renews it (an agent, a
	// sidecar) keeps the connector running.
	AccessToken     config.Secret `yaml:"access_token"`
	AccessTokenFile string        `yaml:"access_token_file"`
	// PageSize is the limit asked per page (default 200; the System Log up to 1000).
	PageSize int `yaml:"page_size"`
	// Start is where a puller without a cursor begins (RFC 3339); default Backfill ago.
	Start string `yaml:"start"`
	// Backfill is how far back a puller without a cursor or Start begins (default 168h;
	// Okta keeps the System Log for 90 days).
	Backfill config.Duration `yaml:"backfill"`
}

const defaultBackfill = 7 * 24 * time.Hour

// Validate reports every problem of c, each error naming its key under key (e.g.
// "connectors.okta.url"). It reads no secret, only checks a *_file exists.
func (c *Config) Validate(key string) []error {
	var errs []error
	bad := func(k, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", key, k, fmt.Sprintf(format, a...)))
	}
	if c.URL == "" {
		bad("url", "required: the org's base URL, https://<org>.okta.com")
	} else if u, err := url.Parse(c.URL); err != nil || u.Host == "" || u.User != nil {
		bad("url", "not a base URL like https://<org>.okta.com")
	} else if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		bad("url", "must be https (the API token travels on every call)")
	} else if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		bad("url", "the org's base URL only, without a path or query")
	}
	token := c.APIToken != "" || c.APITokenFile != ""
	access := c.AccessToken != "" || c.AccessTokenFile != ""
	switch {
	case c.APIToken != "" && c.APITokenFile != "":
		bad("api_token", "set api_token or api_token_file, not both")
	case c.AccessToken != "" && c.AccessTokenFile != "":
		bad("access_token", "set access_token or access_token_file, not both")
	case token && access:
		bad("api_token", "set an API token or an OAuth access token, not both")
	case !token && !access:
		bad("api_token", "required: an API token (api_token or api_token_file) or an OAuth access token (access_token or access_token_file)")
	}
	for _, f := range []struct{ k, path string }{{"api_token_file", c.APITokenFile}, {"access_token_file", c.AccessTokenFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			bad(f.k, "%v", errors.Unwrap(err))
		}
	}
	if c.PageSize < 0 || c.PageSize > maxLogLimit {
		bad("page_size", "must be between 1 and %d, got %d", maxLogLimit, c.PageSize)
	}
	if c.Start != "" {
		if _, err := time.Parse(time.RFC3339, c.Start); err != nil {
			bad("start", "not an RFC 3339 time like 2025-01-31T00:00:00Z: %q", c.Start)
		}
	}
	if c.Backfill < 0 {
		bad("backfill", "must be positive, got %s", c.Backfill.D())
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

// api is the connection to one org: its base URL and the client that carries the
// credentials.
type api struct {
	base     *url.URL
	client   *connectors.Client
	pageSize int
}

func newAPI(c Config, key string, hc *http.Client) (*api, error) {
	if errs := c.Validate(key); len(errs) > 0 {
		return nil, config.Invalid(errors.Join(errs...))
	}
	base, _ := url.Parse(strings.TrimRight(c.URL, "/"))
	base.Path = ""
	cred, err := newCredentials(c, key)
	if err != nil {
		return nil, err
	}
	cl := &connectors.Client{
		HTTP: hc, Authorize: cred.authorize,
		RemainingHeader: "X-Rate-Limit-Remaining", ResetHeader: "X-Rate-Limit-Reset",
	}
	if cred.file != "" {
		cl.Refresh = cred.reload
	}
	return &api{base: base, client: cl, pageSize: c.PageSize}, nil
}

// credentials set Authorization: the SSWS API token, or a bearer access token that a file
// may renew.
type credentials struct {
	scheme string // "SSWS" or "Bearer"
	file   string // the access token's file, read again after a 401

	mu    sync.Mutex
	token string
}

func newCredentials(c Config, key string) (*credentials, error) {
	cr := &credentials{scheme: "SSWS", token: c.APIToken.Reveal()}
	file, fileKey := c.APITokenFile, "api_token_file"
	if c.AccessToken != "" || c.AccessTokenFile != "" {
		cr.scheme, cr.token = "Bearer", c.AccessToken.Reveal()
		file, fileKey = c.AccessTokenFile, "access_token_file"
		cr.file = c.AccessTokenFile
	}
	if file != "" {
		t, err := readToken(file)
		if err != nil {
			return nil, config.Invalid(fmt.Errorf("%s.%s: %w", key, fileKey, err))
		}
		cr.token = t
	}
	if cr.token == "" {
		return nil, config.Invalid(fmt.Errorf("%s.%s: the token is empty", key, fileKey))
	}
	return cr, nil
}

// readToken reads a token file; the error names neither the token nor its bytes.
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", errors.Unwrap(err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" || strings.ContainsAny(t, "\r\n") {
		return "", errors.New("want one token on one line")
	}
	return t, nil
}

func (cr *credentials) authorize(_ context.Context, r *http.Request) error {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	r.Header.Set("Authorization", cr.scheme+" "+cr.token)
	return nil
}

// reload reads the access token's file again; the same token as before means nothing
// renewed it, and the 401 stands.
func (cr *credentials) reload(context.Context) error {
	t, err := readToken(cr.file)
	if err != nil {
		return fmt.Errorf("reading the access token file: %w", err)
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if t == cr.token {
		return errors.New("the access token was refused and its file holds no newer one")
	}
	cr.token = t
	return nil
}

// url is the base URL with path and query.
func (a *api) url(path string, q url.Values) string {
	u := *a.base
	u.Path = path
	u.RawQuery = q.Encode()
	return u.String()
}

// limit is the page size for an endpoint whose ceiling is max.
func (a *api) limit(max int) string {
	n := a.pageSize
	if n <= 0 || n > max {
		n = min(maxListLimit, max)
	}
	return fmt.Sprint(n)
}

// sameOrigin checks that a URL Okta handed back (a next link, a saved cursor) points at
// the org itself: the token goes with every call, so it must never go anywhere else.
func (a *api) sameOrigin(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != a.base.Scheme || u.Host != a.base.Host || u.User != nil {
		return fmt.Errorf("a next link outside %s://%s: %w", a.base.Scheme, a.base.Host, connectors.ErrPermanent)
	}
	return nil
}

// list calls GET path?q and every next link after it, decoding each answer as a JSON
// array of T and calling each per element.
func list[T any](ctx context.Context, a *api, path string, q url.Values, each func(T) error) error {
	u := a.url(path, q)
	seen := map[string]bool{}
	for u != "" {
		if seen[u] {
			return fmt.Errorf("GET %s: the next link points back to a page already read", path)
		}
		seen[u] = true
		resp, err := a.client.Get(ctx, u)
		if err != nil {
			return err
		}
		items, err := decodeArray[T](resp.Body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		for _, it := range items {
			if err := each(it); err != nil {
				return err
			}
		}
		u = nextLink(resp.Header)
		if u != "" {
			if err := a.sameOrigin(u); err != nil {
				return fmt.Errorf("GET %s: %w", path, err)
			}
		}
	}
	return nil
}

// decodeArray decodes an answer that must be a JSON array.
func decodeArray[T any](body []byte) ([]T, error) {
	var items []T
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("the answer is not the JSON array Okta sends: %w", err)
	}
	return items, nil
}

// nextLink is the target of the rel="next" link of Okta's Link headers
// (`<https://…/api/v1/users?after=…&limit=200>; rel="next"`), "" if there is none.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, l := range parseLinks(v) {
			for _, rel := range strings.Fields(l.rel) {
				if strings.EqualFold(rel, "next") {
					return l.target
				}
			}
		}
	}
	return ""
}

type link struct{ target, rel string }

// parseLinks reads an RFC 8288 Link header value: comma-separated `<target>; param=value`
// entries, values quoted or not. What does not parse is skipped.
func parseLinks(v string) []link {
	var out []link
	for {
		start := strings.IndexByte(v, '<')
		if start < 0 {
			return out
		}
		end := strings.IndexByte(v[start:], '>')
		if end < 0 {
			return out
		}
		l := link{target: v[start+1 : start+end]}
		v = v[start+end+1:]
		// Parameters run to the next comma outside quotes.
		i, quoted := 0, false
		for ; i < len(v); i++ {
			if v[i] == '"' {
				quoted = !quoted
			}
			if v[i] == ',' && !quoted {
				break
			}
		}
		for _, p := range strings.Split(v[:i], ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "rel") {
				l.rel = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
		out = append(out, l)
		if i >= len(v) {
			return out
		}
		v = v[i+1:]
	}
}

// source is the vendor both the snapshotter and the puller report.
const source = schemas.SourceOkta

// oktaTime reads an Okta timestamp; nil when absent or not one.
func oktaTime(s string) *time.Time {
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
