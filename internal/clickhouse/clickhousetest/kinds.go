package clickhousetest

import (
	"time"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// KindsDDL creates table kinds, with a column of every type the auditor's tables use.
const KindsDDL = `CREATE TABLE kinds (
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

// KindsColumns are the columns of kinds in insert order.
var KindsColumns = []string{"id", "s", "lc", "ts", "nts", "nb", "arr", "m", "i32", "e", "b", "i64"}

// KindsSelect reads kinds back, times both as milliseconds and as text.
const KindsSelect = `SELECT id, s, lc, toUnixTimestamp64Milli(ts) AS ts_ms, ts, toUnixTimestamp64Milli(nts) AS nts_ms,
	nb, arr, m, i32, e, b, i64 FROM kinds ORDER BY id`

// KindsTime is the time in the rows of KindsRows.
var KindsTime = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// KindsRows are insert values of every Store insert type, with the rows
// Query must return for them on every backend.
func KindsRows() (ins [][]any, want []clickhouse.Row) {
	later := KindsTime.Add(36 * time.Hour)
	yes, no := true, false
	ins = [][]any{
		{uint64(1), "plain", "okta", KindsTime, &later, &yes, []string{"a", "b"}, map[string]string{"k": "v"}, int32(-7), "OPEN", true, int64(-1) << 40},
		{uint64(2), `quote " back \ tab	nl
 é ✓`, "entra", KindsTime, (*time.Time)(nil), (*bool)(nil), []string{}, map[string]string{}, int32(3006), "RESOLVED", false, int64(0)},
		{uint64(1) << 63, "", "", later, &later, &no, []string(nil), map[string]string(nil), int32(0), "OPEN", true, int64(1) << 62},
	}
	want = []clickhouse.Row{
		{"id": uint64(1), "s": "plain", "lc": "okta", "ts_ms": KindsTime.UnixMilli(), "ts": "2026-03-02 09:15:30.123",
			"nts_ms": later.UnixMilli(), "nb": true, "arr": []string{"a", "b"}, "m": map[string]any{"k": "v"},
			"i32": int64(-7), "e": "OPEN", "b": true, "i64": int64(-1) << 40},
		{"id": uint64(2), "s": "quote \" back \\ tab\tnl\n é ✓", "lc": "entra", "ts_ms": KindsTime.UnixMilli(), "ts": "2026-03-02 09:15:30.123",
			"nts_ms": nil, "nb": nil, "arr": []string{}, "m": map[string]any{},
			"i32": int64(3006), "e": "RESOLVED", "b": false, "i64": int64(0)},
		{"id": uint64(1) << 63, "s": "", "lc": "", "ts_ms": later.UnixMilli(), "ts": "2026-03-03 21:15:30.123",
			"nts_ms": later.UnixMilli(), "nb": false, "arr": []string{}, "m": map[string]any{},
			"i32": int64(0), "e": "OPEN", "b": true, "i64": int64(1) << 62},
	}
	return ins, want
}
