package ingest

import (
	"github.com/tollgate-io/tollgate/internal/config"

	"errors"
	"fmt"
	"os"
	"strings"
)

// Defaults of Config.
const (
	DefaultListen       = ":8080"
	DefaultMaxBodyBytes = 5 << 20
	DefaultHMACHeader   = "X-Signature-SHA256"
)

// Auth modes of a source.
const (
	AuthNone   = "none"   // open; a warning is logged once
	AuthSecret = "secret" // a shared secret compared in constant time with a header
	AuthHMAC   = "hmac"   // HMAC-SHA256 of the body, hex (optionally "sha256=" prefixed), in a header
)

// SourceAuth is how one source proves who it is.
type SourceAuth struct {
	// Mode is none, secret or hmac; empty means secret when a secret is set, else none.
	Mode string `yaml:"mode"`
	// Header carries the secret or signature. Defaults: Authorization for secret mode
	// (Okta's event-hook header), X-Signature-SHA256 for hmac.
	Header string `yaml:"header"`
	// Secret is the shared secret or HMAC key; SecretFile reads it from a file instead.
	Secret     config.Secret `yaml:"secret"`
	SecretFile string        `yaml:"secret_file"`
}

// Config configures the ingest HTTP receivers (YAML key ingest).
type Config struct {
	Listen       string                `yaml:"listen"`
	MaxBodyBytes int64                 `yaml:"max_body_bytes"`
	Sources      map[string]SourceAuth `yaml:"sources"`
	// JiraRequestTypeField is the Jira custom field id of the JSM request type.
	JiraRequestTypeField string `yaml:"jira_request_type_field"`
}

// ApplyDefaults fills unset fields and reads secret files. It is called by Validate.
func (c *Config) ApplyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.JiraRequestTypeField == "" {
		c.JiraRequestTypeField = DefaultJiraRequestTypeField
	}
	for name, a := range c.Sources {
		if a.Mode == "" {
			a.Mode = AuthNone
			if a.Secret != "" || a.SecretFile != "" {
				a.Mode = AuthSecret
			}
		}
		if a.Header == "" {
			switch a.Mode {
			case AuthSecret:
				a.Header = "Authorization"
			case AuthHMAC:
				a.Header = DefaultHMACHeader
			}
		}
		c.Sources[name] = a
	}
}

// Validate applies defaults, loads secret files and reports every problem, each naming
// its key (e.g. "ingest.sources.okta.secret_file: open …: no such file or directory").
func (c *Config) Validate() error {
	c.ApplyDefaults()
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("ingest.max_body_bytes: must be positive, got %d", c.MaxBodyBytes))
	}
	known := map[string]bool{SourceGeneric: true}
	for _, s := range SourceNames() {
		known[s] = true
	}
	for name, a := range c.Sources {
		key := "ingest.sources." + name
		if !known[name] {
			errs = append(errs, fmt.Errorf("%s: unknown source (want one of %s, generic)", key, strings.Join(SourceNames(), ", ")))
			continue
		}
		switch a.Mode {
		case AuthNone, AuthSecret, AuthHMAC:
		default:
			errs = append(errs, fmt.Errorf("%s.mode: %q is not none, secret or hmac", key, a.Mode))
			continue
		}
		if a.Secret != "" && a.SecretFile != "" {
			errs = append(errs, fmt.Errorf("%s: set secret or secret_file, not both", key))
			continue
		}
		if a.SecretFile != "" {
			b, err := os.ReadFile(a.SecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s.secret_file: %w", key, err))
				continue
			}
			a.Secret = config.Secret(strings.TrimSpace(string(b)))
			a.SecretFile = ""
			if a.Secret == "" {
				errs = append(errs, fmt.Errorf("%s.secret_file: file is empty", key))
				continue
			}
		}
		if a.Mode != AuthNone && a.Secret == "" {
			errs = append(errs, fmt.Errorf("%s.secret: required for mode %s", key, a.Mode))
		}
		c.Sources[name] = a
	}
	return errors.Join(errs...)
}
