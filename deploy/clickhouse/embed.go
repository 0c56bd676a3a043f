// Package clickhouse holds tollgate's ClickHouse DDL as versioned migrations,
// embedded so the binary can apply them (`tollgate migrate`) without the repo.
//
// single/ is the one-node form (ReplacingMergeTree family); cluster/ is the
// same schema for a cluster: Replicated*MergeTree local tables created
// ON CLUSTER '{cluster}' behind Distributed tables of the canonical names.
// Files are NNNN_name.sql; statements are separated by semicolons. The token
// {raw_ttl_days} is replaced by the configured retention of raw payloads.
package clickhouse

import "embed"

// FS holds single/*.sql and cluster/*.sql.
//
//go:embed single/*.sql cluster/*.sql
var FS embed.FS
