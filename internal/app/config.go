package app

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/service"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/internal/kafka"
)

// Config is the whole configuration file. Every section is optional; defaults give a
// working single-machine setup against `tollgate up`.
type Config struct {
	// Log configures the logger of every service.
	Log LogConfig `yaml:"log"`
	// ShutdownTimeout bounds draining in-flight work after SIGINT/SIGTERM.
	ShutdownTimeout config.Duration `yaml:"shutdown_timeout"`
	// Kafka is how every service reaches Kafka.
	Kafka kafka.Config `yaml:"kafka"`
	// Registry is the Confluent-compatible Schema Registry.
	Registry RegistryConfig `yaml:"registry"`
	// ClickHouse is the auditor's store.
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
	// Ingest configures `tollgate ingest`.
	Ingest IngestConfig `yaml:"ingest"`
	// Router configures `tollgate router`.
	Router RouterConfig `yaml:"router"`
	// Auditor configures `tollgate auditor`.
	Auditor AuditorConfig `yaml:"auditor"`
	// Up configures the embedded stack of `tollgate up`.
	Up UpConfig `yaml:"up"`
	// Console configures the loopback console of `tollgate up` (findings and read-only
	// queries for the CLI).
	Console ConsoleConfig `yaml:"console"`
	// Actions configures the outbound actions on findings (actionsconfig.go).
	Actions ActionsConfig `yaml:"actions"`
	// Connectors configures the vendor APIs tollgate pulls from (connectors.go).
	Connectors ConnectorsConfig `yaml:"connectors"`
}

// ConsoleConfig is the `console:` section.
type ConsoleConfig struct {
	// Listen is the console's own HTTP address. It must be a loopback address unless
	// auth configures tokens or an OIDC issuer; it never shares the ingest listener.
	Listen string `yaml:"listen"`
	// Auth says how the console authenticates (see ConsoleAuthConfig).
	Auth ConsoleAuthConfig `yaml:"auth"`
}

// DefaultConsoleListen is where `tollgate up` serves its console.
const DefaultConsoleListen = "127.0.0.1:8079"

// DefaultIngestListen is the ingest address: loopback until the operator opens it.
const DefaultIngestListen = "127.0.0.1:8080"

// LogConfig is the `log:` section.
type LogConfig struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is json or text.
	Format string `yaml:"format"`
}

// RegistryConfig is the `registry:` section.
type RegistryConfig struct {
	// URL of the Schema Registry, e.g. http://127.0.0.1:8081.
	URL string `yaml:"url"`
	// Username for HTTP basic auth; empty disables auth.
	Username string `yaml:"username"`
	// Password for HTTP basic auth; prefer password_file.
	Password config.Secret `yaml:"password"`
	// PasswordFile holds the password.
	PasswordFile string `yaml:"password_file"`
	// Timeout bounds each registry request.
	Timeout config.Duration `yaml:"timeout"`
}

// ClickHouseConfig is the `clickhouse:` section.
type ClickHouseConfig struct {
	// Mode is embedded (the in-process engine, for `tollgate up`) or server (clickhouse-go
	// against a ClickHouse server or cluster).
	Mode string `yaml:"mode"`
	// Database holds tollgate's tables.
	Database string `yaml:"database"`
	// Cluster, when set, applies the cluster form of the migrations (ON CLUSTER this name).
	Cluster string `yaml:"cluster"`
	// Embedded configures the in-process engine.
	Embedded EmbeddedClickHouse `yaml:"embedded"`
	// Server configures the connection to a ClickHouse server.
	Server ServerClickHouse `yaml:"server"`
}

// EmbeddedClickHouse is the `clickhouse.embedded:` section.
type EmbeddedClickHouse struct {
	// DataDir holds the engine's data; default <up.data_dir>/clickhouse.
	DataDir string `yaml:"data_dir"`
	// LibPath is libchdb.so; default TOLLGATE_CHDB_LIB, then the cache of scripts/libchdb.sh.
	LibPath string `yaml:"lib_path"`
}

