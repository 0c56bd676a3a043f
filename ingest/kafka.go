package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
)

// CloudEventsSource is the ce_source of every record ingest produces.
const CloudEventsSource = "/tollgate/ingest"

// KafkaProducer delivers normalized events to the events topic: Avro in the Confluent wire
// format, keyed by subject principal (so one identity's events stay in order), with
// CloudEvents binary-mode headers. Produce returns only after Kafka acknowledged every event
// (acks=all); an outage is reported as ErrUnavailable so the HTTP layer answers 503.
type KafkaProducer struct {
	codec *schemas.Codec
	prod  *tkafka.Producer
	topic string
}

// NewKafkaProducer returns a KafkaProducer writing to topic. The codec must have the
// IdentityEvent schema registered for topic.
func NewKafkaProducer(codec *schemas.Codec, prod *tkafka.Producer, topic string) *KafkaProducer {
	return &KafkaProducer{codec: codec, prod: prod, topic: topic}
}

// Messages encodes events as the records ingest produces.
func (p *KafkaProducer) Messages(events []schemas.IdentityEvent) ([]kafka.Message, error) {
	msgs := make([]kafka.Message, len(events))
	for i := range events {
		ev := &events[i]
		value, err := p.codec.Encode(ev)
		if err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", i, ev.EventID, err)
		}
		subject := ""
		if ev.Subject != nil {
			subject = ev.Subject.ID
		}
		msgs[i] = kafka.Message{
			Topic: p.topic,
			Key:   []byte(ev.Key()),
			Value: value,
			Headers: schemas.CloudEvent{
				ID: ev.EventID, Source: CloudEventsSource + "/" + sourcePath(ev.Source),
				Type: schemas.TypeName(schemas.NameIdentityEvent), Time: ev.OccurredAt, Subject: subject,
			}.Headers(),
		}
	}
	return msgs, nil
}

// Produce encodes and delivers events, all or nothing from the sender's point of view.
func (p *KafkaProducer) Produce(ctx context.Context, events []schemas.IdentityEvent) error {
	msgs, err := p.Messages(events)
	if err != nil {
		return err
	}
	if err := p.prod.Produce(ctx, msgs...); err != nil {
		if errors.Is(err, tkafka.ErrUnavailable) {
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	return nil
}

func sourcePath(s schemas.Source) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
