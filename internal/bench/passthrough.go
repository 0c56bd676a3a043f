package bench

import (
	"context"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/internal/kafka"
)

// Passthrough is the router's baseline: the same consumer group reader,
// batching (500 records, 5 ms linger), producer and per-batch commit as the
// router, moving each record's key, value and headers unchanged from one
// topic to another. The router's cost over it is decode, decide and encode.
type Passthrough struct {
	Kafka    kafka.Config
	Group    string
	From, To string
	Producer *kafka.Producer
	// BatchSize and Linger default to the router's.
	BatchSize int
	Linger    time.Duration
}

// Run moves records until ctx ends.
func (p *Passthrough) Run(ctx context.Context) error {
	size, linger := p.BatchSize, p.Linger
	if size <= 0 {
		size = 500
	}
	if linger <= 0 {
		linger = 5 * time.Millisecond
	}
	r, err := kafka.NewReader(p.Kafka, p.Group, []string{p.From})
	if err != nil {
		return fmt.Errorf("passthrough: %w", err)
	}
	defer r.Close()
	batch := make([]kafkago.Message, 0, size)
	out := make([]kafkago.Message, 0, size)
	for {
		batch = batch[:0]
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("passthrough: fetch %s: %w", p.From, err)
		}
		batch = append(batch, m)
		lctx, cancel := context.WithTimeout(ctx, linger)
		for len(batch) < size {
			m, err := r.FetchMessage(lctx)
			if err != nil {
				break
			}
			batch = append(batch, m)
		}
		cancel()
		out = out[:0]
		for i := range batch {
			out = append(out, kafkago.Message{Topic: p.To, Key: batch[i].Key, Value: batch[i].Value, Headers: batch[i].Headers})
		}
		if err := p.Producer.Produce(ctx, out...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("passthrough: produce to %s: %w", p.To, err)
		}
		if err := r.CommitMessages(ctx, lastPerPartition(batch)...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("passthrough: commit: %w", err)
		}
	}
}

// lastPerPartition returns the last record of each partition in batch: the
// offsets to commit.
func lastPerPartition(batch []kafkago.Message) []kafkago.Message {
	idx := map[string]int{}
	var last []kafkago.Message
	for _, m := range batch {
		k := fmt.Sprintf("%s/%d", m.Topic, m.Partition)
		if i, ok := idx[k]; ok {
			last[i] = m
			continue
		}
		idx[k] = len(last)
		last = append(last, m)
	}
	return last
}
