package ingest

import (
	"github.com/tollgate-io/tollgate/internal/config"

	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultListen       = ":8080"
	DefaultMaxBodyBytes = 5 << 20
	DefaultHMACHeader   = "X-Signature-SHA256"

	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included: 5 MiB in 30 s is
	// 175 KB/s, far below any vendor's uplink, and a client slower than that holds a
	// connection for nothing.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds a request from the end of its headers to the end of the
	// answer, so it includes the Kafka acknowledgement (three attempts of up to 10 s each
	// per partition in the worst case).
	DefaultWriteTimeout = 60 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes bounds the request line and headers.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConnections caps concurrently open connections; more wait in the listen
	// backlog until one closes.
	DefaultMaxConnections = 512
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
	// RequestTypes classify ServiceNow catalog items / categories and JSM request types
	// (globs, first match wins), before the defaults (DefaultRequestTypes).
	RequestTypes []RequestTypeRule `yaml:"request_types"`

	// Limits of the HTTP server (see the Default* constants); slow or numerous clients
	// cannot hold the receiver.
	ReadHeaderTimeout config.Duration `yaml:"read_header_timeout"`
	ReadTimeout       config.Duration `yaml:"read_timeout"`
	WriteTimeout      config.Duration `yaml:"write_timeout"`
	IdleTimeout       config.Duration `yaml:"idle_timeout"`
	MaxHeaderBytes    int             `yaml:"max_header_bytes"`
	MaxConnections    int             `yaml:"max_connections"`
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
	for _, d := range []struct {
		v   *config.Duration
		def time.Duration
	}{{&c.ReadHeaderTimeout, DefaultReadHeaderTimeout}, {&c.ReadTimeout, DefaultReadTimeout}, {&c.WriteTimeout, DefaultWriteTimeout}, {&c.IdleTimeout, DefaultIdleTimeout}} {
		if *d.v == 0 {
			*d.v = config.Duration(d.def)
		}
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
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
	for _, d := range []struct {
		key string
		v   config.Duration
	}{{"ingest.read_header_timeout", c.ReadHeaderTimeout}, {"ingest.read_timeout", c.ReadTimeout}, {"ingest.write_timeout", c.WriteTimeout}, {"ingest.idle_timeout", c.IdleTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive, got %s", d.key, d.v.D()))
		}
	}
	if c.ReadTimeout > 0 && c.ReadHeaderTimeout > c.ReadTimeout {
		errs = append(errs, fmt.Errorf("ingest.read_header_timeout: %s is longer than ingest.read_timeout (%s), which bounds the headers too", c.ReadHeaderTimeout.D(), c.ReadTimeout.D()))
	}
	if c.MaxHeaderBytes < 0 {
		errs = append(errs, fmt.Errorf("ingest.max_header_bytes: must be positive, got %d", c.MaxHeaderBytes))
	}
	if c.MaxConnections < 0 {
		errs = append(errs, fmt.Errorf("ingest.max_connections: must be positive, got %d", c.MaxConnections))
	}
	if err := ValidateRequestTypes("ingest.request_types", c.RequestTypes); err != nil {
		errs = append(errs, err)
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

// ParserOptions are the parser settings of this configuration.
func (c *Config) ParserOptions() ParserOptions {
	return ParserOptions{JiraRequestTypeField: c.JiraRequestTypeField, RequestTypes: c.RequestTypes}
}