// ServerClickHouse is the `clickhouse.server:` section.
type ServerClickHouse struct {
	// Addrs are host:port of the native protocol (9000, or 9440 with TLS).
	Addrs []string `yaml:"addrs"`
	// Username to log in as.
	Username string `yaml:"username"`
	// Password; prefer password_file.
	Password config.Secret `yaml:"password"`
	// PasswordFile holds the password.
	PasswordFile string `yaml:"password_file"`
	// QueryUsername is the read-only user that `tollgate query` and the console run
	// analysts' queries as (a user whose profile has readonly=1 and who holds only SELECT on
	// the database; see docs/operations.md). Empty runs them as Username with readonly=1
	// per query, and a warning says so.
	QueryUsername string `yaml:"query_username"`
	// QueryPassword is QueryUsername's password; prefer query_password_file.
	QueryPassword config.Secret `yaml:"query_password"`
	// QueryPasswordFile holds QueryPassword.
	QueryPasswordFile string `yaml:"query_password_file"`
	// TLS enables TLS to the server.
	TLS bool `yaml:"tls"`
	// CAFile verifies the server's certificate.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify disables certificate checks (testing only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// Compression is none, lz4 or zstd.
	Compression string `yaml:"compression"`
	// DialTimeout bounds connecting.
	DialTimeout config.Duration `yaml:"dial_timeout"`
	// Settings are ClickHouse settings sent with every query.
	Settings map[string]string `yaml:"settings"`
}

// IngestConfig is the `ingest:` service section: the receivers (listen address, body limit,
// per-source auth) and the consumer of raw vendor topics.
type IngestConfig struct {
	ingest.Config `yaml:",inline"`
	// RawTopics enables consuming raw vendor JSON from tollgate.raw.<source> topics.
	RawTopics bool `yaml:"raw_topics"`
	// RawGroup is the consumer group of the raw-topic consumer.
	RawGroup string `yaml:"raw_group"`
	// InsecureAllowUnauthenticated lets ingest listen on a non-loopback address while some
	// source has no secret. Without it such a start is refused (see CheckIngestExposure).
	InsecureAllowUnauthenticated bool `yaml:"insecure_allow_unauthenticated"`
}

// RouterConfig is the `router:` service section.
type RouterConfig struct {
	// Listen is the admin HTTP address (/healthz, /readyz, /metrics).
	Listen string `yaml:"listen"`
	// Group is the consumer group id.
	Group string `yaml:"group"`
	// PolicyFile is the policy; empty uses the default policy built into the binary.
	PolicyFile string `yaml:"policy_file"`
	// PolicyPoll is how often the policy file is checked for changes.
	PolicyPoll config.Duration `yaml:"policy_poll"`
}

// AuditorConfig is the `auditor:` service section.
type AuditorConfig struct {
	// Listen is the admin HTTP address (/healthz, /readyz, /metrics).
	Listen string `yaml:"listen"`
	// Group is the consumer group id.
	Group string `yaml:"group"`
	// BatchSize flushes a batch to ClickHouse when it holds this many events.
	BatchSize int `yaml:"batch_size"`
	// FlushInterval flushes a non-empty batch at least this often.
	FlushInterval config.Duration `yaml:"flush_interval"`
	// SweepInterval is how often time-based detections run.
	SweepInterval config.Duration `yaml:"sweep_interval"`
	// RawTTLDays is how long raw payloads are kept in the events table, in days (default 30).
	RawTTLDays int `yaml:"raw_ttl_days"`
	// Detections holds the windows and lists of the findings catalogue.
	Detections auditor.Config `yaml:"detections"`
	// Grace delays announcing a finding of a kind on tollgate.findings: one resolved within
	// it (a ticket that arrives after its grant) is stored but never announced. Keys are
	// finding kinds; an unset grace announces the ticket-dependent kinds after 5 minutes.
	Grace map[string]config.Duration `yaml:"grace"`
	// Suppress withholds announcing the findings a rule matches until its date; they are
	// stored and listed as usual.
	Suppress []SuppressRule `yaml:"suppress"`
}

