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
	counts, err := PartitionCounts(ctx, cfg, []string{topic})
	if err != nil {
		return nil, err
	}
	cl, closeFn, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range counts[topic] {
		req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	offs, err := cl.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("reading the offsets of %s: %w", topic, classify(err))
	}
	var out []kafka.Message
	for _, po := range offs.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("reading the offsets of %s/%d: %w", topic, po.Partition, classify(po.Error))
		}
		from := max(po.FirstOffset, po.LastOffset-int64(n))
		for from < po.LastOffset {
			resp, err := cl.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: po.Partition, Offset: from, MinBytes: 1, MaxBytes: 8 << 20})
			if err == nil {
				err = resp.Error
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s/%d@%d: %w", topic, po.Partition, from, classify(err))
			}
			got := 0
			for {
				rec, err := resp.Records.ReadRecord()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return nil, fmt.Errorf("reading %s/%d@%d: %w", topic, po.Partition, from, classify(err))
				}
				if rec.Offset < from {
					continue // a batch starts before the offset asked for
				}
				m, err := message(topic, po.Partition, rec)
				if err != nil {
					return nil, err
				}
				out = append(out, m)
				from = rec.Offset + 1
				got++
			}
			if got == 0 {
				break // compacted away, or a transaction marker: nothing more to read
			}
		}
	}
	slices.SortFunc(out, func(a, b kafka.Message) int { return b.Time.Compare(a.Time) })
	return out[:min(n, len(out))], nil
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
