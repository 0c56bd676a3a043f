package schemas

import "time"

// CloudEvents 1.0 Kafka binary-mode header names.
const (
	HeaderSpecVersion = "ce_specversion"
	HeaderID          = "ce_id"
	HeaderSource      = "ce_source"
	HeaderType        = "ce_type"
	HeaderTime        = "ce_time"
	HeaderSubject     = "ce_subject"
	HeaderContentType = "content-type"
)

// ContentTypeAvro is the content-type of every record tollgate produces.
const ContentTypeAvro = "application/avro"

// CloudEvent holds the attributes of one record's CloudEvents binary-mode headers;
// internal/kafka writes them as record headers and reads them back.
type CloudEvent struct {
	ID      string    // ce_id: the event id (or finding id)
	Source  string    // ce_source: a URI-reference naming the producer, e.g. /tollgate/ingest/okta
	Type    string    // ce_type: e.g. tollgate.v1.IdentityEvent
	Time    time.Time // ce_time
	Subject string    // ce_subject: the principal the record is about; omitted when empty
}

// TypeName returns the ce_type of a top-level record name, e.g. tollgate.v1.IdentityEvent.
func TypeName(name string) string { return Namespace + "." + name }
