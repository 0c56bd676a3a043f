package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// AuthConfig says how the console knows who is asking. With neither Tokens nor OIDC it
// answers loopback clients only, and a triage decision names its actor itself; with
// either, every request is authenticated and a decision's actor is the authenticated name.
type AuthConfig struct {
	// Tokens maps each static token to the name it authenticates (a person or a tool).
	// API clients send it as "Authorization: Bearer <token>"; a browser signs in with it
	// once on /ui/login and then holds a session cookie.
	Tokens map[string]string
	// OIDC, when set, signs browsers in through an OpenID Connect issuer.
	OIDC *OIDCConfig
	// SessionTTL is how long a browser session lasts (default 12h).
	SessionTTL time.Duration
	// Hosts are the Host header values a loopback console answers beside 127.0.0.1,
	// [::1] and localhost (with any port): a DNS name an attacker rebinds to 127.0.0.1
	// is refused.
	Hosts []string
}

// OIDCConfig is an OpenID Connect relying party: the authorization-code flow with PKCE,
// the ID token verified against the issuer's keys, its audience and the login's nonce.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this console's callback as the issuer knows it: https://host/ui/oidc/callback.
	RedirectURL string
	// AllowedEmails and AllowedDomains admit users by their verified email; both empty
	// admits everyone the issuer authenticates for this client.
	AllowedEmails  []string
	AllowedDomains []string
	// HTTPClient reaches the issuer (nil: http.DefaultClient).
	HTTPClient *http.Client
}

// Auth authenticates console requests; see AuthConfig.
type Auth struct {
	cfg    AuthConfig
	tokens []tokenEntry
	oidc   *oidcFlow
	clock  func() time.Time

	mu       sync.Mutex
	sessions map[string]session
	logins   map[string]pendingLogin
}

type tokenEntry struct {
	sum  [32]byte
	name string
}

type session struct {
	actor   string
	expires time.Time
}

type pendingLogin struct {
	nonce, verifier, next string
	expires               time.Time
}

type oidcFlow struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const (
	sessionCookie = "tollgate_session"
	loginCookie   = "tollgate_login"
	maxSessions   = 10000
	loginTTL      = 10 * time.Minute
)

// NewAuth builds the authenticator of cfg; with OIDC it reads the issuer's discovery
// document now, so a wrong issuer is an error at start.
func NewAuth(ctx context.Context, cfg AuthConfig) (*Auth, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	a := &Auth{cfg: cfg, clock: time.Now, sessions: map[string]session{}, logins: map[string]pendingLogin{}}
	for tok, name := range cfg.Tokens {
		a.tokens = append(a.tokens, tokenEntry{sum: sha256.Sum256([]byte(tok)), name: name})
	}
	if o := cfg.OIDC; o != nil {
		if o.HTTPClient != nil {
			ctx = oidc.ClientContext(ctx, o.HTTPClient)
		}
		p, err := oidc.NewProvider(ctx, o.Issuer)
		if err != nil {
			return nil, fmt.Errorf("console.auth.oidc.issuer %s: %w", o.Issuer, err)
		}
		a.oidc = &oidcFlow{cfg: *o, verifier: p.Verifier(&oidc.Config{ClientID: o.ClientID}),
			oauth: oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: p.Endpoint(),
				RedirectURL: o.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}
	}
	return a, nil
}

// Loopback reports whether the console authenticates nobody and answers loopback only.
func (a *Auth) Loopback() bool { return a == nil || (len(a.tokens) == 0 && a.oidc == nil) }

type actorKey struct{}

// ActorFrom is the authenticated name of the request's client ("" on a loopback console).
func ActorFrom(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}

// Wrap authenticates every request to h (loopback console: refuses other hosts, proxied
// requests and unknown Host names) and refuses cross-origin state changes (CSRF) with the
// standard library's cross-origin protection, which reads Sec-Fetch-Site and Origin.
func (a *Auth) Wrap(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse(w, r, http.StatusForbidden, "cross-origin request refused: a change to tollgate is made from the console's own pages or with a bearer token")
	}))
	inner := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		if a.Loopback() {
			if msg := a.loopbackRefusal(r); msg != "" {
				refuse(w, r, http.StatusForbidden, msg)
				return
			}
			inner.ServeHTTP(w, r)
			return
		}
		if publicPath(r.URL.Path) {
			inner.ServeHTTP(w, r)
			return
		}
		actor, ok := a.authenticate(r)
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/v1/") || r.Method != http.MethodGet {
				hd.Set("WWW-Authenticate", `Bearer realm="tollgate console"`)
				refuse(w, r, http.StatusUnauthorized, "sign in: send Authorization: Bearer <token>, or sign in on /ui/login")
				return
			}
			http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		// A bearer token is not sent by a browser on its own, so it cannot be forged
		// cross-site: API clients are exempt from the origin check.
		if _, bearer := bearerToken(r); bearer {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
			return
		}
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	})
}

// publicPath is what an unauthenticated browser may fetch: the sign-in pages and the style sheet.
func publicPath(p string) bool {
	return p == "/ui/login" || p == "/ui/oidc/callback" || strings.HasPrefix(p, "/ui/static/")
}

var proxyHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Via"}

func (a *Auth) loopbackRefusal(r *http.Request) string {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "the console answers loopback clients only"
	}
	for _, hdr := range proxyHeaders {
		if r.Header.Get(hdr) != "" {
			return "the console does not answer requests relayed by a proxy (" + hdr + ")"
		}
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		name = h
	}
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil && ip.IsLoopback() || strings.EqualFold(name, "localhost") {
		return ""
	}
	var hosts []string
	if a != nil {
		hosts = a.cfg.Hosts
	}
	if slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(h, name) }) {
		return ""
	}
	return fmt.Sprintf("the console does not answer for host %q (a loopback console answers 127.0.0.1, [::1] and localhost; add other names to console.auth.hosts)", name)
}

