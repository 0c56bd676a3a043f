package clickhouse_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
)

// TestStoreContract runs the contract suite on every backend.
func TestStoreContract(t *testing.T) {
	for _, b := range clickhousetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			runStoreContract(t, func(t *testing.T) clickhouse.Store { return b.Open(t) })
		})
	}
}

// runStoreContract is what the auditor relies on from any clickhouse.Store. newStore
// returns a clickhouse.Store on a fresh, empty database.
func runStoreContract(t *testing.T, newStore func(t *testing.T) clickhouse.Store) {
	ctx := context.Background()

	t.Run("ExecDDLInsertQueryEveryType", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
			t.Fatalf("create: %v", err)
		}
		ins, want := clickhousetest.KindsRows()
		if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins); err != nil {
			t.Fatalf("insert: %v", err)
		}
		got, err := s.Query(ctx, clickhousetest.KindsSelect)
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
		// The clickhouse.Row accessors give back what was inserted.
		r := got[0]
		if !r.Time("ts_ms").Equal(clickhousetest.KindsTime) || r.NullTime("nts_ms") == nil || !r.Bool("b") ||
			r.NullBool("nb") == nil || !*r.NullBool("nb") || r.Int("i32") != -7 || !reflect.DeepEqual(r.Strings("arr"), []string{"a", "b"}) {
			t.Errorf("accessors of row 0 disagree with the inserted values: %s", showRow(r))
		}
		if got[1].NullTime("nts_ms") != nil || got[1].NullBool("nb") != nil {
			t.Errorf("NULLs of row 1 read as values: %s", showRow(got[1]))
		}
	})

	t.Run("InsertIsVisibleAtOnceAndCountsEveryRow", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
			t.Fatal(err)
		}
		const n = 5000
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{uint64(i), fmt.Sprintf("s%d", i), "okta", clickhousetest.KindsTime.Add(time.Duration(i) * time.Millisecond),
				nil, nil, []string{fmt.Sprint(i)}, map[string]string{"i": fmt.Sprint(i)}, int32(i), "OPEN", i%2 == 0, int64(i)}
		}
		for round := 1; round <= 2; round++ {
			if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, rows); err != nil {
				t.Fatalf("insert round %d: %v", round, err)
			}
			got, err := s.Query(ctx, "SELECT count() AS n, sum(i64) AS total, countIf(b) AS evens, uniqExact(id) AS ids FROM kinds")
			if err != nil {
				t.Fatal(err)
			}
			want := clickhouse.Row{"n": uint64(n * round), "total": int64(n * (n - 1) / 2 * round), "evens": uint64(n / 2 * round), "ids": uint64(n)}
			if !reflect.DeepEqual(got, []clickhouse.Row{want}) {
				t.Fatalf("after round %d: got %v, want %v", round, got, want)
			}
		}
		if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, nil); err != nil {
			t.Errorf("insert of no rows: %v", err)
		}
		if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, [][]any{{uint64(1)}}); err == nil {
			t.Error("insert of a short row succeeded")
		}
	})

	t.Run("EmptyResult", func(t *testing.T) {
		s := newStore(t)
		if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT 1 AS x WHERE 0", clickhousetest.KindsSelect} {
			got, err := s.Query(ctx, q)
			if err != nil || len(got) != 0 {
				t.Errorf("%s: got %v, %v; want no rows, no error", q, got, err)
			}
		}
	})

	t.Run("PlaceholderTextIsNotBound", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Query(ctx, "SELECT '?' AS q, '$1' AS d, '@x' AS n, concat('{a', ':String}') AS p")
		want := []clickhouse.Row{{"q": "?", "d": "$1", "n": "@x", "p": "{a:String}"}}
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
			if code, ok := clickhouse.Code(err); !ok || code != tc.code {
				t.Errorf("%v: code %d (%v), want %d", err, code, ok, tc.code)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("%v: message lacks %q", err, tc.text)
			}
			if clickhouse.IsUnavailable(err) {
				t.Errorf("%v: classified unavailable, want fatal", err)
			}
		}
	})

	t.Run("MigrateIdempotent", func(t *testing.T) {
		s := newStore(t)
		applied, err := clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{})
		if err != nil || len(applied) == 0 {
			t.Fatalf("first migrate: %v, %v", applied, err)
		}
		again, err := clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{})
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
		}
		if v, err := clickhouse.SchemaVersion(ctx, s); err != nil || v != clickhouse.LatestVersion() {
			t.Fatalf("schema version %d, %v; want %d", v, err, clickhouse.LatestVersion())
		}
		rows, err := s.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'grants', 'tickets', 'credentials', 'findings', 'open_findings') ORDER BY name")
		if err != nil || len(rows) != 6 {
			t.Fatalf("tables after migrate: %v, %v", rows, err)
		}
	})
}

// TestStoreBackendsReturnIdenticalRows runs the same queries over types
// beyond the auditor's tables on both backends and compares the rows value
// for value, so a query through `tollgate query` prints the same on either.
func TestStoreBackendsReturnIdenticalRows(t *testing.T) {
	ctx := context.Background()
	queries := []string{
		clickhousetest.KindsSelect,
		`SELECT toUInt8(200) AS u8, toInt16(-300) AS i16, toUInt32(4000000000) AS u32, toFloat64(0.25) AS f,
			toDate('2026-03-02') AS d, toDateTime('2026-03-02 10:11:12', 'UTC') AS dt, toDateTime64('2026-03-02 10:11:12.5', 6, 'UTC') AS dt6,
			toUUID('6a1c1c1e-0f5b-4c47-9b0e-1f6ad3d0b0a1') AS uuid, [1, 2, 3]::Array(UInt32) AS au, [NULL, 'x']::Array(Nullable(String)) AS an,
			map('a', 1, 'b', 2)::Map(String, UInt64) AS mu, map('a', 1)::Map(String, UInt16) AS m16,
			CAST('b', 'Enum16(\'a\' = 1, \'b\' = 2)') AS e16, NULL::Nullable(Int32) AS ni, toNullable(toInt32(5)) AS nv,
			toLowCardinality(toNullable('lc')) AS lcn, true AS bt, [[1, 2], [3]]::Array(Array(UInt8)) AS aa`,
		"SELECT number AS n, toString(number) AS s FROM numbers(1000) ORDER BY n",
	}
	results := make(map[string][][]clickhouse.Row)
	for _, b := range clickhousetest.Backends {
		s := b.Open(t)
		if err := s.Exec(ctx, clickhousetest.KindsDDL); err != nil {
			t.Fatal(err)
		}
		ins, _ := clickhousetest.KindsRows()
		if err := s.Insert(ctx, "kinds", clickhousetest.KindsColumns, ins); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			rows, err := s.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %s: %v", b.Name, q, err)
			}
			results[b.Name] = append(results[b.Name], rows)
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

func showRow(r clickhouse.Row) string {
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
