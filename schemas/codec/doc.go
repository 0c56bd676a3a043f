// Package codec encodes and decodes tollgate's records in the Confluent wire format through
// the Schema Registry (franz-go's sr client): Codec registers the value schemas of package
// schemas and decodes every registered version of them, DecodeError and its sentinels say
// why a value did not decode, and Retryable tells a registry outage from a bad record. It
// also holds the router's fast path, Codec.DecodeForRouting and Splice, which turns an
// IdentityEvent value into a RoutedEvent value without re-encoding the event.
//
// It is apart from package schemas so that code that needs only the data types (the audit
// domain) does not depend on a registry client.
package codec
