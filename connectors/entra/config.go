// Package entra connects tollgate to Microsoft Entra ID through Microsoft Graph v1.0: a
// Snapshotter that lists who holds which directory role (active and PIM-eligible), group,
// app role and service-principal credential now, and a Puller that reads the directory
// audit and sign-in logs from a durable cursor. Both sit between Graph and the connectors
// framework (connectors.RunSnapshot, connectors.RunPull), which produces their events to
// tollgate.events. Every log record goes through ingest.ParseEntra, the parser of the
// /v1/ingest/entra receiver, and every snapshot entitlement is the one ingest makes of the
// audit record that grants it, so pulled, pushed and listed state meet on one key.
package entra

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/internal/config"
)

// The logs a Puller can read (Config.Logs).
const (
	LogDirectoryAudits = "directory_audits"
	LogSignIns         = "sign_ins"
)

// Defaults.
const (
	DefaultBaseURL  = "https://graph.microsoft.com/v1.0"
	DefaultPageSize = 500
	DefaultOverlap  = 15 * time.Minute
	DefaultBackfill = 24 * time.Hour
	// GraphScope is the client-credentials scope: the application permissions the app
	// was granted with admin consent.
	GraphScope = "https://graph.microsoft.com/.default"
)

// Config is the connectors.entra section.
type Config struct {
	// TenantID is the directory (tenant) id or its verified domain.
	TenantID string `yaml:"tenant_id"`
	// ClientID and ClientSecret are the app registration's credentials (client
	// credentials grant). ClientSecretFile is read into ClientSecret by config.Load.
	ClientID         string        `yaml:"client_id"`
	ClientSecret     config.Secret `yaml:"client_secret"`
	ClientSecretFile string        `yaml:"client_secret_file"`
	// BaseURL is Graph's root (default https://graph.microsoft.com/v1.0; national clouds
	// and tests set their own). TokenURL defaults to the tenant's v2.0 token endpoint.
	BaseURL  string `yaml:"base_url"`
	TokenURL string `yaml:"token_url"`
	// PageSize is $top of every listing (1–999, default 500).
	PageSize int `yaml:"page_size"`
	// Logs are the logs the puller reads (default both: directory_audits, sign_ins; sign-in
	// logs need an Entra ID P1 or P2 licence, without one Graph answers 403).
	Logs []string `yaml:"logs"`
	// Start is where a puller without a cursor begins; zero means Backfill before now.
	Start    time.Time       `yaml:"start"`
	Backfill config.Duration `yaml:"backfill"`
	// Overlap is how far before its cursor each poll reads again, for records Graph makes
	// visible late (default 15m); the records read twice are recognized by id.
	Overlap config.Duration `yaml:"overlap"`
}

var tenantPattern = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$`)

// Validate reports every problem of c, each naming its key under key (e.g.
// "connectors.entra.tenant_id"). The secret's value never appears in an error.
func (c *Config) Validate(key string) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, config.Invalid(fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(format, args...))))
	}
	switch {
	case strings.TrimSpace(c.TenantID) == "":
		bad("tenant_id", "required: the directory (tenant) id")
	case !tenantPattern.MatchString(c.TenantID):
		bad("tenant_id", "%q is neither a tenant GUID nor a domain", c.TenantID)
	}
	if strings.TrimSpace(c.ClientID) == "" {
		bad("client_id", "required: the app registration's application (client) id")
	}
	if c.ClientSecret == "" {
		bad("client_secret", "required (or client_secret_file): the app registration's client secret")
	}
	if err := checkURL(c.BaseURL); err != nil {
		bad("base_url", "%v", err)
	}
	if err := checkURL(c.TokenURL); err != nil {
		bad("token_url", "%v", err)
	}
	if c.PageSize < 0 || c.PageSize > 999 {
		bad("page_size", "%d is outside 1–999", c.PageSize)
	}
	for i, l := range c.Logs {
		if l != LogDirectoryAudits && l != LogSignIns {
			bad(fmt.Sprintf("logs[%d]", i), "%q is not %s or %s", l, LogDirectoryAudits, LogSignIns)
		}
	}
	if c.Backfill < 0 {
		bad("backfill", "must not be negative")
	}
	if c.Overlap < 0 || c.Overlap.D() > 24*time.Hour {
		bad("overlap", "%s is outside 0–24h", c.Overlap)
	}
	return errs
}

// checkURL accepts "" (the default), https URLs, and http only to a loopback address
// (a test's fake): a bearer token never crosses a network in clear.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return errors.New("not an absolute URL")
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("http is allowed only to a loopback address; use https")
	}
	return fmt.Errorf("scheme %q is not https", u.Scheme)
}

// withDefaults fills the defaults in a copy of c.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.TokenURL == "" {
		c.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if len(c.Logs) == 0 {
		c.Logs = []string{LogDirectoryAudits, LogSignIns}
	}
	if c.Backfill == 0 {
		c.Backfill = config.Duration(DefaultBackfill)
	}
	if c.Overlap == 0 {
		c.Overlap = config.Duration(DefaultOverlap)
	}
	return c
}

// validate is Validate at construction, as one error.
func (c *Config) validate() error {
	if errs := c.Validate("connectors.entra"); len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}
