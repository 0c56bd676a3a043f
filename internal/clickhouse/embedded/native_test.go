package embedded

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestNativeInsertRoundTrip writes every value type of the Store contract as
// a Native block into columns of the types the migrations use (including
// LowCardinality and Map) and reads back exactly what went in.
func TestNativeInsertRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Exec(ctx, `CREATE TABLE nat (s String, lc LowCardinality(String), b Bool, nb Nullable(Bool),
		i Int32, u UInt64, ts DateTime64(3, 'UTC'), nts Nullable(DateTime64(3, 'UTC')),
		arr Array(String), lca Array(LowCardinality(String)), m Map(String, String)) ENGINE = MergeTree ORDER BY u`); err != nil {
		t.Fatal(err)
	}
	yes := true
	at := time.Date(2026, 3, 2, 9, 0, 0, 123_000_000, time.UTC)
	cols := []string{"s", "lc", "b", "nb", "i", "u", "ts", "nts", "arr", "lca", "m"}
	rows := [][]any{
		{"héllo\x00\n\"", "OKTA", true, &yes, int32(-7), uint64(1), at, &at, []string{"a", ""}, []string{"x"}, map[string]string{"k": "v", "k2": ""}},
		{"", "", false, (*bool)(nil), int32(0), uint64(2), time.UnixMilli(0).UTC(), (*time.Time)(nil), []string(nil), []string{}, map[string]string(nil)},
	}
	if err := s.Insert(ctx, "nat", cols, rows); err != nil {
		t.Fatalf("insert: %v", err)
	}
	got, err := s.Query(ctx, `SELECT s, lc, b, nb, i, u, toUnixTimestamp64Milli(ts) AS ts, toUnixTimestamp64Milli(nts) AS nts,
		arr, lca, toJSONString(m) AS m FROM nat ORDER BY u SETTINGS prefer_column_name_to_alias = 1`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`héllo` + "\x00\n\"" + ` OKTA true 0xc -7 1 1772442000123 1772442000123 [a ] [x] {"k":"v","k2":""}`,
		`  false <nil> 0 2 0 <nil> [] [] {}`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i, r := range got {
		nb := fmt.Sprint(r["nb"])
		if r["nb"] != nil {
			nb = "0xc"
			if !r.Bool("nb") {
				t.Fatalf("row %d: nb false", i)
			}
		}
		line := fmt.Sprintf("%s %s %v %s %d %d %v %v %v %v %s", r.String("s"), r.String("lc"), r.Bool("b"), nb,
			r.Int("i"), r.Int("u"), r["ts"], r["nts"], r.Strings("arr"), r.Strings("lca"), r.String("m"))
		if line != want[i] {
			t.Errorf("row %d:\n got  %q\n want %q", i, line, want[i])
		}
	}
}

// TestInsertFallsBackForUntypedColumn checks that a column of untyped nils
// (no Go type to name) is still written, as NULLs.
func TestInsertFallsBackForUntypedColumn(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Exec(ctx, `CREATE TABLE nat2 (u UInt64, nts Nullable(DateTime64(3, 'UTC'))) ENGINE = MergeTree ORDER BY u`); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, "nat2", []string{"u", "nts"}, [][]any{{uint64(1), nil}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	got, err := s.Query(ctx, "SELECT u, nts FROM nat2")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Int("u") != 1 || got[0]["nts"] != nil {
		t.Fatalf("got %v", got)
	}
}

// TestInsertRefusesMixedTypes checks that one column of two Go types is an
// error, not a silently wrong block.
func TestInsertRefusesMixedTypes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Exec(ctx, `CREATE TABLE nat3 (u UInt64) ENGINE = MergeTree ORDER BY u`); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, "nat3", []string{"u"}, [][]any{{uint64(1)}, {int64(2)}}); err == nil {
		t.Fatal("mixed uint64/int64 column accepted")
	}
}
