package auditor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/chdb/chhttp"
	"github.com/tollgate-io/tollgate/schemas"
)

// The server backend is tested against the real engine through chhttp,
// which serves ClickHouse's HTTP interface from the in-process engine. So
// ServerStore runs with Protocol http and Compression none: chhttp refuses
// compressed requests, and the native protocol has no in-process server.
// What chhttp cannot reproduce (a real server's per-revision serialization,
// mid-stream exceptions, result compression) is not covered here.

const (
	contractUser     = "tollgate"
	contractPassword = "contract-pw"
)

// storeBackends are the Store implementations the contract suite runs on.
var storeBackends = []struct {
	name string
	open func(t testing.TB) Store
}{
	{"embedded", func(t testing.TB) Store { return newStore(t) }},
	{"server-http", func(t testing.TB) Store { return newServerStoreForTest(t) }},
}

// newServerStoreForTest returns a ServerStore over chhttp on a fresh test
// database of the process's engine.
func newServerStoreForTest(t testing.TB) *ServerStore {
	t.Helper()
	db := chdbtest.OpenForTest(t)
	srv, err := chhttp.Start(chhttp.Options{User: contractUser, Password: contractPassword})
	if err != nil {
		t.Fatalf("chhttp: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s, err := NewServerStore(context.Background(), serverConfigForTest(srv.Addr(), db.Database()))
	if err != nil {
		t.Fatalf("new server store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func serverConfigForTest(addr, database string) ServerConfig {
	return ServerConfig{
		Addrs: []string{addr}, Database: database, Username: contractUser, Password: contractPassword,
		Protocol: "http", Compression: "none", // chhttp refuses compression
		Settings: map[string]string{"max_threads": "2"},
	}
}

func TestStoreContract(t *testing.T) {
	for _, b := range storeBackends {
		t.Run(b.name, func(t *testing.T) {
			runStoreContract(t, func(t *testing.T) Store { return b.open(t) })
		})
	}
}

// kindsDDL has a column of every type the auditor's tables use.
const kindsDDL = `CREATE TABLE kinds (
	id UInt64,
	s String,
	lc LowCardinality(String),
	ts DateTime64(3, 'UTC'),
	nts Nullable(DateTime64(3, 'UTC')),
	nb Nullable(Bool),
	arr Array(String),
	m Map(String, String),
	i32 Int32,
	e Enum8('OPEN' = 1, 'RESOLVED' = 2),
	b Bool,
	i64 Int64
) ENGINE = MergeTree ORDER BY id`

var kindsColumns = []string{"id", "s", "lc", "ts", "nts", "nb", "arr", "m", "i32", "e", "b", "i64"}

const kindsSelect = `SELECT id, s, lc, toUnixTimestamp64Milli(ts) AS ts_ms, ts, toUnixTimestamp64Milli(nts) AS nts_ms,
	nb, arr, m, i32, e, b, i64 FROM kinds ORDER BY id`

var kindsTime = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// kindsRows are insert values of every Store insert type, with the rows
// Query must return for them on every backend.
func kindsRows() (ins [][]any, want []Row) {
	later := kindsTime.Add(36 * time.Hour)
	yes, no := true, false
	ins = [][]any{
		{uint64(1), "plain", "okta", kindsTime, &later, &yes, []string{"a", "b"}, map[string]string{"k": "v"}, int32(-7), "OPEN", true, int64(-1) << 40},
		{uint64(2), `quote " back \ tab	nl
 é ✓`, "entra", kindsTime, (*time.Time)(nil), (*bool)(nil), []string{}, map[string]string{}, int32(3006), "RESOLVED", false, int64(0)},
		{uint64(1) << 63, "", "", later, &later, &no, []string(nil), map[string]string(nil), int32(0), "OPEN", true, int64(1) << 62},
	}
	want = []Row{
		{"id": uint64(1), "s": "plain", "lc": "okta", "ts_ms": kindsTime.UnixMilli(), "ts": "2026-03-02 09:15:30.123",
			"nts_ms": later.UnixMilli(), "nb": true, "arr": []string{"a", "b"}, "m": map[string]any{"k": "v"},
			"i32": int64(-7), "e": "OPEN", "b": true, "i64": int64(-1) << 40},
		{"id": uint64(2), "s": "quote \" back \\ tab\tnl\n é ✓", "lc": "entra", "ts_ms": kindsTime.UnixMilli(), "ts": "2026-03-02 09:15:30.123",
			"nts_ms": nil, "nb": nil, "arr": []string{}, "m": map[string]any{},
			"i32": int64(3006), "e": "RESOLVED", "b": false, "i64": int64(0)},
		{"id": uint64(1) << 63, "s": "", "lc": "", "ts_ms": later.UnixMilli(), "ts": "2026-03-03 21:15:30.123",
			"nts_ms": later.UnixMilli(), "nb": false, "arr": []string{}, "m": map[string]any{},
			"i32": int64(0), "e": "OPEN", "b": true, "i64": int64(1) << 62},
	}
	return ins, want
}

// runStoreContract is what the auditor relies on from any Store. newStore
// returns a Store on a fresh, empty database.
func runStoreContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()

	t.Run("ExecDDLInsertQueryEveryType", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, kindsDDL); err != nil {
			t.Fatalf("create: %v", err)
		}
		ins, want := kindsRows()
		if err := s.Insert(ctx, "kinds", kindsColumns, ins); err != nil {
			t.Fatalf("insert: %v", err)
		}
		got, err := s.Query(ctx, kindsSelect)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d rows, want %d: %v", len(got), len(want), got)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("row %d:\n got %s\nwant %s", i, showRow(got[i]), showRow(want[i]))
			}
		}
		// The Row accessors give back what was inserted.
		r := got[0]
		if !r.Time("ts_ms").Equal(kindsTime) || r.NullTime("nts_ms") == nil || !r.Bool("b") ||
			r.NullBool("nb") == nil || !*r.NullBool("nb") || r.Int("i32") != -7 || !reflect.DeepEqual(r.Strings("arr"), []string{"a", "b"}) {
			t.Errorf("accessors of row 0 disagree with the inserted values: %s", showRow(r))
		}
		if got[1].NullTime("nts_ms") != nil || got[1].NullBool("nb") != nil {
			t.Errorf("NULLs of row 1 read as values: %s", showRow(got[1]))
		}
	})

	t.Run("InsertIsVisibleAtOnceAndCountsEveryRow", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, kindsDDL); err != nil {
			t.Fatal(err)
		}
		const n = 5000
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{uint64(i), fmt.Sprintf("s%d", i), "okta", kindsTime.Add(time.Duration(i) * time.Millisecond),
				nil, nil, []string{fmt.Sprint(i)}, map[string]string{"i": fmt.Sprint(i)}, int32(i), "OPEN", i%2 == 0, int64(i)}
		}
		for round := 1; round <= 2; round++ {
			if err := s.Insert(ctx, "kinds", kindsColumns, rows); err != nil {
				t.Fatalf("insert round %d: %v", round, err)
			}
			got, err := s.Query(ctx, "SELECT count() AS n, sum(i64) AS total, countIf(b) AS evens, uniqExact(id) AS ids FROM kinds")
			if err != nil {
				t.Fatal(err)
			}
			want := Row{"n": uint64(n * round), "total": int64(n * (n - 1) / 2 * round), "evens": uint64(n / 2 * round), "ids": uint64(n)}
			if !reflect.DeepEqual(got, []Row{want}) {
				t.Fatalf("after round %d: got %v, want %v", round, got, want)
			}
		}
		if err := s.Insert(ctx, "kinds", kindsColumns, nil); err != nil {
			t.Errorf("insert of no rows: %v", err)
		}
		if err := s.Insert(ctx, "kinds", kindsColumns, [][]any{{uint64(1)}}); err == nil {
			t.Error("insert of a short row succeeded")
		}
	})

	t.Run("EmptyResult", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, kindsDDL); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT 1 AS x WHERE 0", kindsSelect} {
			got, err := s.Query(ctx, q)
			if err != nil || len(got) != 0 {
				t.Errorf("%s: got %v, %v; want no rows, no error", q, got, err)
			}
		}
	})

	t.Run("PlaceholderTextIsNotBound", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Query(ctx, "SELECT '?' AS q, '$1' AS d, '@x' AS n, concat('{a', ':String}') AS p")
		want := []Row{{"q": "?", "d": "$1", "n": "@x", "p": "{a:String}"}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
		if err := s.Exec(ctx, "SELECT '?'"); err != nil {
			t.Fatalf("exec with '?' literal: %v", err)
		}
	})

	t.Run("ErrorsCarryClickHouseCodeAndAreNotRetryable", func(t *testing.T) {
		s := newStore(t)
		for _, tc := range []struct {
			run  func() error
			code int
			text string
		}{
			{func() error { return s.Exec(ctx, "CREAT TABLE x (a UInt8) ENGINE = Memory") }, 62, "Syntax error"},
			{func() error { _, err := s.Query(ctx, "SELEC 1"); return err }, 62, "Syntax error"},
			{func() error { _, err := s.Query(ctx, "SELECT * FROM no_such_table"); return err }, 60, "no_such_table"},
			{func() error {
				return s.Insert(ctx, "no_such_table", []string{"a"}, [][]any{{"x"}})
			}, 60, "no_such_table"},
		} {
			err := tc.run()
			if err == nil {
				t.Errorf("want error code %d, got none", tc.code)
				continue
			}
			if code, ok := ClickHouseCode(err); !ok || code != tc.code {
				t.Errorf("%v: code %d (%v), want %d", err, code, ok, tc.code)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("%v: message lacks %q", err, tc.text)
			}
			if IsUnavailable(err) {
				t.Errorf("%v: classified unavailable, want fatal", err)
			}
		}
	})

	t.Run("MigrateIdempotent", func(t *testing.T) {
		s := newStore(t)
		applied, err := Migrate(ctx, s, MigrateOptions{})
		if err != nil || len(applied) == 0 {
			t.Fatalf("first migrate: %v, %v", applied, err)
		}
		again, err := Migrate(ctx, s, MigrateOptions{})
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
		}
		if v, err := SchemaVersion(ctx, s); err != nil || v != LatestVersion() {
			t.Fatalf("schema version %d, %v; want %d", v, err, LatestVersion())
		}
		rows, err := s.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'grants', 'tickets', 'credentials', 'findings', 'open_findings') ORDER BY name")
		if err != nil || len(rows) != 6 {
			t.Fatalf("tables after migrate: %v, %v", rows, err)
		}
	})

	t.Run("AuditorScenario", func(t *testing.T) {
		got := runContractScenario(t, newStore(t))
		want := []string{
			"OPEN " + KindOverBroadGrant + " alice@corp.example [OKTA:c1]",
			"OPEN " + KindUnticketedAccessChange + " alice@corp.example [OKTA:c1]",
			"RESOLVED " + KindUnticketedAccessChange + " bob@corp.example [OKTA:c2]",
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("findings:\n got %q\nwant %q", got, want)
		}
	})
}

