package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tollgate-io/tollgate/connectors"
)

// graph calls Microsoft Graph with an app-only token: the client credentials grant, the
// token cached and renewed before it expires by oauth2's token source, and renewed at
// once (a fresh source) when Graph answers 401.
type graph struct {
	base   *url.URL
	prefix string // base URL with a trailing slash: a nextLink must start with it
	Client *connectors.Client

	cc     clientcredentials.Config
	tokCtx context.Context
	mu     sync.Mutex
	ts     oauth2.TokenSource
}

func newGraph(ctx context.Context, c Config, hc *http.Client) (*graph, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("connectors.entra.base_url: %w", err)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	g := &graph{
		base:   base,
		prefix: c.BaseURL + "/",
		cc: clientcredentials.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(), TokenURL: c.TokenURL,
			Scopes: []string{GraphScope}, AuthStyle: oauth2.AuthStyleInParams,
		},
		// The token source outlives the call that built it: it must not end with ctx.
		tokCtx: context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, hc),
	}
	g.ts = g.cc.TokenSource(g.tokCtx)
	g.Client = &connectors.Client{HTTP: hc, Authorize: g.authorize, Refresh: g.refresh}
	return g, nil
}

func (g *graph) authorize(_ context.Context, r *http.Request) error {
	g.mu.Lock()
	ts := g.ts
	g.mu.Unlock()
	tok, err := ts.Token()
	if err != nil {
		return tokenError(err)
	}
	tok.SetAuthHeader(r)
	return nil
}

// refresh drops the cached token: Graph refused it (revoked, or the clock was off).
func (g *graph) refresh(context.Context) error {
	g.mu.Lock()
	g.ts = g.cc.TokenSource(g.tokCtx)
	ts := g.ts
	g.mu.Unlock()
	if _, err := ts.Token(); err != nil {
		return tokenError(err)
	}
	return nil
}

// tokenError names the token endpoint's refusal by its OAuth error code only: its body and
// the request never reach a log. A refused client (wrong id or secret, app deleted) is
// permanent.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			code = "no error code"
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if status == http.StatusBadRequest || status == http.StatusUnauthorized {
			return fmt.Errorf("the token endpoint refused the client credentials (%d, %s): %w", status, code, connectors.ErrPermanent)
		}
		return fmt.Errorf("the token endpoint answered %d (%s)", status, code)
	}
	return fmt.Errorf("fetching a token: %w", errors.Unwrap(err))
}

// graphPage is one page of a Graph collection.
type graphPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// parsePage reads a collection page. A page without "value" is not a collection (an error
// object that came with 200, a proxy's page).
func parsePage(b []byte) (graphPage, error) {
	var p struct {
		graphPage
		Value *[]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return graphPage{}, fmt.Errorf("not a Graph collection: %w", err)
	}
	if p.Value == nil {
		return graphPage{}, errors.New(`not a Graph collection: no "value"`)
	}
	p.graphPage.Value = *p.Value
	return p.graphPage, nil
}

// url is base + path with query.
func (g *graph) url(path string, q url.Values) string {
	u := g.prefix + strings.TrimLeft(path, "/")
	if len(q) > 0 {
		// Graph wants $select and $filter literally; Encode escapes '$' harmlessly.
		u += "?" + q.Encode()
	}
	return u
}

// checkNext refuses a nextLink outside Graph's base URL: the bearer token goes with it.
func (g *graph) checkNext(link string) error {
	if !strings.HasPrefix(link, g.prefix) {
		u, err := url.Parse(link)
		host := "?"
		if err == nil {
			host = u.Host
		}
		return fmt.Errorf("refusing an @odata.nextLink outside %s (host %s)", g.base.Host, host)
	}
	return nil
}

// page fetches one page at u (a first page or a nextLink).
func (g *graph) page(ctx context.Context, u string) (graphPage, error) {
	resp, err := g.Client.Get(ctx, u)
	if err != nil {
		return graphPage{}, err
	}
	p, err := parsePage(resp.Body)
	if err != nil {
		return graphPage{}, fmt.Errorf("GET %s: %w", pathOf(u), err)
	}
	if p.NextLink != "" {
		if err := g.checkNext(p.NextLink); err != nil {
			return graphPage{}, err
		}
	}
	return p, nil
}

// list calls fn with every object of the collection at path, following nextLink to the end.
func (g *graph) list(ctx context.Context, path string, q url.Values, fn func(json.RawMessage) error) error {
	u := g.url(path, q)
	for u != "" {
		p, err := g.page(ctx, u)
		if err != nil {
			return err
		}
		for _, v := range p.Value {
			if err := fn(v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		u = p.NextLink
	}
	return nil
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return "?"
}
