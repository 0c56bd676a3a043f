package router

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// KafkaHistory reads the IdentityEvents of the events topic within a time
// range, for `tollgate policy replay`. It joins no consumer group and commits
// nothing: each partition is read from the first offset at or after From to
// the end offset captured when reading starts, so a replay over a live topic
// ends.
type KafkaHistory struct {
	// Kafka is the client configuration.
	Kafka kafka.Config
	// Topic is the events topic (default: tollgate.events under Kafka.TopicPrefix).
	Topic string
	// Codec decodes the records.
	Codec *codec.Codec
	// From and To bound the range, From included and To excluded; a zero
	// From means the oldest record, a zero To the end captured at start.
	From, To time.Time
	// ByOccurredAt filters on the event's occurred_at instead of the record
	// timestamp. Reading still starts at the record timestamp From, since an
	// event is recorded after it occurred.
	ByOccurredAt bool
	// Skipped counts records that did not decode (the router dead-lettered
	// them); they are left out of the replay.
	Skipped int
}

// Events yields the events in range, partition by partition, in offset
// order. A Kafka or registry failure is yielded as an error and ends the
// sequence.
func (h *KafkaHistory) Events(ctx context.Context) iter.Seq2[*schemas.IdentityEvent, error] {
	return func(yield func(*schemas.IdentityEvent, error) bool) {
		cfg := h.Kafka
		cfg.ApplyDefaults()
		topic := h.Topic
		if topic == "" {
			topic = kafka.TopicNames(cfg.TopicPrefix).Events
		}
		ranges, err := offsetRanges(ctx, cfg, topic, h.From)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, pr := range ranges {
			if pr.start >= pr.end {
				continue
			}
			if !h.readPartition(ctx, cfg, topic, pr, yield) {
				return
			}
		}
	}
}

type partitionRange struct {
	partition  int
	start, end int64
}

// readPartition yields the events of one partition's range; it reports
// whether the caller wants more.
func (h *KafkaHistory) readPartition(ctx context.Context, cfg kafka.Config, topic string, pr partitionRange,
	yield func(*schemas.IdentityEvent, error) bool) bool {
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers: cfg.Brokers, Topic: topic, Partition: pr.partition,
		MaxWait: cfg.MaxWait.D(), MaxBytes: 10 << 20,
	})
	defer r.Close()
	if err := r.SetOffset(pr.start); err != nil {
		return yield(nil, fmt.Errorf("replay %s/%d: seek to %d: %w", topic, pr.partition, pr.start, err))
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return yield(nil, fmt.Errorf("replay %s/%d: read at offset %d: %w", topic, pr.partition, pr.start, err))
		}
		if ev, ok, err := h.decode(ctx, m); err != nil {
			return yield(nil, err)
		} else if ok && !yield(ev, nil) {
			return false
		}
		if m.Offset >= pr.end-1 {
			return true
		}
	}
}

// decode returns the event of m if it is in range.
func (h *KafkaHistory) decode(ctx context.Context, m kafkago.Message) (*schemas.IdentityEvent, bool, error) {
	if !h.ByOccurredAt && !h.inRange(m.Time) {
		return nil, false, nil
	}
	var ev schemas.IdentityEvent
	if err := h.Codec.Decode(ctx, m.Value, &ev); err != nil {
		if codec.Retryable(err) {
			return nil, false, fmt.Errorf("replay %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
		h.Skipped++
		return nil, false, nil
	}
	if h.ByOccurredAt && !h.inRange(ev.OccurredAt) {
		return nil, false, nil
	}
	return &ev, true, nil
}

func (h *KafkaHistory) inRange(t time.Time) bool {
	return (h.From.IsZero() || !t.Before(h.From)) && (h.To.IsZero() || t.Before(h.To))
}

// errNoPartitions reports a topic without partitions (it does not exist).
var errNoPartitions = errors.New("topic has no partitions")

// offsetRanges returns, per partition of topic, the first offset whose
// record timestamp is at or after from (the oldest when from is zero) and
// the current end offset.
func offsetRanges(ctx context.Context, cfg kafka.Config, topic string, from time.Time) ([]partitionRange, error) {
	cl := &kafkago.Client{Addr: kafkago.TCP(cfg.Brokers...), Timeout: cfg.DialTimeout.D() + 5*time.Second}
	meta, err := cl.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("replay: metadata of %s: %w", topic, err)
	}
	var parts []int
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("replay: topic %s: %w", topic, t.Error)
		}
		for _, p := range t.Partitions {
			parts = append(parts, p.ID)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("replay: %s: %w", topic, errNoPartitions)
	}
	ends, err := listOffsets(ctx, cl, topic, parts, func(p int) kafkago.OffsetRequest { return kafkago.LastOffsetOf(p) })
	if err != nil {
		return nil, err
	}
	startReq := func(p int) kafkago.OffsetRequest { return kafkago.FirstOffsetOf(p) }
	if !from.IsZero() {
		startReq = func(p int) kafkago.OffsetRequest { return kafkago.TimeOffsetOf(p, from) }
	}
	starts, err := listOffsets(ctx, cl, topic, parts, startReq)
	if err != nil {
		return nil, err
	}
	out := make([]partitionRange, 0, len(parts))
	for _, p := range parts {
		pr := partitionRange{partition: p, end: ends[p].LastOffset}
		switch {
		case from.IsZero():
			pr.start = starts[p].FirstOffset
		default:
			// No record at or after from: the partition has nothing in range.
			pr.start = pr.end
			for off := range starts[p].Offsets {
				if off >= 0 {
					pr.start = off
				}
			}
		}
		out = append(out, pr)
	}
	return out, nil
}

func listOffsets(ctx context.Context, cl *kafkago.Client, topic string, parts []int, req func(int) kafkago.OffsetRequest) (map[int]kafkago.PartitionOffsets, error) {
	r := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	for _, p := range parts {
		r.Topics[topic] = append(r.Topics[topic], req(p))
	}
	resp, err := cl.ListOffsets(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("replay: offsets of %s: %w", topic, err)
	}
	out := make(map[int]kafkago.PartitionOffsets, len(parts))
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("replay: offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		out[po.Partition] = po
	}
	return out, nil
}