// runContractScenario plants a small scenario: an unticketed admin grant to
// alice (two findings), and an unticketed grant to bob that a late ticket
// resolves; then it writes everything again. It returns every finding as
// "STATUS KIND PRINCIPAL [EVENTS]", sorted.
func runContractScenario(t *testing.T, s Store) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := start
	a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	p := func(id string) *schemas.Principal {
		return &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalHuman}
	}
	grant := func(eid, subject, ent string, priv schemas.Privilege) schemas.RoutedEvent {
		return schemas.RoutedEvent{
			Event: schemas.IdentityEvent{EventID: eid, Source: schemas.SourceOkta, SourceEventType: "group.user_membership.add",
				Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant, OccurredAt: start, IngestedAt: start,
				Outcome: schemas.OutcomeSuccess, Actor: p("it-admin@corp.example"), Subject: p(subject),
				Entitlement: &schemas.Entitlement{ID: ent, Name: ent, Kind: schemas.EntitlementGroup, Privilege: priv, System: "okta"},
				Attributes:  map[string]string{"k": "v"}, Raw: []byte(`{"x":1}`)},
			Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactHigh, RuleID: "r", DecidedAt: start},
		}
	}
	due := start.Add(60 * 24 * time.Hour)
	approved := start.Add(30 * time.Minute)
	ticket := schemas.RoutedEvent{
		Event: schemas.IdentityEvent{EventID: "SERVICENOW:c3", Source: schemas.SourceServiceNow, SourceEventType: "test",
			Category: schemas.CategoryTicket, Action: schemas.ActionTicketApproved, OccurredAt: approved, IngestedAt: approved,
			Outcome: schemas.OutcomeSuccess,
			Ticket: &schemas.Ticket{ID: "RITM0900", System: "servicenow", Kind: schemas.TicketServiceRequest, State: "approved",
				Approval: schemas.ApprovalApproved, Approver: p("carol@corp.example"), Requester: p("bob@corp.example"),
				RequestedFor: p("bob@corp.example"), RequestedEntitlement: new("wiki-editors"),
				Justification: new("project X"), ReviewDue: &due}},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "t", DecidedAt: approved},
	}
	first := []schemas.RoutedEvent{
		grant("OKTA:c1", "alice@corp.example", "Super Administrator", schemas.PrivilegeAdmin),
		grant("OKTA:c2", "bob@corp.example", "wiki-editors", schemas.PrivilegeWrite),
	}
	if _, err := a.WriteBatch(ctx, first); err != nil {
		t.Fatalf("write first batch: %v", err)
	}
	now = approved
	if _, err := a.WriteBatch(ctx, []schemas.RoutedEvent{ticket}); err != nil {
		t.Fatalf("write ticket: %v", err)
	}
	if changed, err := a.WriteBatch(ctx, append(first, ticket)); err != nil || len(changed) != 0 {
		t.Fatalf("duplicate delivery changed %v, %v", changed, err)
	}
	fs, err := a.Findings(ctx, FindingFilter{})
	if err != nil {
		t.Fatalf("findings: %v", err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %v", f.Status, f.Kind, f.Principal, f.EventIDs))
	}
	sort.Strings(out)
	return out
}

