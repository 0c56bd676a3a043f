// Package schemas holds tollgate's contract on the wire: the Avro schemas (.avsc, namespace
// tollgate.v1) of IdentityEvent, RoutedEvent and Finding, the Go types that carry them, the
// Confluent wire-format codec that every producer and consumer uses, the CloudEvents headers
// put on every record, and the compatibility check that keeps released versions readable.
//
// Each named type lives in its own .avsc file. Top-level schemas refer to other named types
// by full name; Bundle inlines those definitions (docs and defaults kept) into one
// self-contained schema, which is what the Schema Registry receives, what released/ keeps,
// and what downstream teams decode with.
package schemas