func bearerToken(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:]), true
	}
	return "", false
}

func (a *Auth) authenticate(r *http.Request) (string, bool) {
	if tok, ok := bearerToken(r); ok {
		return a.checkToken(tok)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[c.Value]
	if !ok || !a.clock().Before(s.expires) {
		delete(a.sessions, c.Value)
		return "", false
	}
	return s.actor, true
}

// checkToken returns the name of tok, comparing it with every configured token in
// constant time.
func (a *Auth) checkToken(tok string) (string, bool) {
	sum := sha256.Sum256([]byte(tok))
	name, found := "", 0
	for _, e := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], e.sum[:]) == 1 {
			name, found = e.name, 1
		}
	}
	return name, found == 1 && tok != ""
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// startSession signs the browser in as actor.
func (a *Auth) startSession(w http.ResponseWriter, r *http.Request, actor string) {
	id := randomID()
	now := a.clock()
	a.mu.Lock()
	for k, s := range a.sessions {
		if !now.Before(s.expires) {
			delete(a.sessions, k)
		}
	}
	if len(a.sessions) >= maxSessions {
		for k := range a.sessions { // full: drop an arbitrary one
			delete(a.sessions, k)
			break
		}
	}
	a.sessions[id] = session{actor: actor, expires: now.Add(a.cfg.SessionTTL)}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: a.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(a.cfg.SessionTTL.Seconds())})
}

// endSession signs the browser out.
func (a *Auth) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: a.secure(r), MaxAge: -1})
}

func (a *Auth) secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" ||
		a.oidc != nil && strings.HasPrefix(a.oidc.cfg.RedirectURL, "https://")
}

// safeNext is next when it is a path of this console, else the findings page: a sign-in
// never redirects to another site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return "/ui/findings"
}

// beginOIDC sends the browser to the issuer.
func (a *Auth) beginOIDC(w http.ResponseWriter, r *http.Request, next string) {
	state, nonce, verifier := randomID(), randomID(), oauth2.GenerateVerifier()
	now := a.clock()
	a.mu.Lock()
	for k, p := range a.logins {
		if !now.Before(p.expires) {
			delete(a.logins, k)
		}
	}
	if len(a.logins) >= maxSessions {
		a.mu.Unlock()
		refuse(w, r, http.StatusTooManyRequests, "too many sign-ins in progress; try again in a few minutes")
		return
	}
	a.logins[state] = pendingLogin{nonce: nonce, verifier: verifier, next: safeNext(next), expires: now.Add(loginTTL)}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: state, Path: "/ui/oidc/callback", HttpOnly: true, Secure: a.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(loginTTL.Seconds())})
	http.Redirect(w, r, a.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

var errLogin = errors.New("sign-in failed")

// finishOIDC completes the issuer's redirect: the state must be the one this browser
// started, the ID token valid for this client with the login's nonce, the email verified
// and admitted. It returns the signed-in email and where to go next.
func (a *Auth) finishOIDC(w http.ResponseWriter, r *http.Request) (string, string, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", "", fmt.Errorf("%w: the issuer answered %s", errLogin, truncate(e, 100))
	}
	c, err := r.Cookie(loginCookie)
	state := q.Get("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return "", "", fmt.Errorf("%w: this sign-in was not started by this browser; start again", errLogin)
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/ui/oidc/callback", MaxAge: -1})
	a.mu.Lock()
	p, ok := a.logins[state]
	delete(a.logins, state)
	a.mu.Unlock()
	if !ok || !a.clock().Before(p.expires) {
		return "", "", fmt.Errorf("%w: the sign-in expired; start again", errLogin)
	}
	ctx := r.Context()
	if a.oidc.cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, a.oidc.cfg.HTTPClient)
	}
	tok, err := a.oidc.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		return "", "", fmt.Errorf("%w: the issuer refused the code: %w", errLogin, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", "", fmt.Errorf("%w: the issuer sent no id_token", errLogin)
	}
	idt, err := a.oidc.verifier.Verify(ctx, raw)
	if err != nil {
		return "", "", fmt.Errorf("%w: the ID token is not valid: %w", errLogin, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
		return "", "", fmt.Errorf("%w: the ID token's nonce is not this sign-in's", errLogin)
	}
	var claims struct {
		Email    string          `json:"email"`
		Verified json.RawMessage `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", "", fmt.Errorf("%w: %w", errLogin, err)
	}
	// email_verified is a boolean, though some issuers send it as a string.
	if claims.Email == "" || (string(claims.Verified) != "true" && string(claims.Verified) != `"true"`) {
		return "", "", fmt.Errorf("%w: the issuer did not assert a verified email", errLogin)
	}
	if !a.admits(claims.Email) {
		return "", "", fmt.Errorf("%w: %s is not admitted to this console (console.auth.oidc.allowed_emails, allowed_domains)", errLogin, claims.Email)
	}
	return strings.ToLower(claims.Email), p.next, nil
}

func (a *Auth) admits(email string) bool {
	o := a.oidc.cfg
	if len(o.AllowedEmails) == 0 && len(o.AllowedDomains) == 0 {
		return true
	}
	email = strings.ToLower(email)
	if slices.ContainsFunc(o.AllowedEmails, func(e string) bool { return strings.EqualFold(e, email) }) {
		return true
	}
	_, domain, _ := strings.Cut(email, "@")
	return slices.ContainsFunc(o.AllowedDomains, func(d string) bool { return strings.EqualFold(strings.TrimPrefix(d, "@"), domain) })
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// refuse answers an error: JSON for the API, a short text page otherwise.
func refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}
