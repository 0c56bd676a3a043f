package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// CloudEventsSource is the ce_source of every record ingest produces.
const CloudEventsSource = "/tollgate/ingest"

// AttrRawTruncated is set, to the original size in bytes, when an event's raw payload was
// cut so that its record fits the Kafka message limit; raw then holds a JSON object
// {"tollgate_truncated":true,"original_bytes":N,"prefix":"…"} instead of the payload.
const AttrRawTruncated = "raw_truncated"

// DeadLetterStage is the tollgate_dlq_stage of records ingest dead-letters.
const DeadLetterStage = "ingest"

// KafkaProducer delivers normalized events to the events topic: Avro in the Confluent wire
// format, keyed by subject principal (so one identity's events stay in order), with
// CloudEvents binary-mode headers. Produce returns only after Kafka acknowledged every event
// (acks=all); an outage is reported as ErrUnavailable so the HTTP layer answers 503.
type KafkaProducer struct {
	codec *codec.Codec
	prod  *tkafka.Producer
	topic string
	dlq   string
}

// NewKafkaProducer returns a KafkaProducer writing to topic. The codec must have the
// IdentityEvent schema registered for topic.
func NewKafkaProducer(codec *codec.Codec, prod *tkafka.Producer, topic string) *KafkaProducer {
	return &KafkaProducer{codec: codec, prod: prod, topic: topic}
}

// WithDeadLetterTopic sets the topic ProduceBatch writes rejected items to (tollgate.dlq)
// and returns p.
func (p *KafkaProducer) WithDeadLetterTopic(topic string) *KafkaProducer {
	p.dlq = topic
	return p
}

// Messages encodes events as the records ingest produces. A record over the Kafka message
// limit has its event's raw payload truncated (see AttrRawTruncated; the event is changed in
// place, so the caller sees what was stored); one that is still over it is a *TooLargeError
// naming the event.
func (p *KafkaProducer) Messages(events []schemas.IdentityEvent) ([]kafka.Message, error) {
	msgs := make([]kafka.Message, len(events))
	for i := range events {
		ev := &events[i]
		msg, err := p.message(ev)
		if err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", i, ev.EventID, err)
		}
		if n := tkafka.MessageBytes(&msg); n > tkafka.MaxMessageBytes {
			// Room for raw: the limit less everything else in the record, less a margin
			// for the attribute and the truncation wrapper.
			budget := len(ev.Raw) - (n - tkafka.MaxMessageBytes) - 256
			if !truncateRaw(ev, budget) {
				return nil, &TooLargeError{Event: i, Bytes: n, Limit: tkafka.MaxMessageBytes}
			}
			if msg, err = p.message(ev); err != nil {
				return nil, fmt.Errorf("event %d (%s): %w", i, ev.EventID, err)
			}
			if n := tkafka.MessageBytes(&msg); n > tkafka.MaxMessageBytes {
				return nil, &TooLargeError{Event: i, Bytes: n, Limit: tkafka.MaxMessageBytes}
			}
		}
		msgs[i] = msg
	}
	return msgs, nil
}

func (p *KafkaProducer) message(ev *schemas.IdentityEvent) (kafka.Message, error) {
	value, err := p.codec.Encode(ev)
	if err != nil {
		return kafka.Message{}, err
	}
	subject := ""
	if ev.Subject != nil {
		subject = ev.Subject.ID
	}
	return kafka.Message{
		Topic: p.topic,
		Key:   []byte(ev.Key()),
		Value: value,
		Headers: tkafka.CloudEventHeaders(schemas.CloudEvent{
			ID: ev.EventID, Source: CloudEventsSource + "/" + sourcePath(ev.Source),
			Type: schemas.TypeName(schemas.NameIdentityEvent), Time: ev.OccurredAt, Subject: subject,
		}),
	}, nil
}

