package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/chdb/chhttp"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/clickhouse/server"
)

// TestServerStoreUnavailableAndRecovers stops the HTTP interface under a
// ServerStore, sees every call fail as unavailable, and sees the store work
// again once the interface listens on the same address. The chhttp handler
// is served on a listener of the test's own so it can be restarted on one
// address.
func TestServerStoreUnavailableAndRecovers(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	handler, err := chhttp.Start(chhttp.Options{User: clickhousetest.User, Password: clickhousetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = handler.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serve := func(ln net.Listener) *http.Server {
		hs := &http.Server{Handler: handler}
		go func() { _ = hs.Serve(ln) }()
		return hs
	}
	hs := serve(ln)
	t.Cleanup(func() { _ = hs.Close() })

	cfg := clickhousetest.ServerConfig(addr, db.Database())
	cfg.DialTimeout = 2 * time.Second
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
		t.Fatal(err)
	}
	ins, _ := clickhousetest.KindsRows()
	if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins[:1]); err != nil {
		t.Fatal(err)
	}

	if err := hs.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"ping":   func() error { return s.Ping(ctx) },
		"exec":   func() error { return s.Exec(ctx, "SELECT 1") },
		"query":  func() error { _, err := s.Query(ctx, "SELECT count() AS n FROM kinds"); return err },
		"insert": func() error { return s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins[1:2]) },
	}
	for name, call := range calls {
		err := call()
		t.Logf("%s while stopped: %v", name, err)
		if err == nil || !clickhouse.IsUnavailable(err) || !errors.Is(err, clickhouse.ErrUnavailable) {
			t.Errorf("%s while stopped: %v (unavailable %v), want an unavailable error", name, err, clickhouse.IsUnavailable(err))
		}
	}
	if _, err := server.New(ctx, cfg); !clickhouse.IsUnavailable(err) {
		t.Errorf("NewServerStore while stopped: %v, want unavailable", err)
	}

	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	hs2 := serve(ln2)
	t.Cleanup(func() { _ = hs2.Close() })
	// A pooled connection from before the stop may fail once; a bounded
	// number of retries on unavailable errors is what the service does.
	var insertErr error
	for attempt := 0; attempt < 5; attempt++ {
		if insertErr = s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins[1:]); insertErr == nil || !clickhouse.IsUnavailable(insertErr) {
			break
		}
	}
	if insertErr != nil {
		t.Fatalf("insert after restart: %v", insertErr)
	}
	rows, err := s.Query(ctx, "SELECT count() AS n FROM kinds")
	if err != nil || len(rows) != 1 || rows[0].Int("n") != int64(len(ins)) {
		t.Fatalf("after restart: %v, %v; want %d rows", rows, err, len(ins))
	}
}

// TestServerStoreTLS runs the store over https: the chhttp handler behind
// a TLS listener with a test certificate. A client that does not trust the
// certificate fails with an error that is not retryable; a wrong password
// fails with ClickHouse's code 516, not retryable either.
func TestServerStoreTLS(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	handler, err := chhttp.Start(chhttp.Options{User: clickhousetest.User, Password: clickhousetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = handler.Close() })
	ts := httptest.NewUnstartedServer(handler)
	ts.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError) // the untrusting client's handshake error
	ts.StartTLS()
	t.Cleanup(ts.Close)
	addr := strings.TrimPrefix(ts.URL, "https://")

	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	cfg := clickhousetest.ServerConfig(addr, db.Database())
	cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
		t.Fatal(err)
	}
	ins, want := clickhousetest.KindsRows()
	if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins); err != nil {
		t.Fatal(err)
	}
	got, err := s.Query(ctx, clickhousetest.KindsSelect)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("over TLS: got %v, %v", got, err)
	}

	untrusted := clickhousetest.ServerConfig(addr, db.Database())
	untrusted.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	if _, err := server.New(ctx, untrusted); err == nil || clickhouse.IsUnavailable(err) {
		t.Errorf("untrusted certificate: %v (unavailable %v), want a fatal error", err, clickhouse.IsUnavailable(err))
	}
	wrong := cfg
	wrong.Password = "wrong"
	_, err = server.New(ctx, wrong)
	if code, _ := clickhouse.Code(err); code != 516 || clickhouse.IsUnavailable(err) {
		t.Errorf("wrong password: %v (code %d, unavailable %v), want fatal code 516", err, code, clickhouse.IsUnavailable(err))
	}
}

// TestServerStoreOptionsReachTheWire checks config that chhttp can observe:
// compression is requested on the wire (chhttp answers it with code 48,
// NOT_IMPLEMENTED, where a server would compress), and the native protocol
// dials its address (nothing listens there: unavailable).
func TestServerStoreOptionsReachTheWire(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	h, err := chhttp.Start(chhttp.Options{User: clickhousetest.User, Password: clickhousetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	for _, method := range []string{"lz4", "zstd"} {
		cfg := clickhousetest.ServerConfig(h.Addr(), db.Database())
		cfg.Compression = method
		_, err := server.New(ctx, cfg)
		if code, _ := clickhouse.Code(err); code != 48 {
			t.Errorf("compression %s over chhttp: %v, want code 48 (compression requested)", method, err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	_, err = server.New(ctx, server.Config{Addrs: []string{closed}, Protocol: "native", Compression: "lz4", DialTimeout: time.Second})
	if !clickhouse.IsUnavailable(err) {
		t.Errorf("native to a closed port: %v, want unavailable", err)
	}
}

func TestServerConfigValidation(t *testing.T) {
	for _, cfg := range []server.Config{
		{},
		{Addrs: []string{"127.0.0.1:1"}, Protocol: "grpc"},
		{Addrs: []string{"127.0.0.1:1"}, Compression: "gzip"},
	} {
		if _, err := server.New(context.Background(), cfg); !errors.Is(err, clickhouse.ErrInvalidConfig) {
			t.Errorf("%+v: %v, want clickhouse.ErrInvalidConfig", cfg, err)
		}
	}
}
