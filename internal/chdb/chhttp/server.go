// Package chhttp serves ClickHouse's HTTP interface from the embedded engine
// on 127.0.0.1, so code written against clickhouse-go (Protocol: HTTP) can be
// tested with the real engine and no server. It is test support only.
//
// What it covers: the database URL parameter, settings as URL parameters,
// Basic and X-ClickHouse-User/Key authentication, SQL in the body or the
// query parameter, INSERT … FORMAT <fmt> with a streamed (chunked) body,
// engine errors as non-200 "Code: N. DB::Exception: …" with
// X-ClickHouse-Exception-Code, and empty results as Content-Length 0.
//
// What it cannot reproduce (tests must not rely on it): compressed requests
// or responses (compress=1 / decompress=1 are refused), server-side query
// parameters (param_*), mid-stream exceptions, query cancellation, sessions,
// and a real server's per-revision serialization: the engine writes Native at
// protocol revision 0, so the client's connect query is answered with
// revision() = 0 and the client then reads the engine's bytes as they are.
// A database named in the URL is created if it does not exist.
package chhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-io/tollgate/internal/chdb"
)

// Options configures a Server.
type Options struct {
	// User and Password are the only credentials accepted. An empty User
	// accepts any request, as a default ClickHouse user without password.
	User, Password string
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Server answers ClickHouse HTTP requests with the process's engine.
type Server struct {
	opts Options
	dir  string
	ln   net.Listener
	srv  *http.Server
}

// Start listens on 127.0.0.1 (a free port) and serves until Close. The
// engine must already be booted by chdb.Open (for tests: chdbtest).
func Start(opts Options) (*Server, error) {
	dir := chdb.DataDir()
	if dir == "" {
		return nil, errors.New("chhttp: the engine is not running; open it with chdb.Open first")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chhttp: listen: %w", err)
	}
	s := &Server{opts: opts, dir: dir, ln: ln}
	s.srv = &http.Server{Handler: s}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// paramsNotSettings are URL parameters of the HTTP interface that are not
// ClickHouse settings.
var paramsNotSettings = map[string]bool{
	"database": true, "default_format": true, "client_protocol_version": true, "query_id": true,
	"quota_key": true, "query": true, "user": true, "password": true, "compress": true, "decompress": true,
}

// ServeHTTP handles one request on a dedicated engine connection carrying
// the request's settings and database, closed when the request ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ping" {
		_, _ = io.WriteString(w, "Ok.\n")
		return
	}
	q := r.URL.Query()
	if !s.authorized(r, q) {
		writeError(w, http.StatusUnauthorized, &chdb.EngineError{Code: 516, Name: "AUTHENTICATION_FAILED",
			Message: "Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)"})
		return
	}
	if q.Get("compress") == "1" || q.Get("decompress") == "1" || r.Header.Get("Content-Encoding") != "" {
		writeError(w, http.StatusNotImplemented, &chdb.EngineError{Code: 48, Name: "NOT_IMPLEMENTED",
			Message: "Code: 48. DB::Exception: chhttp does not support compressed requests or responses. (NOT_IMPLEMENTED)"})
		return
	}
	settings := map[string]string{}
	for k, v := range q {
		if strings.HasPrefix(k, "param_") {
			writeError(w, http.StatusNotImplemented, &chdb.EngineError{Code: 48, Name: "NOT_IMPLEMENTED",
				Message: "Code: 48. DB::Exception: chhttp does not support server-side query parameters (" + k + "). (NOT_IMPLEMENTED)"})
			return
		}
		if !paramsNotSettings[k] && len(v) > 0 {
			settings[k] = v[len(v)-1]
		}
	}
	db, err := chdb.Open(chdb.Options{DataDir: s.dir, PoolSize: 1, Database: q.Get("database"), Settings: settings})
	if err != nil {
		writeErr(w, err)
		return
	}
	defer db.Close()

	sql := q.Get("query")
	if table, format, ok := SplitInsert(sql); ok {
		n, err := db.Insert(r.Context(), table, format, r.Body)
		s.opts.Logger.Debug("chhttp insert", "table", table, "format", format, "rows", n, "err", err)
		if err != nil {
			writeErr(w, err)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, fmt.Errorf("read body: %w", err))
		return
	}
	if len(body) > 0 {
		if sql != "" {
			sql += " "
		}
		sql += string(body)
	}
	out, err := s.query(r.Context(), db, sql, q.Get("default_format"))
	s.opts.Logger.Debug("chhttp query", "sql", sql, "bytes", len(out), "err", err)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func (s *Server) query(ctx context.Context, db *chdb.DB, sql, format string) ([]byte, error) {
	if isHandshake(sql) {
		return handshake(ctx, db)
	}
	if format == "" {
		format = chdb.DefaultFormat
	}
	return db.Query(ctx, sql, format)
}

func (s *Server) authorized(r *http.Request, q map[string][]string) bool {
	if s.opts.User == "" {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		user, pass = r.Header.Get("X-ClickHouse-User"), r.Header.Get("X-ClickHouse-Key")
	}
	if user == "" {
		if u := q["user"]; len(u) > 0 {
			user = u[0]
		}
		if p := q["password"]; len(p) > 0 {
			pass = p[0]
		}
	}
	return user == s.opts.User && pass == s.opts.Password
}

// SplitInsert turns "INSERT INTO t (a, b) FORMAT Native" into the target
// "t (a, b)" and the format "Native". Statements without a trailing FORMAT
// clause are not streamed inserts.
func SplitInsert(sql string) (table, format string, ok bool) {
	s := strings.TrimSpace(sql)
	const prefix = "INSERT INTO "
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", "", false
	}
	// Upper-case ASCII letters only: strings.ToUpper would turn invalid UTF-8 into
	// multi-byte replacement characters and shift every index after it.
	i := strings.LastIndex(asciiUpper(s), " FORMAT ")
	// The match may share its leading space with the prefix ("INSERT INTO FORMAT x").
	if i < len(prefix) {
		return "", "", false
	}
	format = strings.TrimSpace(s[i+len(" FORMAT "):])
	if format == "" || strings.ContainsAny(format, " \t\n") {
		return "", "", false
	}
	table = strings.TrimSpace(s[len(prefix):i])
	if table == "" {
		return "", "", false
	}
	return table, format, true
}

// asciiUpper upper-cases ASCII letters byte for byte, keeping every index of s.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func writeErr(w http.ResponseWriter, err error) {
	var ee *chdb.EngineError
	if !errors.As(err, &ee) {
		ee = &chdb.EngineError{Code: 1000, Message: "Code: 1000. DB::Exception: " + err.Error()}
	}
	status := http.StatusInternalServerError
	switch ee.Code {
	case 62: // SYNTAX_ERROR
		status = http.StatusBadRequest
	case 60, 81: // UNKNOWN_TABLE, UNKNOWN_DATABASE
		status = http.StatusNotFound
	}
	writeError(w, status, ee)
}

func writeError(w http.ResponseWriter, status int, ee *chdb.EngineError) {
	w.Header().Set("X-ClickHouse-Exception-Code", strconv.Itoa(ee.Code))
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, ee.Message+"\n")
}
