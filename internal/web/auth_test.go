package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// echo answers 200 with the request's authenticated actor, for every method.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte("actor=" + ActorFrom(r.Context())))
})

// consoleFor is the console's login pages and an echo of the actor at /v1/whoami and
// /ui/whoami, behind a.
func consoleFor(t *testing.T, a *Auth) http.Handler {
	t.Helper()
	s, err := New(Options{Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Mount(mux)
	mux.Handle("/v1/whoami", echo)
	mux.Handle("/ui/whoami", echo)
	return a.Wrap(mux)
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLoopbackConsoleRefusesOtherHostsProxiesAndReboundNames(t *testing.T) {
	a, err := NewAuth(context.Background(), AuthConfig{Hosts: []string{"tollgate.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, nilAuth := range []bool{true, false} {
		var h http.Handler
		if nilAuth {
			h = (*Auth)(nil).Wrap(echo)
		} else {
			h = a.Wrap(echo)
		}
		for name, tc := range map[string]struct {
			remote, header, host string
			want                 int
		}{
			"local":             {"127.0.0.1:5000", "", "127.0.0.1:8079", http.StatusOK},
			"localhost":         {"127.0.0.1:5000", "", "localhost:8079", http.StatusOK},
			"ipv6":              {"[::1]:5000", "", "[::1]:8079", http.StatusOK},
			"remote":            {"192.0.2.7:5000", "", "127.0.0.1:8079", http.StatusForbidden},
			"proxied":           {"127.0.0.1:5000", "X-Forwarded-For", "127.0.0.1:8079", http.StatusForbidden},
			"forwarded":         {"127.0.0.1:5000", "Forwarded", "127.0.0.1:8079", http.StatusForbidden},
			"via":               {"[::1]:5000", "Via", "[::1]:8079", http.StatusForbidden},
			"bad remote ip":     {"nonsense", "", "127.0.0.1:8079", http.StatusForbidden},
			"rebound dns name":  {"127.0.0.1:5000", "", "attacker.example:8079", http.StatusForbidden},
			"configured name":   {"127.0.0.1:5000", "", "tollgate.internal:8079", map[bool]int{true: http.StatusForbidden, false: http.StatusOK}[nilAuth]},
			"empty host header": {"127.0.0.1:5000", "", "", http.StatusForbidden},
		} {
			r := httptest.NewRequest(http.MethodGet, "/v1/console/findings", nil)
			r.RemoteAddr, r.Host = tc.remote, tc.host
			if tc.header != "" {
				r.Header.Set(tc.header, "203.0.113.9")
			}
			if w := serve(h, r); w.Code != tc.want {
				t.Errorf("nil auth %v, %s: %d %s, want %d", nilAuth, name, w.Code, w.Body.String(), tc.want)
			}
		}
	}
}

func TestCrossOriginChangesAreRefused(t *testing.T) {
	h := (*Auth)(nil).Wrap(echo)
	for name, tc := range map[string]struct {
		method string
		header map[string]string
		want   int
	}{
		"same-origin post":       {http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		"cross-site post":        {http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		"same-site post":         {http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		"foreign origin post":    {http.MethodPost, map[string]string{"Origin": "http://attacker.example"}, http.StatusForbidden},
		"cross-site get is read": {http.MethodGet, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusOK},
		"tool without headers":   {http.MethodPost, nil, http.StatusOK},
	} {
		r := httptest.NewRequest(tc.method, "/ui/findings/x/triage", nil)
		r.RemoteAddr, r.Host = "127.0.0.1:5000", "127.0.0.1:8079"
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		if w := serve(h, r); w.Code != tc.want {
			t.Errorf("%s: %d, want %d", name, w.Code, tc.want)
		}
	}
}

const goodToken = "s3cr3t-token-for-the-soc-team-0123456789"

func TestTokensAuthenticateAPIClientsAndBrowsers(t *testing.T) {
	a, err := NewAuth(context.Background(), AuthConfig{Tokens: map[string]string{goodToken: "soc-team", "another-token-for-a-tool-abcdef": "tool"}, SessionTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	a.clock = func() time.Time { return now }
	h := consoleFor(t, a)
	req := func(method, target, body string, hdr map[string]string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.RemoteAddr = "198.51.100.4:5000" // not loopback: an authenticated console may be remote
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return serve(h, r)
	}
	if w := req("GET", "/v1/whoami", "", map[string]string{"Authorization": "Bearer " + goodToken}); w.Code != 200 || w.Body.String() != "actor=soc-team" {
		t.Fatalf("bearer: %d %q", w.Code, w.Body.String())
	}
	// A bearer client is exempt from the origin check (a browser never sends one on its own).
	if w := req("POST", "/v1/whoami", "", map[string]string{"Authorization": "Bearer " + goodToken, "Sec-Fetch-Site": "cross-site"}); w.Code != 200 {
		t.Fatalf("bearer post: %d", w.Code)
	}
	for name, hdr := range map[string]map[string]string{
		"no token": nil, "wrong token": {"Authorization": "Bearer " + goodToken + "x"}, "empty bearer": {"Authorization": "Bearer "},
		"basic": {"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("soc:"+goodToken))},
	} {
		if w := req("GET", "/v1/whoami", "", hdr); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "sign in") {
			t.Errorf("%s: %d %q, want 401", name, w.Code, w.Body.String())
		}
	}
	// A browser without a session is sent to the sign-in page, and back after it.
	w := req("GET", "/ui/whoami?x=1", "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/ui/login?next="+url.QueryEscape("/ui/whoami?x=1") {
		t.Fatalf("no session: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := req("GET", "/ui/login?next=/ui/whoami", "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `name="token"`) {
		t.Fatalf("login page: %d", w.Code)
	}
	if w := req("POST", "/ui/login", "token=wrong&next=/ui/whoami", nil); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
		t.Fatalf("wrong token sign-in: %d, cookies %v", w.Code, w.Result().Cookies())
	}
	w = req("POST", "/ui/login", "token="+url.QueryEscape(goodToken)+"&next=//attacker.example/", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/ui/findings" {
		t.Fatalf("sign-in with a foreign next: %d %q, want the findings page", w.Code, w.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", session)
	}
	if w := req("GET", "/ui/whoami", "", nil, session); w.Code != 200 || w.Body.String() != "actor=soc-team" {
		t.Fatalf("with the session: %d %q", w.Code, w.Body.String())
	}
	// A session's changes still pass the cross-origin check.
	if w := req("POST", "/ui/whoami", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, session); w.Code != http.StatusForbidden {
		t.Fatalf("cross-site post with a session: %d, want 403", w.Code)
	}
	now = now.Add(2 * time.Hour)
	if w := req("GET", "/ui/whoami", "", nil, session); w.Code != http.StatusSeeOther {
		t.Fatalf("expired session: %d, want a redirect to sign in", w.Code)
	}
	w = req("POST", "/ui/login", "token="+url.QueryEscape(goodToken), nil)
	session = w.Result().Cookies()[0]
	if w := req("POST", "/ui/logout", "", map[string]string{"Sec-Fetch-Site": "same-origin"}, session); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if w := req("GET", "/ui/whoami", "", nil, session); w.Code != http.StatusSeeOther {
		t.Fatalf("after logout: %d, want a redirect to sign in", w.Code)
	}
	if w := req("GET", "/ui/static/style.css", "", nil); w.Code != 200 {
		t.Fatalf("the style sheet is public: %d", w.Code)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ui/findings/abc": "/ui/findings/abc", "//attacker.example": "/ui/findings", "https://attacker.example": "/ui/findings",
		"/\\attacker.example": "/ui/findings", "": "/ui/findings", "javascript:alert(1)": "/ui/findings",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// issuer is an OpenID Connect provider for one test: discovery, keys, and a token
// endpoint that checks the PKCE verifier and issues an ID token with the claims set.
type issuer struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	challenge string
	claims    map[string]any
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": is.URL, "authorization_endpoint": is.URL + "/authorize",
			"token_endpoint": is.URL + "/token", "jwks_uri": is.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		is.mu.Lock()
		defer is.mu.Unlock()
		if r.PostForm.Get("code") != "the-code" || base64.RawURLEncoding.EncodeToString(sum[:]) != is.challenge {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		idt, _ := jwt.Signed(sig).Claims(is.claims).Serialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idt})
	})
	return is
}

func TestOIDCSignIn(t *testing.T) {
	is := newIssuer(t)
	a, err := NewAuth(context.Background(), AuthConfig{OIDC: &OIDCConfig{Issuer: is.URL, ClientID: "tollgate", ClientSecret: "cs",
		RedirectURL: "https://console.example/ui/oidc/callback", AllowedDomains: []string{"corp.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := consoleFor(t, a)
	// begin starts a sign-in and returns the state, the nonce and the login cookie.
	begin := func() (string, string, *http.Cookie) {
		r := httptest.NewRequest("GET", "/ui/whoami", nil)
		w := serve(h, r)
		r = httptest.NewRequest("GET", w.Header().Get("Location"), nil)
		w = serve(h, r)
		loc, err := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), is.URL+"/authorize") {
			t.Fatalf("sign-in start: %d %q", w.Code, loc)
		}
		q := loc.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "tollgate" || q.Get("nonce") == "" || q.Get("state") == "" {
			t.Fatalf("authorize request %v", q)
		}
		is.mu.Lock()
		is.challenge = q.Get("code_challenge")
		is.mu.Unlock()
		return q.Get("state"), q.Get("nonce"), w.Result().Cookies()[0]
	}
	claims := func(nonce, email string, verified any) map[string]any {
		return map[string]any{"iss": is.URL, "aud": "tollgate", "sub": "u1", "exp": time.Now().Add(time.Minute).Unix(),
			"iat": time.Now().Unix(), "nonce": nonce, "email": email, "email_verified": verified}
	}
	callback := func(state string, c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/ui/oidc/callback?code=the-code&state="+url.QueryEscape(state), nil)
		if c != nil {
			r.AddCookie(c)
		}
		return serve(h, r)
	}

	state, nonce, login := begin()
	is.claims = claims(nonce, "Ana@corp.example", true)
	w := callback(state, login)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/ui/whoami" {
		t.Fatalf("callback: %d %q %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			session = c
		}
	}
	if session == nil || !session.Secure {
		t.Fatalf("session cookie %+v (an https redirect URL makes it Secure)", session)
	}
	r := httptest.NewRequest("GET", "/ui/whoami", nil)
	r.AddCookie(session)
	if w := serve(h, r); w.Body.String() != "actor=ana@corp.example" {
		t.Fatalf("signed in as %q", w.Body.String())
	}
	// The same state cannot be used twice.
	if w := callback(state, login); w.Code != http.StatusUnauthorized {
		t.Fatalf("replayed callback: %d", w.Code)
	}

	for name, tc := range map[string]struct {
		claims func(nonce string) map[string]any
		cookie bool
		state  func(string) string
	}{
		"no login cookie (login CSRF)": {func(n string) map[string]any { return claims(n, "ana@corp.example", true) }, false, func(s string) string { return s }},
		"another state":                {func(n string) map[string]any { return claims(n, "ana@corp.example", true) }, true, func(string) string { return "forged" }},
		"wrong nonce":                  {func(string) map[string]any { return claims("other", "ana@corp.example", true) }, true, func(s string) string { return s }},
		"unverified email":             {func(n string) map[string]any { return claims(n, "ana@corp.example", false) }, true, func(s string) string { return s }},
		"domain not admitted":          {func(n string) map[string]any { return claims(n, "eve@attacker.example", true) }, true, func(s string) string { return s }},
		"another audience": {func(n string) map[string]any {
			c := claims(n, "ana@corp.example", true)
			c["aud"] = "someone-else"
			return c
		}, true, func(s string) string { return s }},
		"expired token": {func(n string) map[string]any {
			c := claims(n, "ana@corp.example", true)
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			return c
		}, true, func(s string) string { return s }},
	} {
		state, nonce, login := begin()
		is.mu.Lock()
		is.claims = tc.claims(nonce)
		is.mu.Unlock()
		var c *http.Cookie
		if tc.cookie {
			c = login
		}
		if w := callback(tc.state(state), c); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) > 1 {
			t.Errorf("%s: %d, cookies %v, want 401 and no session", name, w.Code, w.Result().Cookies())
		}
	}
}