// SuppressRule is one entry of auditor.suppress.
type SuppressRule struct {
	// Kind, Principal and Entitlement are glob patterns (path.Match; empty or "*": any).
	Kind        string `yaml:"kind"`
	Principal   string `yaml:"principal"`
	Entitlement string `yaml:"entitlement"`
	// Until ends the suppression: a date (2026-12-31) or an RFC 3339 time. Required.
	Until string `yaml:"until"`
	// Reason says why, for whoever reads the configuration. Required.
	Reason string `yaml:"reason"`
}

// until parses r.Until.
func (r SuppressRule) until() (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, r.Until); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, r.Until)
}

// Suppressions is Suppress as the auditor service takes it (call after Validate).
func (c AuditorConfig) Suppressions() []service.Suppression {
	out := make([]service.Suppression, 0, len(c.Suppress))
	for _, r := range c.Suppress {
		until, _ := r.until()
		out = append(out, service.Suppression{Kind: r.Kind, Principal: r.Principal, Entitlement: r.Entitlement, Until: until, Reason: r.Reason})
	}
	return out
}

// DefaultGrace is auditor.grace when unset: the kinds a late ticket resolves.
var DefaultGrace = map[string]config.Duration{
	auditor.KindUnticketedAccessChange:  config.Duration(5 * time.Minute),
	auditor.KindHelpdeskPathAccess:      config.Duration(5 * time.Minute),
	auditor.KindMissingLifecycle:        config.Duration(5 * time.Minute),
	auditor.KindRecoveryWithoutProofing: config.Duration(5 * time.Minute),
}

// GraceDurations is Grace as the auditor service takes it.
func (c AuditorConfig) GraceDurations() map[string]time.Duration {
	out := make(map[string]time.Duration, len(c.Grace))
	for k, d := range c.Grace {
		out[k] = d.D()
	}
	return out
}

// UpConfig is the `up:` section: the embedded stack.
type UpConfig struct {
	// DataDir holds the broker's, registry's and engine's data.
	DataDir string `yaml:"data_dir"`
	// KafkaAddr is where the embedded broker listens.
	KafkaAddr string `yaml:"kafka_addr"`
	// RegistryAddr is where the embedded Schema Registry listens.
	RegistryAddr string `yaml:"registry_addr"`
}

// Defaults for Config.
const (
	DefaultShutdownTimeout = 30 * time.Second
	DefaultDataDir         = "./tollgate-data"
)

// IgnoredEnv lists TOLLGATE_* environment variables that are not configuration keys.
var IgnoredEnv = []string{"TOLLGATE_CHDB_LIB", "TOLLGATE_CHDB_CACHE", "TOLLGATE_CONFIG", ConsoleTokenEnv, "TOLLGATE_ARTIFACTS", "TOLLGATE_CHROMIUM"}

