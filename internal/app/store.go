package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/internal/clickhouse/server"
)

// Store is an open audit store and how to release it.
type Store struct {
	clickhouse.ColumnQuerier
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
			return &Store{ColumnQuerier: embedded.New(engine), close: func() error { return nil }}, nil
		}
		db, err := chdb.Open(chdb.Options{LibPath: ch.Embedded.LibPath, DataDir: ch.Embedded.DataDir, Database: ch.Database})
		if err != nil {
			return nil, fmt.Errorf("clickhouse engine: %w", err)
		}
		return &Store{ColumnQuerier: embedded.New(db), close: db.Close}, nil
	case "server":
		return openServerStore(ctx, cfg, ch.Server.Username, ch.Server.Password.Reveal(), ch.Server.Settings)
	}
	return nil, fmt.Errorf("clickhouse.mode %q is not embedded or server", ch.Mode)
}

// OpenQueryStore opens the store that analysts' queries run on (tollgate query and the
// console): on the embedded engine a pool of its own whose connections have
// clickhouse.ReadOnlySettings; on a server the read-only clickhouse.server.query_username with
// readonly=1 on every query. The auditor's writing store is never used for them.
func OpenQueryStore(ctx context.Context, cfg *Config, log *slog.Logger) (*Store, error) {
	ch := cfg.ClickHouse
	switch ch.Mode {
	case "embedded":
		db, err := chdb.Open(chdb.Options{LibPath: ch.Embedded.LibPath, DataDir: ch.Embedded.DataDir, Database: ch.Database,
			PoolSize: 2, Settings: clickhouse.ReadOnlySettings})
		if err != nil {
			return nil, fmt.Errorf("clickhouse engine: %w", err)
		}
		return &Store{ColumnQuerier: embedded.New(db), close: db.Close}, nil
	case "server":
		user, password := ch.Server.QueryUsername, ch.Server.QueryPassword.Reveal()
		if user == "" {
			if log != nil {
				log.Warn("clickhouse.server.query_username is not set: analysts' queries run as the writing user, held only by readonly=1 per query; configure a read-only user (docs/operations.md)")
			}
			user, password = ch.Server.Username, ch.Server.Password.Reveal()
		}
		settings := map[string]string{}
		for k, v := range ch.Server.Settings {
			settings[k] = v
		}
		settings["readonly"] = "1"
		return openServerStore(ctx, cfg, user, password, settings)
	}
	return nil, fmt.Errorf("clickhouse.mode %q is not embedded or server", ch.Mode)
}

func openServerStore(ctx context.Context, cfg *Config, user, password string, settings map[string]string) (*Store, error) {
	ch := cfg.ClickHouse
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
	s, err := server.New(ctx, server.Config{
		Addrs: ch.Server.Addrs, Database: ch.Database, Username: user,
		Password: password, TLS: tlsConf, Compression: ch.Server.Compression,
		DialTimeout: ch.Server.DialTimeout.D(), Settings: settings,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse server: %w", err)
	}
	return &Store{ColumnQuerier: s, close: s.Close}, nil
}

// MigrateStore applies the pending migrations for the configured form.
func MigrateStore(ctx context.Context, cfg *Config, s clickhouse.Store) ([]int, error) {
	return clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{Cluster: cfg.ClickHouse.Cluster != "", RawTTLDays: cfg.Auditor.RawTTLDays})
}
