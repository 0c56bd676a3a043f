// Package kafka is tollgate's access to Kafka: the client configuration,
// the synchronous producer that ingest and router acknowledge on, the
// consumer-group reader, the topic plan of DESIGN §3 and its creation, the
// CloudEvents headers of every record, and the reachability check behind
// /readyz. It is built on
// github.com/segmentio/kafka-go; every service reaches Kafka through here.
package kafka

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// Defaults applied by Config.ApplyDefaults.
const (
	DefaultTopicPrefix       = "tollgate"
	DefaultPartitions        = 3
	DefaultReplicationFactor = 1
	DefaultBatchTimeout      = 5 * time.Millisecond
	DefaultBatchSize         = 1000
	DefaultMaxWait           = 250 * time.Millisecond
	DefaultDialTimeout       = 5 * time.Second
	DefaultClientID          = "tollgate"
)

// ErrInvalidConfig marks every error returned by Config.Validate.
var ErrInvalidConfig = errors.New("invalid kafka configuration")

// Config is the `kafka:` section of tollgate's configuration file.
type Config struct {
	// Brokers are the bootstrap addresses, host:port.
	Brokers []string `yaml:"brokers"`
	// ClientID is sent to the brokers with every request.
	ClientID string `yaml:"client_id"`
	// Compression is the producer codec: none, gzip, snappy, lz4 or zstd.
	Compression string `yaml:"compression"`
	// BatchTimeout bounds how long the producer waits to fill a batch.
	BatchTimeout Duration `yaml:"batch_timeout"`
	// BatchSize is the most messages the producer puts in one batch.
	BatchSize int `yaml:"batch_size"`
	// MaxWait bounds how long a fetch waits for data; it is also how long
	// closing a reader can block, so keep it short.
	MaxWait Duration `yaml:"max_wait"`
	// DialTimeout bounds connecting to a broker.
	DialTimeout Duration `yaml:"dial_timeout"`
	// TLS configures encryption to the brokers.
	TLS TLSConfig `yaml:"tls"`
	// SASL configures authentication to the brokers.
	SASL SASLConfig `yaml:"sasl"`
	// TopicPrefix is the first segment of every topic name.
	TopicPrefix string `yaml:"topic_prefix"`
	// Partitions is the partition count of topics tollgate creates.
	Partitions int `yaml:"partitions"`
	// ReplicationFactor is the replica count of topics tollgate creates.
	ReplicationFactor int `yaml:"replication_factor"`
}

// TLSConfig is the `kafka.tls:` section.
type TLSConfig struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	ServerName         string `yaml:"server_name"`
}

// SASLConfig is the `kafka.sasl:` section. An empty Mechanism disables SASL.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password is the secret inline; prefer PasswordFile.
	Password Secret `yaml:"password"`
	// PasswordFile names a file holding the secret (trailing newline ignored).
	PasswordFile string `yaml:"password_file"`
}

