// Package clickhouse is the auditor's storage contract and the SQL plumbing around it,
// without a driver: the Store interface and its Row values, the one SQL tokenizer and
// string quoting, the versioned migrations of deploy/clickhouse, the read-only guard that
// analysts' queries pass, and the errors both backends report.
//
// The backends live in subpackages: embedded (the in-process engine of internal/chdb)
// and server (a ClickHouse server through clickhouse-go). The auditor, the CLI and the
// console depend on this package; only the code that opens a store imports a backend.
package clickhouse