// TestStoreBackendsReturnIdenticalRows runs the same queries over types
// beyond the auditor's tables on both backends and compares the rows value
// for value, so a query through `tollgate query` prints the same on either.
func TestStoreBackendsReturnIdenticalRows(t *testing.T) {
	ctx := context.Background()
	queries := []string{
		kindsSelect,
		`SELECT toUInt8(200) AS u8, toInt16(-300) AS i16, toUInt32(4000000000) AS u32, toFloat64(0.25) AS f,
			toDate('2026-03-02') AS d, toDateTime('2026-03-02 10:11:12', 'UTC') AS dt, toDateTime64('2026-03-02 10:11:12.5', 6, 'UTC') AS dt6,
			toUUID('6a1c1c1e-0f5b-4c47-9b0e-1f6ad3d0b0a1') AS uuid, [1, 2, 3]::Array(UInt32) AS au, [NULL, 'x']::Array(Nullable(String)) AS an,
			map('a', 1, 'b', 2)::Map(String, UInt64) AS mu, map('a', 1)::Map(String, UInt16) AS m16,
			CAST('b', 'Enum16(\'a\' = 1, \'b\' = 2)') AS e16, NULL::Nullable(Int32) AS ni, toNullable(toInt32(5)) AS nv,
			toLowCardinality(toNullable('lc')) AS lcn, true AS bt, [[1, 2], [3]]::Array(Array(UInt8)) AS aa`,
		"SELECT number AS n, toString(number) AS s FROM numbers(1000) ORDER BY n",
	}
	results := make(map[string][][]Row)
	for _, b := range storeBackends {
		s := b.open(t)
		if err := s.Exec(ctx, kindsDDL); err != nil {
			t.Fatal(err)
		}
		ins, _ := kindsRows()
		if err := s.Insert(ctx, "kinds", kindsColumns, ins); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			rows, err := s.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %s: %v", b.name, q, err)
			}
			results[b.name] = append(results[b.name], rows)
		}
	}
	emb, srv := results["embedded"], results["server-http"]
	for qi, q := range queries {
		if len(emb[qi]) != len(srv[qi]) || len(emb[qi]) == 0 {
			t.Errorf("query %d: embedded %d rows, server %d", qi, len(emb[qi]), len(srv[qi]))
			continue
		}
		for i := range emb[qi] {
			e, s := emb[qi][i], srv[qi][i]
			for c, ev := range e {
				if sv, ok := s[c]; !ok || !reflect.DeepEqual(ev, sv) {
					t.Errorf("query %d row %d column %s: embedded %#v, server %#v\n%s", qi, i, c, ev, s[c], q)
				}
			}
			if len(e) != len(s) {
				t.Errorf("query %d row %d: embedded has %d columns, server %d", qi, i, len(e), len(s))
			}
		}
	}
}

