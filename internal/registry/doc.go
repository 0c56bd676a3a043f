// Package registry is tollgate's embedded Confluent-compatible Schema
// Registry. `tollgate up` and the integration tests serve it so that the
// producers in ingest/ and router/ and the consumers in auditor/ talk to the
// same REST API they would use against a real Confluent registry.
//
// It wraps franz-go's srfake, which serves the REST API, and adds what a real
// registry enforces and srfake does not: Avro schemas are parsed (with
// references) and refused with 422 when invalid, a new version that breaks the
// subject's compatibility level is refused with 409, the compatibility check
// endpoint answers truthfully, and every change is journaled under a data
// directory so that ids and versions survive restarts.
package registry
