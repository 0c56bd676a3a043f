package schemas

import (
	"time"

	"github.com/segmentio/kafka-go"
)

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

// CloudEvent holds the attributes of one record's CloudEvents binary-mode headers.
type CloudEvent struct {
	ID      string    // ce_id: the event id (or finding id)
	Source  string    // ce_source: a URI-reference naming the producer, e.g. /tollgate/ingest/okta
	Type    string    // ce_type: e.g. tollgate.v1.IdentityEvent
	Time    time.Time // ce_time
	Subject string    // ce_subject: the principal the record is about; omitted when empty
}

// Headers returns the record headers for ce in CloudEvents 1.0 Kafka binary mode.
func (ce CloudEvent) Headers() []kafka.Header {
	h := make([]kafka.Header, 0, 7)
	h = append(h,
		kafka.Header{Key: HeaderSpecVersion, Value: []byte("1.0")},
		kafka.Header{Key: HeaderID, Value: []byte(ce.ID)},
		kafka.Header{Key: HeaderSource, Value: []byte(ce.Source)},
		kafka.Header{Key: HeaderType, Value: []byte(ce.Type)},
		kafka.Header{Key: HeaderTime, Value: []byte(ce.Time.UTC().Format(time.RFC3339Nano))},
	)
	if ce.Subject != "" {
		h = append(h, kafka.Header{Key: HeaderSubject, Value: []byte(ce.Subject)})
	}
	return append(h, kafka.Header{Key: HeaderContentType, Value: []byte(ContentTypeAvro)})
}

// TypeName returns the ce_type of a top-level record name, e.g. tollgate.v1.IdentityEvent.
func TypeName(name string) string { return Namespace + "." + name }

// ParseHeaders reads CloudEvents attributes back from record headers; missing ones stay zero.
func ParseHeaders(headers []kafka.Header) CloudEvent {
	var ce CloudEvent
	for _, h := range headers {
		switch h.Key {
		case HeaderID:
			ce.ID = string(h.Value)
		case HeaderSource:
			ce.Source = string(h.Value)
		case HeaderType:
			ce.Type = string(h.Value)
		case HeaderSubject:
			ce.Subject = string(h.Value)
		case HeaderTime:
			ce.Time, _ = time.Parse(time.RFC3339Nano, string(h.Value))
		}
	}
	return ce
}