// TestServerStoreUnavailableAndRecovers stops the HTTP interface under a
// ServerStore, sees every call fail as unavailable, and sees the store work
// again once the interface listens on the same address. The chhttp handler
// is served on a listener of the test's own so it can be restarted on one
// address.
func TestServerStoreUnavailableAndRecovers(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	handler, err := chhttp.Start(chhttp.Options{User: contractUser, Password: contractPassword})
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

	cfg := serverConfigForTest(addr, db.Database())
	cfg.DialTimeout = 2 * time.Second
	s, err := NewServerStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Exec(ctx, kindsDDL); err != nil {
		t.Fatal(err)
	}
	ins, _ := kindsRows()
	if err := s.Insert(ctx, "kinds", kindsColumns, ins[:1]); err != nil {
		t.Fatal(err)
	}

	if err := hs.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"ping":   func() error { return s.Ping(ctx) },
		"exec":   func() error { return s.Exec(ctx, "SELECT 1") },
		"query":  func() error { _, err := s.Query(ctx, "SELECT count() AS n FROM kinds"); return err },
		"insert": func() error { return s.Insert(ctx, "kinds", kindsColumns, ins[1:2]) },
	}
	for name, call := range calls {
		err := call()
		t.Logf("%s while stopped: %v", name, err)
		if err == nil || !IsUnavailable(err) || !errors.Is(err, ErrStoreUnavailable) {
			t.Errorf("%s while stopped: %v (unavailable %v), want an unavailable error", name, err, IsUnavailable(err))
		}
	}
	if _, err := NewServerStore(ctx, cfg); !IsUnavailable(err) {
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
		if insertErr = s.Insert(ctx, "kinds", kindsColumns, ins[1:]); insertErr == nil || !IsUnavailable(insertErr) {
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
	handler, err := chhttp.Start(chhttp.Options{User: contractUser, Password: contractPassword})
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
	cfg := serverConfigForTest(addr, db.Database())
	cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s, err := NewServerStore(ctx, cfg)
	if err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Exec(ctx, kindsDDL); err != nil {
		t.Fatal(err)
	}
	ins, want := kindsRows()
	if err := s.Insert(ctx, "kinds", kindsColumns, ins); err != nil {
		t.Fatal(err)
	}
	got, err := s.Query(ctx, kindsSelect)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("over TLS: got %v, %v", got, err)
	}

	untrusted := serverConfigForTest(addr, db.Database())
	untrusted.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	if _, err := NewServerStore(ctx, untrusted); err == nil || IsUnavailable(err) {
		t.Errorf("untrusted certificate: %v (unavailable %v), want a fatal error", err, IsUnavailable(err))
	}
	wrong := cfg
	wrong.Password = "wrong"
	_, err = NewServerStore(ctx, wrong)
	if code, _ := ClickHouseCode(err); code != 516 || IsUnavailable(err) {
		t.Errorf("wrong password: %v (code %d, unavailable %v), want fatal code 516", err, code, IsUnavailable(err))
	}
}

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("something else"), false},
		{fmt.Errorf("wrapped: %w", refused), true},
		{&url.Error{Op: "Post", URL: "http://x", Err: refused}, true},
		{&url.Error{Op: "Post", URL: "http://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("op: %w", context.Canceled), false},
		{io.ErrUnexpectedEOF, true},
		{&clickhouse.Exception{Code: 252, Message: "Too many parts"}, true},
		{&clickhouse.Exception{Code: 62, Message: "Syntax error"}, false},
		{&clickhouse.HTTPError{StatusCode: 503, Err: errors.New("upstream down")}, true},
		{&clickhouse.HTTPError{StatusCode: 400, Err: errors.New("bad")}, false},
		{&clickhouse.HTTPError{StatusCode: 500, Err: &clickhouse.Exception{Code: 242, Message: "read only"}}, true},
		{&chdb.EngineError{Code: 241, Message: "Code: 241. Memory limit exceeded"}, true},
		{&chdb.EngineError{Code: 60, Message: "Code: 60. Unknown table"}, false},
		{storeError("ping", refused), true},
	} {
		if got := IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if err := storeError("ping", refused); !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("storeError lost a cause: %v", err)
	}
}

