package embedded

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// typesQuery selects every type the Store contract names, NULLs included.
const typesQuery = `SELECT toUInt8(7) AS u8, toUInt64(18446744073709551615) AS u64, toInt32(-5) AS i32,
	toInt64(-9223372036854775808) AS i64, true AS b, CAST(NULL AS Nullable(Bool)) AS nb, 'héllo' AS s,
	toLowCardinality('OKTA') AS lc, CAST(NULL AS Nullable(String)) AS ns, ['a', ''] AS arr,
	CAST([] AS Array(LowCardinality(String))) AS empty, toNullable(toInt64(3)) AS ni, 0.5 AS f
	FROM numbers(3)`

// TestQueryRowBinaryMatchesJSON checks that the binary result path decodes
// every contract type to the same values as the JSON path.
func TestQueryRowBinaryMatchesJSON(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	bin, err := s.Query(ctx, typesQuery)
	if err != nil {
		t.Fatal(err)
	}
	js, err := s.queryJSON(ctx, typesQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(bin) != 3 || len(js) != 3 {
		t.Fatalf("rows: binary %d, json %d, want 3", len(bin), len(js))
	}
	for i := range bin {
		for k, want := range js[i] {
			if got := bin[i][k]; fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", want, want) {
				t.Errorf("row %d column %s: binary %T %v, json %T %v", i, k, got, got, want, want)
			}
		}
		if len(bin[i]) != len(js[i]) {
			t.Errorf("row %d: binary has %d columns, json %d", i, len(bin[i]), len(js[i]))
		}
	}
}

// TestQueryFallsBackForOtherTypes checks that a column type outside the
// contract (DateTime64, Map) still comes back, through the JSON path.
func TestQueryFallsBackForOtherTypes(t *testing.T) {
	s := newStore(t)
	rows, err := s.Query(context.Background(), "SELECT toDateTime64('2026-03-02 09:00:00', 3, 'UTC') AS t, map('k', 'v') AS m")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].String("t") != "2026-03-02 09:00:00.000" {
		t.Fatalf("got %v", rows)
	}
}

// TestQueryEmptyResult checks the engine's zero-byte empty result.
func TestQueryEmptyResult(t *testing.T) {
	s := newStore(t)
	rows, err := s.Query(context.Background(), "SELECT 1 AS x WHERE 0")
	if err != nil || len(rows) != 0 {
		t.Fatalf("got %v, %v", rows, err)
	}
}

// FuzzRowBinaryRows feeds arbitrary bytes to the result decoder: it must
// return rows or an error, never panic or loop.
func FuzzRowBinaryRows(f *testing.F) {
	f.Add([]byte{1, 1, 'x', 6, 'S', 't', 'r', 'i', 'n', 'g', 2, 'h', 'i'})
	f.Add([]byte{1, 1, 'n', 16, 'N', 'u', 'l', 'l', 'a', 'b', 'l', 'e', '(', 'I', 'n', 't', '6', '4', ')', 1})
	f.Add([]byte{1, 1, 'a', 13, 'A', 'r', 'r', 'a', 'y', '(', 'S', 't', 'r', 'i', 'n', 'g', ')', 0xff, 0xff, 0x03})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := rowBinaryRows(data)
		if err != nil && rows != nil {
			t.Fatalf("rows and error together: %v", err)
		}
		if errors.Is(err, errUnsupportedType) && len(data) == 0 {
			t.Fatal("empty input reported as unsupported type")
		}
	})
}
