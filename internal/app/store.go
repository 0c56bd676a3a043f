package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/chdb"
)

// Store is an open audit store and how to release it.
type Store struct {
	auditor.Store
	close func() error
}

// Close releases the store's connections.
func (s *Store) Close() error { return s.close() }

// OpenStore opens the configured ClickHouse backend: the embedded engine (clickhouse.mode
// embedded) or a ClickHouse server through clickhouse-go (clickhouse.mode server). engine,
// when non-nil, is an embedded engine this process already runs (tollgate up).
func OpenStore(ctx context.Context, cfg *Config, engine *chdb.DB) (*Store, error) {
	ch := cfg.ClickHouse
	switch ch.Mode {
	case "embedded":
		if engine != nil {
			return &Store{Store: auditor.NewEmbeddedStore(engine), close: func() error { return nil }}, nil
		}
		db, err := chdb.Open(chdb.Options{LibPath: ch.Embedded.LibPath, DataDir: ch.Embedded.DataDir, Database: ch.Database})
		if err != nil {
			return nil, fmt.Errorf("clickhouse engine: %w", err)
		}
		return &Store{Store: auditor.NewEmbeddedStore(db), close: db.Close}, nil
	case "server":
		var tlsConf *tls.Config
		if ch.Server.TLS {
			tlsConf = &tls.Config{InsecureSkipVerify: ch.Server.InsecureSkipVerify} //nolint:gosec // opt-in for testing
			if ch.Server.CAFile != "" {
				pem, err := os.ReadFile(ch.Server.CAFile)
				if err != nil {
					return nil, fmt.Errorf("clickhouse.server.ca_file: %w", err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					return nil, fmt.Errorf("clickhouse.server.ca_file: %s holds no PEM certificate", ch.Server.CAFile)
				}
				tlsConf.RootCAs = pool
			}
		}
		s, err := auditor.NewServerStore(ctx, auditor.ServerConfig{
			Addrs: ch.Server.Addrs, Database: ch.Database, Username: ch.Server.Username,
			Password: ch.Server.Password.Reveal(), TLS: tlsConf, Compression: ch.Server.Compression,
			DialTimeout: ch.Server.DialTimeout.D(), Settings: ch.Server.Settings,
		})
		if err != nil {
			return nil, fmt.Errorf("clickhouse server: %w", err)
		}
		return &Store{Store: s, close: s.Close}, nil
	}
	return nil, fmt.Errorf("clickhouse.mode %q is not embedded or server", ch.Mode)
}

// MigrateStore applies the pending migrations for the configured form.
func MigrateStore(ctx context.Context, cfg *Config, s auditor.Store) ([]int, error) {
	return auditor.Migrate(ctx, s, auditor.MigrateOptions{Cluster: cfg.ClickHouse.Cluster != "", RawTTLDays: cfg.Auditor.RawTTLDays})
}