// truncateRaw replaces ev.Raw by a valid JSON object of at most budget bytes that says it
// was truncated and keeps as much of the payload's beginning as fits. It reports false when
// budget leaves no useful room.
func truncateRaw(ev *schemas.IdentityEvent, budget int) bool {
	const minBudget = 1024
	if budget < minBudget {
		return false
	}
	orig := ev.Raw
	prefixLen := budget - 96
	for range 8 {
		cut := prefixLen
		for cut > 0 && cut < len(orig) && !utf8.RuneStart(orig[cut]) {
			cut--
		}
		b, err := json.Marshal(struct {
			Truncated bool   `json:"tollgate_truncated"`
			Original  int    `json:"original_bytes"`
			Prefix    string `json:"prefix"`
		}{true, len(orig), string(orig[:min(cut, len(orig))])})
		if err != nil {
			return false
		}
		if len(b) <= budget {
			ev.Raw = b
			if ev.Attributes == nil {
				ev.Attributes = map[string]string{}
			}
			ev.Attributes[AttrRawTruncated] = strconv.Itoa(len(orig))
			return true
		}
		// Escaping made it longer than the bytes it holds: shrink in proportion.
		prefixLen = prefixLen*budget/len(b) - 64
		if prefixLen <= 0 {
			return false
		}
	}
	return false
}

// Produce encodes and delivers events, all or nothing from the sender's point of view.
func (p *KafkaProducer) Produce(ctx context.Context, events []schemas.IdentityEvent) error {
	return p.ProduceBatch(ctx, events, nil)
}

// Rejected is an item of a request that cannot become events; it goes to the DLQ.
type Rejected struct {
	Source string // ingest source name
	Index  int    // the item's index in its request
	Raw    []byte // the item's bytes as received
	Err    error  // why
}

// ProduceBatch delivers events to the events topic and the dead-letter records of rejected
// in one all-or-nothing call: nil only after Kafka acknowledged all of them. An event that
// cannot fit a record is a *TooLargeError before anything is produced.
func (p *KafkaProducer) ProduceBatch(ctx context.Context, events []schemas.IdentityEvent, rejected []Rejected) error {
	msgs, err := p.Messages(events)
	if err != nil {
		return err
	}
	if len(rejected) > 0 && p.dlq == "" {
		// Without a dead-letter topic the request is refused whole (400 naming the first
		// bad item), as before per-item dead-lettering: never a 5xx for bad input.
		return fmt.Errorf("%w: %d rejected items and no dead-letter topic configured", errNoDeadLetters, len(rejected))
	}
	now := time.Now()
	for _, r := range rejected {
		msgs = append(msgs, deadLetter(p.dlq, r, now))
	}
	if err := p.prod.Produce(ctx, msgs...); err != nil {
		switch {
		case errors.Is(err, tkafka.ErrUnavailable):
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		case errors.Is(err, kafka.MessageSizeTooLarge):
			// The broker's message.max.bytes is below tollgate's limit.
			return fmt.Errorf("%w: the broker refused a record as too large (message.max.bytes below %d?): %w", ErrTooLarge, tkafka.MaxMessageBytes, err)
		}
		return err
	}
	return nil
}

// deadLetter is the DLQ record of a rejected item: its bytes as received (cut to fit the
// message limit, saying so in a header), no key, and headers naming the stage, the reason,
// the source and the index. There is no source topic: topic is empty, partition and offset
// -1.
func deadLetter(topic string, r Rejected, now time.Time) kafka.Message {
	value := r.Raw
	headers := []kafka.Header{
		{Key: tkafka.DLQHeaderSource, Value: []byte(r.Source)},
		{Key: tkafka.DLQHeaderIndex, Value: []byte(strconv.Itoa(r.Index))},
	}
	const room = 16 << 10 // headers, error text included (cut at 4 KiB), and overhead
	if len(value) > tkafka.MaxMessageBytes-room {
		headers = append(headers, kafka.Header{Key: tkafka.DLQHeaderTruncated, Value: []byte(strconv.Itoa(len(value)))})
		value = value[:tkafka.MaxMessageBytes-room]
	}
	m := tkafka.DeadLetter(topic, DeadLetterStage, kafka.Message{Partition: -1, Offset: -1, Value: value, Headers: headers}, r.Err, now)
	return m
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
