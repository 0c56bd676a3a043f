package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
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
	reader  *kafka.Reader
	out     *KafkaProducer
	prod    *tkafka.Producer
	dlq     string
	parsers map[string]Parser
	sources map[string]string // topic -> source name
	log     *slog.Logger
	batch   int
	lastErr atomic.Value // string
}

// NewRawConsumer builds a consumer of the raw topics of every source. It needs the same
// ParserOptions as the HTTP receivers so both paths normalize alike.
func NewRawConsumer(cfg tkafka.Config, group string, topics tkafka.Topics, out *KafkaProducer, prod *tkafka.Producer, opts ParserOptions, log *slog.Logger) (*RawConsumer, error) {
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
	return &RawConsumer{reader: r, out: out, prod: prod, dlq: topics.DLQ, parsers: Parsers(opts),
		sources: sources, log: log, batch: 500}, nil
}

// Ready reports the last failure, if the consumer is currently failing.
func (c *RawConsumer) Ready(context.Context) error {
	if s, _ := c.lastErr.Load().(string); s != "" {
		return errors.New(s)
	}
	return nil
}

// Run consumes until ctx is cancelled, then finishes the batch in hand and closes the reader.
func (c *RawConsumer) Run(ctx context.Context) error {
	defer c.reader.Close()
	for {
		msgs, err := c.fetch(ctx)
		if len(msgs) > 0 {
			// The batch in hand is finished even when shutdown began, with its own budget.
			if perr := c.process(context.WithoutCancel(ctx), msgs); perr != nil {
				return perr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("raw consumer: %w", err)
		}
	}
}

// fetch returns up to c.batch records, waiting briefly for more after the first.
func (c *RawConsumer) fetch(ctx context.Context) ([]kafka.Message, error) {
	first, err := c.reader.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []kafka.Message{first}
	linger, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	for len(msgs) < c.batch {
		m, err := c.reader.FetchMessage(linger)
		if err != nil {
			if ctx.Err() != nil {
				return msgs, ctx.Err()
			}
			break
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// process parses, produces and commits one batch, retrying retryable failures until they
// pass or the shutdown budget (the caller's process lifetime) ends. Items are judged one
// by one, as in the HTTP path: a record whose body is unusable as a whole is dead-lettered
// whole; otherwise its good events are produced and each unreadable or invalid item is
// dead-lettered on its own, its bytes as the value and its index in a header.
func (c *RawConsumer) process(ctx context.Context, msgs []kafka.Message) error {
	type origin struct{ msg, item int }
	var events []schemas.IdentityEvent
	var origins []origin
	var dead []kafka.Message
	batches := make([]Batch, len(msgs))
	now := time.Now()
	for i, m := range msgs {
		src := c.sources[m.Topic]
		b, err := c.parsers[src].ParseBatch(m.Value, now)
		if err != nil {
			dead = append(dead, tkafka.DeadLetter(c.dlq, DeadLetterStage, m, fmt.Errorf("parse %s payload: %w", src, err), now))
			continue
		}
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
			dead = append(dead, itemDead(i, f))
		}
	}
	out, err := c.out.Messages(events)
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
				dead = append(dead, itemDead(o.msg, f))
			}
		}
		keepEv, keepOr := events[:0], origins[:0]
		for k := range events {
			if origins[k] != o {
				keepEv, keepOr = append(keepEv, events[k]), append(keepOr, origins[k])
			}
		}
		events, origins = keepEv, keepOr
		out, err = c.out.Messages(events)
	}
	if err != nil {
		return err
	}
	out = append(out, dead...)
	for backoff := 100 * time.Millisecond; ; backoff = min(backoff*2, 10*time.Second) {
		err := c.prod.Produce(ctx, out...)
		if err == nil {
			break
		}
		if !tkafka.Retryable(err) {
			return err
		}
		c.lastErr.Store(err.Error())
		c.log.Warn("raw consumer: produce failed, retrying", "err", err, "backoff", backoff.String())
		time.Sleep(backoff)
	}
	if err := c.reader.CommitMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("raw consumer: commit: %w", err)
	}
	c.lastErr.Store("")
	if len(dead) > 0 {
		c.log.Warn("raw consumer: dead-lettered unparseable records or items", "count", len(dead), "topic", strings.Join(uniqueTopics(msgs), ","))
	}
	return nil
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
