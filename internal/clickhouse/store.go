package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// Store is the SQL-level contract the auditor needs from ClickHouse. It is
// implemented over the embedded engine (package embedded) and over a server
// through clickhouse-go (package server); the SQL the auditor sends is plain
// ClickHouse dialect that both accept.
//
// Value contract for Query rows: integers arrive as int64 or uint64, String as
// string, Bool as bool, Array(String) as []string, NULL as nil. The auditor
// selects times as Int64 milliseconds (toUnixTimestamp64Milli), so no backend
// has to agree on time parsing.
//
// Insert values may be string, bool, int64, uint64, int32, time.Time,
// *time.Time (nil is NULL), *bool (nil is NULL), []string and
// map[string]string. Inserts must be visible to the next Query once Insert
// returns (no fire-and-forget async insert).
type Store interface {
	// Exec runs one statement that returns no rows.
	Exec(ctx context.Context, query string) error
	// Query runs one SELECT and returns its rows keyed by column name.
	Query(ctx context.Context, query string) ([]Row, error)
	// Insert writes rows (each a value per column, in columns' order) to table.
	Insert(ctx context.Context, table string, columns []string, rows [][]any) error
}

// Row is one result row keyed by column name; see Store for the value types.
type Row map[string]any

// String returns the text of column c, "" when NULL or missing.
func (r Row) String(c string) string {
	switch v := r[c].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// Int returns column c as int64, 0 when NULL.
func (r Row) Int(c string) int64 {
	switch v := r[c].(type) {
	case int64:
		return v
	case uint64:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	case int:
		return int64(v)
	case uint8:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

// Bool returns column c as a bool (UInt8 1 or Bool true).
func (r Row) Bool(c string) bool {
	switch v := r[c].(type) {
	case bool:
		return v
	case nil:
		return false
	default:
		return r.Int(c) != 0
	}
}

// NullBool returns column c as *bool, nil when NULL.
func (r Row) NullBool(c string) *bool {
	if r[c] == nil {
		return nil
	}
	b := r.Bool(c)
	return &b
}

// Time returns column c, selected as Int64 milliseconds, as a UTC time; the
// zero time when NULL.
func (r Row) Time(c string) time.Time {
	if r[c] == nil {
		return time.Time{}
	}
	return time.UnixMilli(r.Int(c)).UTC()
}

// NullTime is Time with NULL as nil.
func (r Row) NullTime(c string) *time.Time {
	if r[c] == nil {
		return nil
	}
	t := r.Time(c)
	return &t
}

// Strings returns column c as []string.
func (r Row) Strings(c string) []string {
	switch v := r[c].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}