// TestServerStoreOptionsReachTheWire checks config that chhttp can observe:
// compression is requested on the wire (chhttp answers it with code 48,
// NOT_IMPLEMENTED, where a server would compress), and the native protocol
// dials its address (nothing listens there: unavailable).
func TestServerStoreOptionsReachTheWire(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	h, err := chhttp.Start(chhttp.Options{User: contractUser, Password: contractPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	for _, method := range []string{"lz4", "zstd"} {
		cfg := serverConfigForTest(h.Addr(), db.Database())
		cfg.Compression = method
		_, err := NewServerStore(ctx, cfg)
		if code, _ := ClickHouseCode(err); code != 48 {
			t.Errorf("compression %s over chhttp: %v, want code 48 (compression requested)", method, err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	_, err = NewServerStore(ctx, ServerConfig{Addrs: []string{closed}, Protocol: "native", Compression: "lz4", DialTimeout: time.Second})
	if !IsUnavailable(err) {
		t.Errorf("native to a closed port: %v, want unavailable", err)
	}
}

func TestServerConfigValidation(t *testing.T) {
	for _, cfg := range []ServerConfig{
		{},
		{Addrs: []string{"127.0.0.1:1"}, Protocol: "grpc"},
		{Addrs: []string{"127.0.0.1:1"}, Compression: "gzip"},
	} {
		if _, err := NewServerStore(context.Background(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]chType{
		"LowCardinality(Nullable(String))":         {nullable: true, base: "String"},
		"DateTime64(3, 'UTC')":                     {base: "DateTime64", args: []string{"3", "'UTC'"}},
		"Map(String, Array(Nullable(UInt8)))":      {base: "Map", args: []string{"String", "Array(Nullable(UInt8))"}},
		"Enum8('a,b' = 1, 'c)' = 2)":               {base: "Enum8", args: []string{"'a,b' = 1", "'c)' = 2"}},
		"Nullable(DateTime64(3, 'Europe/Berlin'))": {nullable: true, base: "DateTime64", args: []string{"3", "'Europe/Berlin'"}},
		"UInt64":                                      {base: "UInt64"},
		"Array(LowCardinality(String))":               {base: "Array", args: []string{"LowCardinality(String)"}},
		"Tuple(a String, b Map(String, UInt64))":      {base: "Tuple", args: []string{"a String", "b Map(String, UInt64)"}},
		"SimpleAggregateFunction(max, DateTime64(3))": {base: "SimpleAggregateFunction", args: []string{"max", "DateTime64(3)"}},
	} {
		if got := parseType(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseType(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// FuzzParseType feeds type names, which come from the server, to the parser
// and the row and insert converters built from them.
func FuzzParseType(f *testing.F) {
	for _, s := range []string{"LowCardinality(Nullable(String))", "Map(String, Array(UInt8))", "Enum8('a\\'' = 1)", "DateTime64(x", "(((", "Nullable()"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		ct := parseType(typ)
		if strings.Contains(ct.base, "(") && len(ct.args) > 0 {
			t.Fatalf("%q: base %q still has arguments", typ, ct.base)
		}
		_ = rowValue(typ)("x")
		_, _ = insertValue(typ)(int64(1))
	})
}

// BenchmarkStoreInsert inserts the same event rows through each backend:
// the embedded engine's streaming JSONEachRow insert and clickhouse-go's
// HTTP batch insert into the engine via chhttp.
func BenchmarkStoreInsert(b *testing.B) {
	const n = 10000
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		p := &schemas.Principal{ID: fmt.Sprintf("user%05d@corp.example", i%2000), Type: schemas.PrincipalHuman}
		ev := schemas.RoutedEvent{Event: schemas.IdentityEvent{
			EventID: fmt.Sprintf("OKTA:%d", i), Source: schemas.SourceOkta, Category: schemas.CategoryIAM,
			Action: schemas.ActionSignIn, OccurredAt: start.Add(time.Duration(i) * time.Second), IngestedAt: start,
			Outcome: schemas.OutcomeSuccess, Subject: p, Actor: p, TicketRefs: []string{"RITM1"},
			Attributes: map[string]string{"ip": "10.0.0.1"}, Raw: []byte(`{"k":"v"}`),
		}, Decision: schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, DecidedAt: start}}
		rows[i] = eventRow(&ev)
	}
	for _, be := range storeBackends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			s := be.open(b)
			if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := s.Insert(ctx, "events", eventColumns, rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func showRow(r Row) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%#v ", k, r[k])
	}
	return b.String()
}