// LoadConfig reads, defaults and validates the configuration.
func LoadConfig(src config.Source) (*Config, error) {
	var c Config
	src.IgnoreEnv = append(src.IgnoreEnv, IgnoredEnv...)
	if err := config.Load(src, &c); err != nil {
		return nil, err
	}
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// ApplyDefaults fills every unset key with its default.
func (c *Config) ApplyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Log.Level, "info")
	def(&c.Log.Format, "json")
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = config.Duration(DefaultShutdownTimeout)
	}
	def(&c.Up.DataDir, DefaultDataDir)
	def(&c.Up.KafkaAddr, "127.0.0.1:9092")
	def(&c.Up.RegistryAddr, "127.0.0.1:8081")
	if len(c.Kafka.Brokers) == 0 {
		c.Kafka.Brokers = []string{c.Up.KafkaAddr}
	}
	c.Kafka.ApplyDefaults()
	def(&c.Registry.URL, "http://"+c.Up.RegistryAddr)
	if c.Registry.Timeout <= 0 {
		c.Registry.Timeout = config.Duration(10 * time.Second)
	}
	def(&c.ClickHouse.Mode, "embedded")
	def(&c.ClickHouse.Database, "tollgate")
	def(&c.ClickHouse.Embedded.DataDir, filepath.Join(c.Up.DataDir, "clickhouse"))
	def(&c.ClickHouse.Server.Compression, "lz4")
	if c.ClickHouse.Server.DialTimeout <= 0 {
		c.ClickHouse.Server.DialTimeout = config.Duration(5 * time.Second)
	}
	def(&c.Ingest.Listen, DefaultIngestListen)
	c.Ingest.Config.ApplyDefaults()
	def(&c.Console.Listen, DefaultConsoleListen)
	def(&c.Ingest.RawGroup, "tollgate-ingest-raw")
	def(&c.Router.Listen, ":9101")
	def(&c.Router.Group, "tollgate-router")
	if c.Router.PolicyPoll <= 0 {
		c.Router.PolicyPoll = config.Duration(2 * time.Second)
	}
	def(&c.Auditor.Listen, ":9102")
	def(&c.Auditor.Group, "tollgate-auditor")
	if c.Auditor.BatchSize <= 0 {
		c.Auditor.BatchSize = 10000
	}
	if c.Auditor.FlushInterval <= 0 {
		c.Auditor.FlushInterval = config.Duration(time.Second)
	}
	if c.Auditor.SweepInterval <= 0 {
		c.Auditor.SweepInterval = config.Duration(time.Minute)
	}
	if c.Auditor.RawTTLDays <= 0 {
		c.Auditor.RawTTLDays = clickhouse.DefaultRawTTLDays
	}
	c.Auditor.Detections = mergeDetectionDefaults(c.Auditor.Detections)
	if c.Auditor.Grace == nil {
		c.Auditor.Grace = maps.Clone(DefaultGrace)
	}
	c.Actions.applyDefaults()
	c.Connectors.defaults()
}

