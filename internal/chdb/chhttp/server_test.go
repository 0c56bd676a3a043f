package chhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/chdb/chhttp"
)

func start(t *testing.T) (*chhttp.Server, string) {
	t.Helper()
	db := chdbtest.OpenForTest(t) // boots the engine and gives this test a database
	srv, err := chhttp.Start(chhttp.Options{User: "tollgate", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, db.Database()
}

func open(t *testing.T, addr, database, password string) clickhouse.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol: clickhouse.HTTP,
		Addr:     []string{addr},
		Auth:     clickhouse.Auth{Database: database, Username: "tollgate", Password: password},
		Settings: clickhouse.Settings{"max_threads": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

type row struct {
	TS  time.Time         `ch:"ts"`
	LC  string            `ch:"lc"`
	M   map[string]uint64 `ch:"m"`
	Arr []uint32          `ch:"arr"`
	N   *string           `ch:"n"`
	U   uint64            `ch:"u"`
	E   string            `ch:"e"`
}

func genRows(n int) []row {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]row, n)
	for i := range out {
		r := row{
			TS:  base.Add(time.Duration(i) * 1357 * time.Millisecond),
			LC:  fmt.Sprintf("okta-%d", i%7),
			M:   map[string]uint64{"k": uint64(i), fmt.Sprintf("x%d", i%3): 1 << 63},
			Arr: []uint32{uint32(i), uint32(i * 3)},
			U:   uint64(i)<<40 | 0xFFFF,
			E:   []string{"a", "b"}[i%2],
		}
		if i%5 != 0 {
			s := fmt.Sprintf("n%d", i)
			r.N = &s
		}
		if i%4 == 0 {
			r.Arr = []uint32{}
		}
		out[i] = r
	}
	return out
}

// TestClickHouseGoRoundTrip drives the real clickhouse-go HTTP client against
// the engine: ping, DDL, a 100k-row Native batch insert and an exact read.
// It relies on the revision-0 handshake (see the package doc).
func TestClickHouseGoRoundTrip(t *testing.T) {
	srv, database := start(t)
	conn := open(t, srv.Addr(), database, "s3cret")
	ctx := context.Background()
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := conn.Exec(ctx, `CREATE TABLE rt (
		ts DateTime64(3, 'UTC'), lc LowCardinality(String), m Map(String, UInt64),
		arr Array(UInt32), n Nullable(String), u UInt64, e Enum8('a' = 1, 'b' = 2)
	) ENGINE = MergeTree ORDER BY u`); err != nil {
		t.Fatalf("create: %v", err)
	}
	want := genRows(100_000)
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO rt")
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	for i := range want {
		if err := batch.AppendStruct(&want[i]); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("send: %v", err)
	}
	var got []row
	if err := conn.Select(ctx, &got, "SELECT ts, lc, m, arr, n, u, e FROM rt ORDER BY u"); err != nil {
		t.Fatalf("select: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		g.TS = g.TS.UTC()
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM rt WHERE e = 'b' AND n IS NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10_000 { // i odd and i%5 == 0
		t.Errorf("count = %d, want 10000", n)
	}
}

func TestErrorsAndAuth(t *testing.T) {
	srv, database := start(t)
	ctx := context.Background()

	err := open(t, srv.Addr(), database, "s3cret").Exec(ctx, "SELECT * FROM no_such_table")
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) || ex.Code != 60 {
		t.Fatalf("unknown table: got %v (%T), want exception code 60", err, err)
	}
	if err := open(t, srv.Addr(), database, "wrong").Ping(ctx); err == nil || !strings.Contains(err.Error(), "516") {
		t.Fatalf("bad password: got %v, want code 516", err)
	}

	// Raw HTTP: header code on errors, empty results as Content-Length 0.
	post := func(sql string) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+srv.Addr()+"/?database="+database, strings.NewReader(sql))
		req.SetBasicAuth("tollgate", "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := post("SELEC 1")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 || resp.Header.Get("X-ClickHouse-Exception-Code") != "62" || !strings.HasPrefix(string(body), "Code: 62. DB::Exception:") {
		t.Errorf("syntax error: status %d header %q body %q", resp.StatusCode, resp.Header.Get("X-ClickHouse-Exception-Code"), body)
	}
	resp = post("SELECT 1 WHERE 0")
	if resp.StatusCode != 200 || resp.ContentLength != 0 {
		t.Errorf("empty result: status %d length %d", resp.StatusCode, resp.ContentLength)
	}
}

func TestSplitInsert(t *testing.T) {
	for _, tc := range []struct{ sql, table, format string }{
		{"INSERT INTO t FORMAT Native", "t", "Native"},
		{"insert into db.t (a, b) format JSONEachRow", "db.t (a, b)", "JSONEachRow"},
		{"INSERT INTO t VALUES (1)", "", ""},
		{"SELECT 1 FORMAT Native", "", ""},
	} {
		table, format, _ := chhttp.SplitInsert(tc.sql)
		if table != tc.table || format != tc.format {
			t.Errorf("%q → %q %q", tc.sql, table, format)
		}
	}
}

func FuzzSplitInsert(f *testing.F) {
	f.Add("INSERT INTO t (a) FORMAT Native")
	f.Add("INSERT INTO  FORMAT ")
	f.Fuzz(func(t *testing.T, sql string) {
		table, format, ok := chhttp.SplitInsert(sql)
		if ok && (table == "" || format == "" || !strings.Contains(sql, format)) {
			t.Fatalf("%q → %q %q", sql, table, format)
		}
	})
}
