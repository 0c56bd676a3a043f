package chdb_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
)

// event is one generated row of the test table.
type event struct {
	id     uint64
	user   string
	amount uint64
	tsMs   int64
}

const eventsDDL = `CREATE TABLE %s (id UInt64, user String, amount UInt64, ts DateTime64(3, 'UTC'))
ENGINE = MergeTree ORDER BY id`

// genEvents makes n deterministic rows. Amounts reach 2^43 so their sum
// passes 2^53 and a float on the way would show up as a wrong total.
func genEvents(n int, seed uint64) []event {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]event, n)
	base := int64(1_767_225_600_000) // 2026-01-01T00:00:00Z in ms
	for i := range out {
		out[i] = event{
			id:     uint64(i),
			user:   fmt.Sprintf("user-%05d@example.com", r.IntN(5000)),
			amount: r.Uint64() >> 21,
			tsMs:   base + r.Int64N(90*24*3600*1000),
		}
	}
	return out
}

// rowBinary encodes events as ClickHouse RowBinary.
func rowBinary(evs []event) []byte {
	var b bytes.Buffer
	var tmp [binary.MaxVarintLen64]byte
	for _, e := range evs {
		b.Write(binary.LittleEndian.AppendUint64(nil, e.id))
		b.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(e.user)))])
		b.WriteString(e.user)
		b.Write(binary.LittleEndian.AppendUint64(nil, e.amount))
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(e.tsMs)))
	}
	return b.Bytes()
}

// native encodes events as Native blocks of blockRows rows, in the engine's
// protocol-revision-0 layout (no block info header).
func native(evs []event, blockRows int) []byte {
	var b bytes.Buffer
	uv := func(v uint64) { b.Write(binary.AppendUvarint(nil, v)) }
	str := func(s string) { uv(uint64(len(s))); b.WriteString(s) }
	for start := 0; start < len(evs); start += blockRows {
		blk := evs[start:min(start+blockRows, len(evs))]
		uv(4)
		uv(uint64(len(blk)))
		str("id")
		str("UInt64")
		for _, e := range blk {
			b.Write(binary.LittleEndian.AppendUint64(nil, e.id))
		}
		str("user")
		str("String")
		for _, e := range blk {
			str(e.user)
		}
		str("amount")
		str("UInt64")
		for _, e := range blk {
			b.Write(binary.LittleEndian.AppendUint64(nil, e.amount))
		}
		str("ts")
		str("DateTime64(3, 'UTC')")
		for _, e := range blk {
			b.Write(binary.LittleEndian.AppendUint64(nil, uint64(e.tsMs)))
		}
	}
	return b.Bytes()
}

type aggregates struct {
	count, sum, users uint64
	minMs, maxMs      int64
}

func expected(evs []event) aggregates {
	a := aggregates{minMs: evs[0].tsMs, maxMs: evs[0].tsMs}
	users := map[string]bool{}
	for _, e := range evs {
		a.count++
		a.sum += e.amount
		users[e.user] = true
		a.minMs = min(a.minMs, e.tsMs)
		a.maxMs = max(a.maxMs, e.tsMs)
	}
	a.users = uint64(len(users))
	return a
}

