package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
)

// Tail returns up to n of the newest records of topic (the last n of each partition, then
// the newest n of those by time), newest first, without joining a consumer group or
// committing anything: the console reads the dead-letter topic with it.
func Tail(ctx context.Context, cfg Config, topic string, n int) ([]kafka.Message, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []kafka.Message
	err := scan(ctx, cfg, topic, func(first, last int64) int64 { return max(first, last-int64(n)) }, func(m kafka.Message) { out = append(out, m) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b kafka.Message) int { return b.Time.Compare(a.Time) })
	return out[:min(n, len(out))], nil
}

// Latest reads a compacted topic whole and returns the newest value of each key (a key
// whose newest record has no value, a tombstone, is absent).
func Latest(ctx context.Context, cfg Config, topic string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := scan(ctx, cfg, topic, func(first, _ int64) int64 { return first }, func(m kafka.Message) {
		if m.Value == nil {
			delete(out, string(m.Key))
			return
		}
		out[string(m.Key)] = m.Value
	})
	return out, err
}

// scan reads every partition of topic from the offset from picks (given the partition's
// first and last offsets) to its end, in offset order within a partition.
func scan(ctx context.Context, cfg Config, topic string, from func(first, last int64) int64, fn func(kafka.Message)) error {
	counts, err := PartitionCounts(ctx, cfg, []string{topic})
	if err != nil {
		return err
	}
	cl, closeFn, err := newClient(cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range counts[topic] {
		req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	offs, err := cl.ListOffsets(ctx, req)
	if err != nil {
		return fmt.Errorf("reading the offsets of %s: %w", topic, classify(err))
	}
	for _, po := range offs.Topics[topic] {
		if po.Error != nil {
			return fmt.Errorf("reading the offsets of %s/%d: %w", topic, po.Partition, classify(po.Error))
		}
		at := from(po.FirstOffset, po.LastOffset)
		for at < po.LastOffset {
			resp, err := cl.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: po.Partition, Offset: at, MinBytes: 1, MaxBytes: 8 << 20})
			if err == nil {
				err = resp.Error
			}
			if err != nil {
				return fmt.Errorf("reading %s/%d@%d: %w", topic, po.Partition, at, classify(err))
			}
			got := 0
			for {
				rec, err := resp.Records.ReadRecord()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return fmt.Errorf("reading %s/%d@%d: %w", topic, po.Partition, at, classify(err))
				}
				if rec.Offset < at {
					continue // a batch starts before the offset asked for
				}
				m, err := message(topic, po.Partition, rec)
				if err != nil {
					return err
				}
				fn(m)
				at = rec.Offset + 1
				got++
			}
			if got == 0 {
				break // compacted away, or a transaction marker: nothing more to read
			}
		}
	}
	return nil
}

func message(topic string, partition int, rec *kafka.Record) (kafka.Message, error) {
	m := kafka.Message{Topic: topic, Partition: partition, Offset: rec.Offset, Time: rec.Time}
	var err error
	if rec.Key != nil {
		if m.Key, err = protocol.ReadAll(rec.Key); err != nil {
			return m, err
		}
	}
	if rec.Value != nil {
		if m.Value, err = protocol.ReadAll(rec.Value); err != nil {
			return m, err
		}
	}
	for _, h := range rec.Headers {
		m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return m, nil
}
