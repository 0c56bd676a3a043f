// Package auditor is the domain of the last stage of the tollgate data flow: it takes
// batches of routed events (from auditor/service, which consumes the lane topics), writes
// them to ClickHouse through a clickhouse.Store, keeps the grant,
// ticket and credential ledgers there, correlates IAM changes with the tickets
// that authorized them, and raises findings (DESIGN.md §5).
//
// All state lives in ClickHouse, so several auditor replicas agree: a batch
// recomputes the ledgers of the principals it touches from their deduplicated
// event history, then diffs the findings those facts imply against the stored
// ones. Writing the same batch twice therefore changes nothing.
package auditor