// SASL mechanism names accepted in SASLConfig.Mechanism.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// ApplyDefaults fills every unset field with its default.
func (c *Config) ApplyDefaults() {
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.Compression == "" {
		c.Compression = "none"
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = Duration(DefaultBatchTimeout)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.MaxWait <= 0 {
		c.MaxWait = Duration(DefaultMaxWait)
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = Duration(DefaultDialTimeout)
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = DefaultTopicPrefix
	}
	if c.Partitions <= 0 {
		c.Partitions = DefaultPartitions
	}
	if c.ReplicationFactor <= 0 {
		c.ReplicationFactor = DefaultReplicationFactor
	}
}

// Validate checks the configuration and returns every problem found, each
// naming its key (kafka.sasl.mechanism, kafka.brokers[1], …). All returned
// errors wrap ErrInvalidConfig.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("kafka.%s: %s: %w", key, fmt.Sprintf(format, args...), ErrInvalidConfig))
	}
	if len(c.Brokers) == 0 {
		bad("brokers", "at least one broker address is required")
	}
	for i, b := range c.Brokers {
		if host, port, ok := strings.Cut(b, ":"); !ok || host == "" || port == "" {
			bad(fmt.Sprintf("brokers[%d]", i), "%q is not host:port", b)
		}
	}
	if _, err := compressionCodec(c.Compression); err != nil {
		bad("compression", "%v", err)
	}
	if c.BatchTimeout < 0 {
		bad("batch_timeout", "must not be negative")
	}
	if c.BatchSize < 0 {
		bad("batch_size", "must not be negative")
	}
	if c.MaxWait < 0 {
		bad("max_wait", "must not be negative")
	}
	if c.Partitions < 0 {
		bad("partitions", "must not be negative")
	}
	if c.ReplicationFactor < 0 {
		bad("replication_factor", "must not be negative")
	}
	if strings.ContainsAny(c.TopicPrefix, " /\\") {
		bad("topic_prefix", "%q contains characters Kafka does not allow in topic names", c.TopicPrefix)
	}
	if c.TLS.CertFile != "" && c.TLS.KeyFile == "" {
		bad("tls.key_file", "required when tls.cert_file is set")
	}
	if c.TLS.KeyFile != "" && c.TLS.CertFile == "" {
		bad("tls.cert_file", "required when tls.key_file is set")
	}
	for key, path := range map[string]string{"tls.ca_file": c.TLS.CAFile, "tls.cert_file": c.TLS.CertFile, "tls.key_file": c.TLS.KeyFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			bad(key, "%v", err)
		}
	}
	errs = append(errs, c.SASL.validate()...)
	return errors.Join(errs...)
}

func (s *SASLConfig) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("kafka.sasl.%s: %s: %w", key, fmt.Sprintf(format, args...), ErrInvalidConfig))
	}
	switch s.Mechanism {
	case "":
		if s.Username != "" || s.Password != "" || s.PasswordFile != "" {
			bad("mechanism", "required when a username or password is set")
		}
		return errs
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
	default:
		bad("mechanism", "unknown mechanism %q (want %s, %s or %s)", s.Mechanism, MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512)
	}
	if s.Username == "" {
		bad("username", "required when sasl.mechanism is set")
	}
	switch {
	case s.Password != "" && s.PasswordFile != "":
		bad("password_file", "set either password or password_file, not both")
	case s.Password == "" && s.PasswordFile == "":
		bad("password", "required when sasl.mechanism is set (or set password_file)")
	case s.PasswordFile != "":
		if _, err := s.password(); err != nil {
			bad("password_file", "%v", err)
		}
	}
	return errs
}

// password returns the secret, reading PasswordFile when it is set.
func (s *SASLConfig) password() (string, error) {
	if s.PasswordFile == "" {
		return string(s.Password), nil
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("reading password file: %w", err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", fmt.Errorf("password file %s is empty", s.PasswordFile)
	}
	return p, nil
}

// String renders the configuration for logs with the password masked.
func (c Config) String() string {
	return fmt.Sprintf("kafka{brokers=%v client_id=%q compression=%s batch_timeout=%s batch_size=%d max_wait=%s tls=%t sasl=%s topic_prefix=%q partitions=%d replication_factor=%d}",
		c.Brokers, c.ClientID, c.Compression, c.BatchTimeout, c.BatchSize, c.MaxWait,
		c.TLS.Enabled, c.SASL, c.TopicPrefix, c.Partitions, c.ReplicationFactor)
}

// String renders the SASL settings with the password masked.
func (s SASLConfig) String() string {
	if s.Mechanism == "" {
		return "none"
	}
	return fmt.Sprintf("%s(user=%q password=%s password_file=%q)", s.Mechanism, s.Username, s.Password, s.PasswordFile)
}

func compressionCodec(name string) (kafka.Compression, error) {
	switch strings.ToLower(name) {
	case "", "none":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	case "zstd":
		return kafka.Zstd, nil
	}
	return 0, fmt.Errorf("unknown codec %q (want none, gzip, snappy, lz4 or zstd)", name)
}
