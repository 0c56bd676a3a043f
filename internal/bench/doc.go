// Package bench measures tollgate's stages and the whole pipeline against an
// in-process stack (embedded Kafka broker, Schema Registry and ClickHouse
// engine), each figure next to a baseline measured in the same run: ingest
// against a bare HTTP handler that only produces the body, the router
// against a passthrough moving the same bytes between the same topics, and
// the auditor against the engine's own bulk insert of the same rows. It also
// sweeps seeded grant ledgers and runs the detection check (planted
// violations of a gen run against the findings the pipeline raised).
//
// Machines are shared and noisy: absolute figures drift, the ratios to the
// same-run baselines hold. CPU figures are the whole process's (user+system
// from getrusage), which includes the in-process broker, registry, engine
// and load generator.
package bench
