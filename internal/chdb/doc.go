// Package chdb runs the ClickHouse engine inside the tollgate process through
// libchdb.so, loaded at run time with purego (no cgo, no init-time loading).
//
// It is the embedded default for the audit store: the auditor writes
// findings and events into it, and tests use it as a real ClickHouse engine
// without a server. Production deployments talk to a ClickHouse server with
// clickhouse-go instead; package chhttp serves the engine over ClickHouse's HTTP
// interface so that code path can be tested against the same engine.
//
// The engine holds one data directory per process. The first Open boots it on
// Options.DataDir and keeps one anchor connection open for the life of the
// process, because closing the last connection shuts the engine down and chDB
// 26.7 does not reliably boot again afterwards. Opening a second, different
// data directory therefore fails with ErrDataDirInUse.
package chdb
