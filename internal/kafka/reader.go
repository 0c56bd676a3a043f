package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// ReaderQueueCapacity is how many fetched records a reader holds for its
// caller (kafka-go's default is 100, a fifth of a router batch).
const ReaderQueueCapacity = 1000

// NewReader builds a consumer-group reader over topics. Offsets are
// committed only when the caller calls CommitMessages (CommitInterval 0:
// synchronous, explicit commits), so a record is committed after its work
// is done. A group with no committed offset starts at the oldest record.
// MaxWait comes from cfg and bounds both fetch latency and Close. Up to
// ReaderQueueCapacity fetched records wait in the reader, so a consumer
// taking batches of hundreds finds the next batch already fetched.
func NewReader(cfg Config, groupID string, topics []string) (*kafka.Reader, error) {
	return NewReaderWith(cfg, groupID, topics, nil)
}

// NewReaderWith is NewReader with a hook that may adjust the reader
// configuration (for example its GroupBalancers) before it is validated.
func NewReaderWith(cfg Config, groupID string, topics []string, adjust func(*kafka.ReaderConfig)) (*kafka.Reader, error) {
	cfg.ApplyDefaults()
	if groupID == "" {
		return nil, fmt.Errorf("kafka reader: group id is required: %w", ErrInvalidConfig)
	}
	if len(topics) == 0 {
		return nil, fmt.Errorf("kafka reader for group %s: no topics: %w", groupID, ErrInvalidConfig)
	}
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("kafka.brokers: at least one broker address is required: %w", ErrInvalidConfig)
	}
	d, err := cfg.dialer()
	if err != nil {
		return nil, err
	}
	rc := kafka.ReaderConfig{
		Brokers:        cfg.Brokers,
		GroupID:        groupID,
		GroupTopics:    topics,
		Dialer:         d,
		MinBytes:       1,
		MaxBytes:       10 << 20,
		MaxWait:        cfg.MaxWait.D(),
		QueueCapacity:  ReaderQueueCapacity,
		CommitInterval: 0,
		StartOffset:    kafka.FirstOffset,
	}
	if adjust != nil {
		adjust(&rc)
	}
	if err := rc.Validate(); err != nil {
		return nil, errors.Join(ErrInvalidConfig, fmt.Errorf("kafka reader for group %s: %w", groupID, err))
	}
	return kafka.NewReader(rc), nil
}

// PartitionCounts returns the partition count of each topic. A topic the
// brokers do not know is an error naming it.
func PartitionCounts(ctx context.Context, cfg Config, topics []string) (map[string]int, error) {
	cl, closeFn, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	meta, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("reading partition counts of %v: %w", topics, classify(err))
	}
	out := make(map[string]int, len(topics))
	for _, t := range meta.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("reading partition count of %s: %w", t.Name, classify(t.Error))
		}
		out[t.Name] = len(t.Partitions)
	}
	for _, t := range topics {
		if _, ok := out[t]; !ok {
			return nil, fmt.Errorf("reading partition count of %s: topic not in metadata: %w", t, ErrRejected)
		}
	}
	return out, nil
}