// Validate checks every section and returns all problems, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %w", key, fmt.Sprintf(format, args...), config.ErrInvalid))
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "unknown level %q (want debug, info, warn or error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format", "unknown format %q (want json or text)", c.Log.Format)
	}
	errs = append(errs,
		config.Invalid(c.Kafka.Validate()),
		config.Invalid(c.Ingest.Config.Validate()),
		config.Invalid(c.Auditor.Detections.Validate()))
	errs = append(errs, c.Actions.validate()...)
	errs = append(errs, c.Connectors.validate()...)
	for i, r := range c.Auditor.Suppress {
		key := fmt.Sprintf("auditor.suppress[%d]", i)
		if _, err := r.until(); err != nil {
			bad(key+".until", "%q is not a date (2026-12-31) or RFC 3339 time; every suppression ends", r.Until)
		}
		if strings.TrimSpace(r.Reason) == "" {
			bad(key+".reason", "say why the findings are suppressed")
		}
		for field, pattern := range map[string]string{"kind": r.Kind, "principal": r.Principal, "entitlement": r.Entitlement} {
			if _, err := path.Match(pattern, ""); err != nil {
				bad(key+"."+field, "%q is not a glob pattern: %v", pattern, err)
			}
		}
		if r.Kind != "" && !strings.ContainsAny(r.Kind, "*?[") && !slices.Contains(auditor.Kinds(), r.Kind) {
			bad(key+".kind", "%q is not a finding kind (the kinds are %s)", r.Kind, strings.Join(auditor.Kinds(), ", "))
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(c.Auditor.Grace)) {
		switch {
		case !slices.Contains(auditor.Kinds(), kind):
			bad("auditor.grace."+kind, "not a finding kind (the kinds are %s)", strings.Join(auditor.Kinds(), ", "))
		case c.Auditor.Grace[kind] < 0:
			bad("auditor.grace."+kind, "negative duration %s", c.Auditor.Grace[kind].D())
		}
	}
	if u, err := url.Parse(c.Registry.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("registry.url", "%q is not an http(s) URL", c.Registry.URL)
	}
	switch c.ClickHouse.Mode {
	case "embedded":
	case "server":
		if len(c.ClickHouse.Server.Addrs) == 0 {
			bad("clickhouse.server.addrs", "at least one host:port is required when clickhouse.mode is server")
		}
		for i, a := range c.ClickHouse.Server.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				bad(fmt.Sprintf("clickhouse.server.addrs[%d]", i), "%q is not host:port", a)
			}
		}
		switch c.ClickHouse.Server.Compression {
		case "none", "lz4", "zstd":
		default:
			bad("clickhouse.server.compression", "unknown method %q (want none, lz4 or zstd)", c.ClickHouse.Server.Compression)
		}
		if f := c.ClickHouse.Server.CAFile; f != "" {
			if _, err := os.Stat(f); err != nil {
				bad("clickhouse.server.ca_file", "%v", err)
			}
		}
	default:
		bad("clickhouse.mode", "unknown mode %q (want embedded or server)", c.ClickHouse.Mode)
	}
	if !validIdent(c.ClickHouse.Database) {
		bad("clickhouse.database", "%q is not a plain identifier", c.ClickHouse.Database)
	}
	for key, addr := range map[string]string{
		"ingest.listen": c.Ingest.Listen, "router.listen": c.Router.Listen, "auditor.listen": c.Auditor.Listen,
		"up.kafka_addr": c.Up.KafkaAddr, "up.registry_addr": c.Up.RegistryAddr, "console.listen": c.Console.Listen,
	} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(key, "%q is not host:port", addr)
		}
	}
	c.Console.validateAuth(bad)
	if _, _, err := net.SplitHostPort(c.Console.Listen); err == nil && !IsLoopback(c.Console.Listen) && !c.Console.Authenticated() {
		bad("console.listen", "%q is not a loopback address; without console.auth (tokens or oidc) the console authenticates nobody, so it listens on 127.0.0.1 or [::1] only", c.Console.Listen)
	}
	if c.Router.PolicyFile != "" {
		if _, err := os.Stat(c.Router.PolicyFile); err != nil {
			bad("router.policy_file", "%v", err)
		}
	}
	if c.Auditor.BatchSize > 1_000_000 {
		bad("auditor.batch_size", "%d is more than 1000000 rows per batch", c.Auditor.BatchSize)
	}
	return errors.Join(errs...)
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// mergeDetectionDefaults fills every zero window and empty list of d from the catalogue's
// defaults, so a file that sets one window keeps the others.
func mergeDetectionDefaults(d auditor.Config) auditor.Config {
	def := auditor.DefaultConfig()
	dv, fv := reflect.ValueOf(&d).Elem(), reflect.ValueOf(def)
	for i := 0; i < dv.NumField(); i++ {
		if dv.Field(i).IsZero() {
			dv.Field(i).Set(fv.Field(i))
		}
	}
	return d
}

// IsLoopback reports whether the listen address addr binds loopback interfaces only. An
// empty host, a wildcard address and any host name other than localhost count as open.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckIngestExposure refuses an ingest listener on a non-loopback address while some
// source accepts unauthenticated requests, unless ingest.insecure_allow_unauthenticated is
// set. The error names every open source and the three ways out.
func CheckIngestExposure(c *Config) error {
	if IsLoopback(c.Ingest.Listen) || c.Ingest.InsecureAllowUnauthenticated {
		return nil
	}
	var open []string
	for _, s := range append(ingest.SourceNames(), ingest.SourceGeneric) {
		if a, ok := c.Ingest.Sources[s]; !ok || a.Mode == "" || a.Mode == ingest.AuthNone {
			open = append(open, s)
		}
	}
	if len(open) == 0 {
		return nil
	}
	return fmt.Errorf("ingest.listen %s accepts connections from other hosts, but these sources have no secret: %s. "+
		"Set ingest.sources.<source>.secret_file (or mode: hmac) for each, or listen on loopback (--listen 127.0.0.1:8080), "+
		"or accept the risk with ingest.insecure_allow_unauthenticated: true (flag --insecure-allow-unauthenticated): %w",
		c.Ingest.Listen, strings.Join(open, ", "), config.ErrInvalid)
}
