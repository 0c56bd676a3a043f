package kafka

import (
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/schemas"
)

// CloudEventHeaders returns the record headers for ce in CloudEvents 1.0 Kafka binary mode.
func CloudEventHeaders(ce schemas.CloudEvent) []kafka.Header {
	h := make([]kafka.Header, 0, 7)
	h = append(h,
		kafka.Header{Key: schemas.HeaderSpecVersion, Value: []byte("1.0")},
		kafka.Header{Key: schemas.HeaderID, Value: []byte(ce.ID)},
		kafka.Header{Key: schemas.HeaderSource, Value: []byte(ce.Source)},
		kafka.Header{Key: schemas.HeaderType, Value: []byte(ce.Type)},
		kafka.Header{Key: schemas.HeaderTime, Value: []byte(ce.Time.UTC().Format(time.RFC3339Nano))},
	)
	if ce.Subject != "" {
		h = append(h, kafka.Header{Key: schemas.HeaderSubject, Value: []byte(ce.Subject)})
	}
	return append(h, kafka.Header{Key: schemas.HeaderContentType, Value: []byte(schemas.ContentTypeAvro)})
}

// ParseCloudEvent reads CloudEvents attributes back from record headers; missing ones stay zero.
func ParseCloudEvent(headers []kafka.Header) schemas.CloudEvent {
	var ce schemas.CloudEvent
	for _, h := range headers {
		switch h.Key {
		case schemas.HeaderID:
			ce.ID = string(h.Value)
		case schemas.HeaderSource:
			ce.Source = string(h.Value)
		case schemas.HeaderType:
			ce.Type = string(h.Value)
		case schemas.HeaderSubject:
			ce.Subject = string(h.Value)
		case schemas.HeaderTime:
			ce.Time, _ = time.Parse(time.RFC3339Nano, string(h.Value))
		}
	}
	return ce
}
