// Package schemas holds tollgate's contract on the wire: the Avro schemas (.avsc, namespace
// tollgate.v1) of IdentityEvent, RoutedEvent and Finding, the Go types that carry them, the
// CloudEvents attributes put on every record, and the compatibility check that keeps
// released versions readable. It depends on no Kafka or Schema Registry client: the
// Confluent wire-format codec that every producer and consumer uses is package
// schemas/codec, and internal/kafka turns a CloudEvent into record headers.
//
// Each named type lives in its own .avsc file. Top-level schemas refer to other named types
// by full name; Bundle inlines those definitions (docs and defaults kept) into one
// self-contained schema, which is what the Schema Registry receives, what released/ keeps,
// and what downstream teams decode with.
package schemas