func readAggregates(t *testing.T, db *chdb.DB, table string) aggregates {
	t.Helper()
	rows, err := db.QueryRows(context.Background(), `SELECT count() AS c, sum(amount) AS s, uniqExact(user) AS u,
		toUnixTimestamp64Milli(min(ts)) AS lo, toUnixTimestamp64Milli(max(ts)) AS hi FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	return aggregates{count: r["c"].(uint64), sum: r["s"].(uint64), users: r["u"].(uint64), minMs: r["lo"].(int64), maxMs: r["hi"].(int64)}
}

func TestStreamingInsertAggregatesMatchGo(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	ctx := context.Background()
	evs := genEvents(100_000, 7)
	want := expected(evs)
	if want.sum < 1<<53 {
		t.Fatalf("generator too small to test exact sums: %d", want.sum)
	}

	for _, tc := range []struct {
		format string
		body   []byte
	}{
		// 4+ MB: crosses the 1 MiB append chunks mid-row.
		{"RowBinary", rowBinary(evs)},
		// Far beyond the ~20 KB at which inline Native is truncated.
		{"Native", native(evs, 10_000)},
	} {
		t.Run(tc.format, func(t *testing.T) {
			table := "events_" + strings.ToLower(tc.format)
			if err := db.Exec(ctx, fmt.Sprintf(eventsDDL, table)); err != nil {
				t.Fatal(err)
			}
			n, err := db.InsertBytes(ctx, table, tc.format, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if n != uint64(len(evs)) {
				t.Errorf("rows written = %d, want %d", n, len(evs))
			}
			if got := readAggregates(t, db, table); got != want {
				t.Errorf("aggregates = %+v, want %+v", got, want)
			}
		})
	}
}

func TestBadSQLReturnsEngineMessage(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		sql  string
		code int
		name string
		text string
	}{
		{"SELEC 1", 62, "SYNTAX_ERROR", "Syntax error"},
		{"SELECT * FROM no_such_table", 60, "UNKNOWN_TABLE", "no_such_table"},
	} {
		err := db.Exec(ctx, tc.sql)
		var ee *chdb.EngineError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: error %v is not an EngineError", tc.sql, err)
		}
		if ee.Code != tc.code || ee.Name != tc.name || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: got code %d name %q message %q", tc.sql, ee.Code, ee.Name, err)
		}
	}
}

func TestInsertMalformedBodyFails(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	ctx := context.Background()
	if err := db.Exec(ctx, "CREATE TABLE t (a UInt64) ENGINE = MergeTree ORDER BY a"); err != nil {
		t.Fatal(err)
	}
	_, err := db.InsertBytes(ctx, "t", "JSONEachRow", []byte(`{"a": 1}`+"\n"+`{"a": "not a number"}`+"\n"))
	var ee *chdb.EngineError
	if !errors.As(err, &ee) || ee.Code == 0 {
		t.Fatalf("malformed insert: got %v, want an engine error with a code", err)
	}
	_, err = db.InsertBytes(ctx, "missing_table", "JSONEachRow", []byte(`{"a": 1}`))
	if !errors.As(err, &ee) || ee.Name != "UNKNOWN_TABLE" {
		t.Fatalf("insert into missing table: got %v", err)
	}
	// The connection that reported the errors still works.
	rows, err := db.QueryRows(ctx, "SELECT 41 + 1 AS x")
	if err != nil || rows[0]["x"] != uint64(42) {
		t.Fatalf("after errors: %v %v", rows, err)
	}
}

// TestRecoveredPanicAfterConnect fails by hanging or crashing the test
// binary if chDB's signal handlers were installed: Go raises a nil
// dereference as SIGSEGV, which chDB's handler would intercept.
func TestRecoveredPanicAfterConnect(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	recovered := func() (r any) {
		defer func() { r = recover() }()
		var p *event
		return p.user
	}()
	if recovered == nil {
		t.Fatal("nil dereference did not panic")
	}
	rows, err := db.QueryRows(context.Background(), "SELECT 1 AS one")
	if err != nil || rows[0]["one"] != uint64(1) {
		t.Fatalf("query after recovered panic: %v %v", rows, err)
	}
}

func TestQueryRowsTypes(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	rows, err := db.QueryRows(context.Background(), `SELECT
		toUInt64(18446744073709551615) AS u64, toInt64(-9223372036854775808) AS i64,
		toFloat64(0.5) AS f, true AS b, 'x' AS s, CAST(NULL AS Nullable(UInt32)) AS n,
		toLowCardinality('lc') AS lc, [1, 2] AS arr, toDateTime64('2026-01-02 03:04:05.678', 3, 'UTC') AS ts`)
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	checks := map[string]any{
		"u64": uint64(18446744073709551615), "i64": int64(-9223372036854775808), "f": 0.5, "b": true,
		"s": "x", "n": nil, "lc": "lc", "ts": "2026-01-02 03:04:05.678",
	}
	for k, want := range checks {
		if r[k] != want {
			t.Errorf("%s = %#v (%T), want %#v", k, r[k], r[k], want)
		}
	}
	if fmt.Sprint(r["arr"]) != "[1 2]" {
		t.Errorf("arr = %#v", r["arr"])
	}
	empty, err := db.QueryRows(context.Background(), "SELECT 1 AS x WHERE 0")
	if err != nil || len(empty) != 0 {
		t.Errorf("empty result: %v %v", empty, err)
	}
}

func TestConcurrentUseAndCancel(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	ctx := context.Background()
	if err := db.Exec(ctx, "CREATE TABLE c (g UInt64, v UInt64) ENGINE = MergeTree ORDER BY g"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				body := fmt.Sprintf(`{"g": %d, "v": %d}`, g, i)
				if _, err := db.InsertBytes(ctx, "c", "JSONEachRow", []byte(body)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.InsertBytes(canceled, "c", "JSONEachRow", []byte(`{"g": 99, "v": 1}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("insert with canceled context: %v", err)
	}
	rows, err := db.QueryRows(ctx, "SELECT count() AS n, sum(v) AS s, uniqExact(g) AS g FROM c")
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r["n"] != uint64(200) || r["s"] != uint64(8*300) || r["g"] != uint64(8) {
		t.Errorf("after concurrent inserts: %v", r)
	}
}

func TestOpenOtherDataDirRefused(t *testing.T) {
	chdbtest.OpenForTest(t) // make sure the engine is booted
	_, err := chdb.Open(chdb.Options{DataDir: t.TempDir()})
	if !errors.Is(err, chdb.ErrDataDirInUse) {
		t.Fatalf("second data dir: got %v, want ErrDataDirInUse", err)
	}
}

func TestCloseRefusesFurtherUse(t *testing.T) {
	db, err := chdb.Open(chdb.Options{DataDir: chdbtestDataDir(t), PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(context.Background(), "SELECT 1"); !errors.Is(err, chdb.ErrClosed) {
		t.Fatalf("exec after close: %v", err)
	}
}

// chdbtestDataDir boots the shared engine through the helper and returns
// its directory.
func chdbtestDataDir(t *testing.T) string {
	chdbtest.OpenForTest(t)
	return chdb.DataDir()
}
