package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stage"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// RawConsumer serves producers that already speak Kafka (Event Hubs' Kafka endpoint, log
// shippers, Kafka Connect): it consumes raw vendor JSON from the tollgate.raw.<source>
// topics as a consumer group, normalizes each record with the same parsers as the HTTP
// receivers, and produces the events to the events topic.
//
// Every raw record has exactly one fate: its events are produced and acknowledged, then its
// offset is committed; or it cannot be parsed and is dead-lettered (stage "ingest", with the
// reason) and committed; or producing fails and nothing is committed, so it is retried.
// Within a record that is a batch, each item has the same choice on its own: one unreadable
// or invalid item is dead-lettered (its bytes, its index) while the others are produced.
type RawConsumer struct {
	out     *KafkaProducer
	dlq     string
	parsers map[string]Parser
	sources map[string]string // topic -> source name
	log     *slog.Logger
	runner  *stage.Runner
}

// NewRawConsumer builds a consumer of the raw topics of every source. It needs the same
// ParserOptions as the HTTP receivers so both paths normalize alike. drain bounds finishing
// the batch in hand at shutdown (the process's shutdown_timeout).
func NewRawConsumer(cfg tkafka.Config, group string, topics tkafka.Topics, out *KafkaProducer, prod *tkafka.Producer, opts ParserOptions, drain time.Duration, log *slog.Logger) (*RawConsumer, error) {
	sources := map[string]string{}
	var names []string
	for _, s := range tkafka.Sources {
		sources[topics.Raw(s)] = s
		names = append(names, topics.Raw(s))
	}
	r, err := tkafka.NewReader(cfg, group, names)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &RawConsumer{out: out, dlq: topics.DLQ, parsers: Parsers(opts), sources: sources, log: log}
	c.runner = stage.New(stage.Config{Name: DeadLetterStage, DLQ: topics.DLQ, BatchSize: 500, DrainTimeout: drain, Log: log}, r, prod, c.process)
	return c, nil
}

// Ready reports the last failure, if the consumer is currently failing.
func (c *RawConsumer) Ready(ctx context.Context) error { return c.runner.Ready(ctx) }

// Run consumes until ctx is cancelled, then finishes the batch in hand (within the drain
// budget) and closes the reader; see package stage for the loop's contract.
func (c *RawConsumer) Run(ctx context.Context) error { return c.runner.Run(ctx) }

// process parses one batch into the events to produce and the dead letters. Items are
// judged one by one, as in the HTTP path: a record whose body is unusable as a whole is
// dead-lettered whole; otherwise its good events are produced and each unreadable or
// invalid item is dead-lettered on its own, its bytes as the value and its index in a
// header. A registry that cannot be reached makes the batch's error transient.
func (c *RawConsumer) process(_ context.Context, msgs []kafka.Message) (stage.Output, error) {
	type origin struct{ msg, item int }
	var events []schemas.IdentityEvent
	var origins []origin
	var out stage.Output
	batches := make([]Batch, len(msgs))
	now := time.Now()
	for i, m := range msgs {
		src := c.sources[m.Topic]
		b, err := c.parsers[src].ParseBatch(m.Value, now)
		if err != nil {
			out.Add(i, tkafka.DeadLetter(c.dlq, DeadLetterStage, m, fmt.Errorf("parse %s payload: %w", src, err), now))
			continue
		}
		dropReserved(b.Events)
		for k := range b.Events {
			origins = append(origins, origin{i, b.Origin[k]})
		}
		events = append(events, b.Events...)
		batches[i] = b
	}
	itemDead := func(i int, f *EventError) kafka.Message {
		m := msgs[i]
		src := c.sources[m.Topic]
		item := m
		item.Value = f.Raw
		item.Headers = append(append([]kafka.Header(nil), m.Headers...),
			kafka.Header{Key: tkafka.DLQHeaderSource, Value: []byte(src)},
			kafka.Header{Key: tkafka.DLQHeaderIndex, Value: []byte(strconv.Itoa(f.Index))})
		return tkafka.DeadLetter(c.dlq, DeadLetterStage, item, fmt.Errorf("parse %s payload: %w", src, f), now)
	}
	for i := range batches {
		for _, f := range batches[i].Failed {
			out.Add(i, itemDead(i, f))
		}
	}
	encoded, err := c.out.Messages(events)
	for {
		// An event too large for a record even with raw truncated: its item goes to the
		// DLQ instead, and the rest is encoded again.
		var tooLarge *TooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Event < 0 || tooLarge.Event >= len(events) {
			break
		}
		o := origins[tooLarge.Event]
		b := &batches[o.msg]
		b.reject(o.item, tooLarge)
		for _, f := range b.Failed {
			if f.Index == o.item {
				out.Add(o.msg, itemDead(o.msg, f))
			}
		}
		keepEv, keepOr := events[:0], origins[:0]
		for k := range events {
			if origins[k] != o {
				keepEv, keepOr = append(keepEv, events[k]), append(keepOr, origins[k])
			}
		}
		events, origins = keepEv, keepOr
		encoded, err = c.out.Messages(events)
	}
	if err != nil {
		if codec.Retryable(err) {
			return stage.Output{}, stage.Transient(err)
		}
		return stage.Output{}, err
	}
	for k, m := range encoded {
		out.Add(origins[k].msg, m)
	}
	if n := len(out.Messages) - len(encoded); n > 0 {
		c.log.Warn("raw consumer: dead-lettered unparseable records or items", "count", n, "topic", strings.Join(uniqueTopics(msgs), ","))
	}
	return out, nil
}

func uniqueTopics(msgs []kafka.Message) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range msgs {
		if !seen[m.Topic] {
			seen[m.Topic] = true
			out = append(out, m.Topic)
		}
	}
	return out
}
