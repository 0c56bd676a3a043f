// Package clickhousetest opens each clickhouse.Store backend on a fresh database of the
// test process's engine, so that one test can run on every backend. The server backend
// talks HTTP to chhttp, which serves ClickHouse's HTTP interface from the in-process
// engine: it runs with Protocol http and Compression none (chhttp refuses compressed
// requests, and the native protocol has no in-process server). What chhttp cannot
// reproduce (a real server's per-revision serialization, mid-stream exceptions, result
// compression) is not covered by such tests.
package clickhousetest

import (
	"context"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/chdb/chhttp"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/internal/clickhouse/server"
)

// User and Password are the credentials chhttp accepts from the server backend.
const (
	User     = "tollgate"
	Password = "contract-pw"
)

// Backend is one Store implementation and how to open it on a fresh, empty database.
type Backend struct {
	Name string
	Open func(t testing.TB) clickhouse.Store
}

// Backends are every Store implementation, embedded first.
var Backends = []Backend{
	{"embedded", func(t testing.TB) clickhouse.Store { return Embedded(t) }},
	{"server-http", func(t testing.TB) clickhouse.Store { return Server(t) }},
}

// Embedded returns the embedded backend on a fresh test database.
func Embedded(t testing.TB) *embedded.Store {
	t.Helper()
	return embedded.New(chdbtest.OpenForTest(t))
}

// Server returns the server backend over chhttp on a fresh test database.
func Server(t testing.TB) *server.Store {
	t.Helper()
	db := chdbtest.OpenForTest(t)
	srv, err := chhttp.Start(chhttp.Options{User: User, Password: Password})
	if err != nil {
		t.Fatalf("chhttp: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s, err := server.New(context.Background(), ServerConfig(srv.Addr(), db.Database()))
	if err != nil {
		t.Fatalf("new server store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// ServerConfig is the server backend's configuration for a chhttp listening on addr,
// with database as the current database.
func ServerConfig(addr, database string) server.Config {
	return server.Config{
		Addrs: []string{addr}, Database: database, Username: User, Password: Password,
		Protocol: "http", Compression: "none", // chhttp refuses compression
		Settings: map[string]string{"max_threads": "2"},
	}
}
