package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/internal/web"
)

// ConsoleAuthConfig is `console.auth:`. With neither tokens nor oidc the console answers
// loopback clients only and authenticates nobody; with either it authenticates every
// request and may listen on other interfaces.
type ConsoleAuthConfig struct {
	// Tokens are static bearer tokens, each with the name it signs in as.
	Tokens []ConsoleToken `yaml:"tokens"`
	// OIDC signs browsers in through an OpenID Connect issuer.
	OIDC *ConsoleOIDCConfig `yaml:"oidc"`
	// SessionTTL is how long a browser's sign-in lasts (default 12h).
	SessionTTL config.Duration `yaml:"session_ttl"`
	// Hosts are further Host names a loopback console answers (beside 127.0.0.1, [::1],
	// localhost): anything else is refused, so a DNS name rebound to 127.0.0.1 by a web
	// page cannot read the console.
	Hosts []string `yaml:"hosts"`
}

// ConsoleToken is one static token: Token or TokenFile (read at start, trimmed).
type ConsoleToken struct {
	Name      string        `yaml:"name"`
	Token     config.Secret `yaml:"token"`
	TokenFile string        `yaml:"token_file"`
}

// ConsoleOIDCConfig is `console.auth.oidc:`.
type ConsoleOIDCConfig struct {
	Issuer           string        `yaml:"issuer"`
	ClientID         string        `yaml:"client_id"`
	ClientSecret     config.Secret `yaml:"client_secret"`
	ClientSecretFile string        `yaml:"client_secret_file"`
	// RedirectURL is https://<console host>/ui/oidc/callback, as registered with the issuer.
	RedirectURL    string   `yaml:"redirect_url"`
	AllowedEmails  []string `yaml:"allowed_emails"`
	AllowedDomains []string `yaml:"allowed_domains"`
}

// minTokenLength keeps guessable tokens out of the configuration.
const minTokenLength = 24

// Authenticated reports whether the console authenticates its clients.
func (c *ConsoleConfig) Authenticated() bool { return len(c.Auth.Tokens) > 0 || c.Auth.OIDC != nil }

// validateAuth checks console.auth and reports each problem with bad.
func (c *ConsoleConfig) validateAuth(bad func(key, format string, args ...any)) {
	names := map[string]bool{}
	for i := range c.Auth.Tokens {
		t := &c.Auth.Tokens[i]
		key := fmt.Sprintf("console.auth.tokens[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			bad(key+".name", "say whom the token signs in as (it is the actor of their triage decisions)")
		} else if names[t.Name] {
			bad(key+".name", "%q is given to two tokens", t.Name)
		}
		names[t.Name] = true
		requireSecret(&t.Token, key+".token", bad)
		if t.Token != "" && len(t.Token) < minTokenLength {
			bad(key+".token", "is shorter than %d characters (make one with: openssl rand -base64 32)", minTokenLength)
		}
	}
	if o := c.Auth.OIDC; o != nil {
		u, err := url.Parse(o.Issuer)
		switch {
		case o.Issuer == "" || err != nil || u.Host == "":
			bad("console.auth.oidc.issuer", "%q is not an issuer URL (https://login.example.com/...)", o.Issuer)
		case u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(hostPort(u))):
			bad("console.auth.oidc.issuer", "%q is not https", o.Issuer)
		}
		if o.ClientID == "" {
			bad("console.auth.oidc.client_id", "is required")
		}
		requireSecret(&o.ClientSecret, "console.auth.oidc.client_secret", bad)
		if r, err := url.Parse(o.RedirectURL); err != nil || r.Host == "" || !strings.HasSuffix(r.Path, "/ui/oidc/callback") {
			bad("console.auth.oidc.redirect_url", "%q is not this console's callback URL (https://<host>/ui/oidc/callback)", o.RedirectURL)
		}
	}
}

func hostPort(u *url.URL) string {
	if u.Port() == "" {
		return u.Hostname() + ":80"
	}
	return u.Host
}

// requireSecret reports a secret that is missing (config.Load has already read its _file).
func requireSecret(secret *config.Secret, key string, bad func(key, format string, args ...any)) {
	if *secret == "" {
		bad(key, "is required (or %s_file)", key[strings.LastIndex(key, ".")+1:])
	}
}

// ConsoleAuth builds the console's authenticator (nil: a loopback console). With OIDC it
// reads the issuer's discovery document, so a wrong issuer fails at start.
func ConsoleAuth(ctx context.Context, c *ConsoleConfig) (*web.Auth, error) {
	if !c.Authenticated() {
		if len(c.Auth.Hosts) == 0 {
			return nil, nil
		}
		return web.NewAuth(ctx, web.AuthConfig{Hosts: c.Auth.Hosts})
	}
	ac := web.AuthConfig{Tokens: map[string]string{}, SessionTTL: c.Auth.SessionTTL.D(), Hosts: c.Auth.Hosts}
	for _, t := range c.Auth.Tokens {
		ac.Tokens[t.Token.Reveal()] = t.Name
	}
	if o := c.Auth.OIDC; o != nil {
		ac.OIDC = &web.OIDCConfig{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
			RedirectURL: o.RedirectURL, AllowedEmails: o.AllowedEmails, AllowedDomains: o.AllowedDomains}
	}
	return web.NewAuth(ctx, ac)
}
