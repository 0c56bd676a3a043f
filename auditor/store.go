package auditor

import "github.com/tollgate-io/tollgate/internal/clickhouse"

// Store is the SQL-level contract the auditor needs from ClickHouse; see
// clickhouse.Store for its value contract and internal/clickhouse/embedded and
// internal/clickhouse/server for the backends.
type Store = clickhouse.Store

// Row is one result row keyed by column name; see clickhouse.Row.
type Row = clickhouse.Row

// quote renders s as a ClickHouse string literal.
func quote(s string) string { return clickhouse.Quote(s) }

// quoteList renders ss as a parenthesised list of string literals for IN.
func quoteList(ss []string) string { return clickhouse.QuoteList(ss) }
