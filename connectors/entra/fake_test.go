package entra

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGraph serves the Graph v1.0 collections the connector reads and the v2.0 token
// endpoint, with the answers Microsoft documents: collections as {"value":[…]} with an
// absolute @odata.nextLink while more remain, 429 with Retry-After, a 503 mid-listing,
// and a token that stops working (401) until a new one is fetched.
type fakeGraph struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	collections map[string][]map[string]any // by path under /v1.0/
	// faults are scripted answers per path, used once each, in order.
	faults   map[string][]int
	tokens   int
	revoked  map[string]bool
	requests []string
	secret   string
}

func newFakeGraph(t *testing.T) *fakeGraph {
	f := &fakeGraph{t: t, collections: map[string][]map[string]any{}, faults: map[string][]int{}, revoked: map[string]bool{}, secret: "s3cret-value"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGraph) config() Config {
	return Config{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "app-id", ClientSecret: "s3cret-value",
		BaseURL: f.srv.URL + "/v1.0", TokenURL: f.srv.URL + "/tenant/oauth2/v2.0/token", PageSize: 2}
}

func (f *fakeGraph) set(path string, objs ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.collections[path] = objs
}

func (f *fakeGraph) fault(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[path] = append(f.faults[path], statuses...)
}

// revokeAll makes every token issued so far answer 401.
func (f *fakeGraph) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 1; i <= f.tokens; i++ {
		f.revoked[fmt.Sprintf("tok-%d", i)] = true
	}
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_secret") != f.secret ||
			r.PostForm.Get("scope") != GraphScope {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		f.tokens++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"tok-%d"}`, f.tokens)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1.0/")
	f.requests = append(f.requests, path+"?"+r.URL.RawQuery)
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" || f.revoked[tok] {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}`)
		return
	}
	if fs := f.faults[path]; len(fs) > 0 && fs[0] == 0 { // 0: serve this one normally
		f.faults[path] = fs[1:]
	} else if len(fs) > 0 {
		f.faults[path] = fs[1:]
		w.Header().Set("Content-Type", "application/json")
		if fs[0] == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(fs[0])
		fmt.Fprintf(w, `{"error":{"code":"%s","message":"scripted"}}`, map[int]string{429: "TooManyRequests", 503: "ServiceUnavailable", 400: "BadRequest"}[fs[0]])
		return
	}
	objs, ok := f.collections[path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"Request_ResourceNotFound","message":"not served"}}`)
		return
	}
	q := r.URL.Query()
	objs = filterOrder(objs, q.Get("$filter"), q.Get("$orderby"))
	top, _ := strconv.Atoi(q.Get("$top"))
	if top <= 0 {
		top = 100
	}
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	end := min(skip+top, len(objs))
	if skip > len(objs) {
		skip = len(objs)
	}
	page := append([]map[string]any{}, objs[skip:end]...)
	body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + path, "value": page}
	if end < len(objs) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = f.srv.URL + r.URL.Path + "?" + next.Encode()
	}
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	_ = json.NewEncoder(w).Encode(body)
}

// filterOrder applies "<field> ge <time>" and "<field> asc" as Graph does.
func filterOrder(objs []map[string]any, filter, orderby string) []map[string]any {
	out := append([]map[string]any(nil), objs...)
	if f := strings.Fields(filter); len(f) == 3 && f[1] == "ge" {
		from, err := time.Parse(time.RFC3339, f[2])
		if err == nil {
			out = out[:0]
			for _, o := range objs {
				if t, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(o[f[0]])); !t.Before(from) {
					out = append(out, o)
				}
			}
		}
	}
	if o := strings.Fields(orderby); len(o) >= 1 {
		sort.SliceStable(out, func(i, j int) bool { return fmt.Sprint(out[i][o[0]]) < fmt.Sprint(out[j][o[0]]) })
	}
	return out
}

func (f *fakeGraph) requested(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

var discard = slog.New(slog.DiscardHandler)
