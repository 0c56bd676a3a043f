package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// tlsConfig builds the client TLS configuration, or nil when TLS is off.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS.Enabled {
		return nil, nil
	}
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.TLS.ServerName,
		InsecureSkipVerify: c.TLS.InsecureSkipVerify, //nolint:gosec // an explicit operator choice, off by default
	}
	if c.TLS.CAFile != "" {
		pem, err := os.ReadFile(c.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka.tls.ca_file: no PEM certificates in %s: %w", c.TLS.CAFile, ErrInvalidConfig)
		}
		tc.RootCAs = pool
	}
	if c.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// saslMechanism builds the SASL mechanism, or nil when SASL is off.
func (c *Config) saslMechanism() (sasl.Mechanism, error) {
	if c.SASL.Mechanism == "" {
		return nil, nil
	}
	pass, err := c.SASL.password()
	if err != nil {
		return nil, fmt.Errorf("kafka.sasl.password_file: %w", err)
	}
	switch c.SASL.Mechanism {
	case MechanismPlain:
		return plain.Mechanism{Username: c.SASL.Username, Password: pass}, nil
	case MechanismSCRAMSHA256:
		return scram.Mechanism(scram.SHA256, c.SASL.Username, pass)
	case MechanismSCRAMSHA512:
		return scram.Mechanism(scram.SHA512, c.SASL.Username, pass)
	}
	return nil, fmt.Errorf("kafka.sasl.mechanism: unknown mechanism %q: %w", c.SASL.Mechanism, ErrInvalidConfig)
}

// transport builds the kafka-go transport used by writers and clients.
func (c *Config) transport() (*kafka.Transport, error) {
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	mech, err := c.saslMechanism()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{
		ClientID:    c.clientID(),
		DialTimeout: c.dialTimeout(),
		TLS:         tc,
		SASL:        mech,
		// Metadata is refreshed on errors anyway; a short TTL lets a
		// restarted broker be noticed quickly.
		MetadataTTL: 10 * time.Second,
	}, nil
}

// dialer builds the kafka-go dialer used by readers.
func (c *Config) dialer() (*kafka.Dialer, error) {
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	mech, err := c.saslMechanism()
	if err != nil {
		return nil, err
	}
	return &kafka.Dialer{
		ClientID:      c.clientID(),
		Timeout:       c.dialTimeout(),
		DualStack:     true,
		TLS:           tc,
		SASLMechanism: mech,
	}, nil
}

func (c *Config) clientID() string {
	if c.ClientID == "" {
		return DefaultClientID
	}
	return c.ClientID
}

func (c *Config) dialTimeout() time.Duration {
	if c.DialTimeout <= 0 {
		return DefaultDialTimeout
	}
	return c.DialTimeout.D()
}
