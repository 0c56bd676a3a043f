package kafka

import (
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// NewReader builds a consumer-group reader over topics. Offsets are
// committed only when the caller calls CommitMessages (CommitInterval 0:
// synchronous, explicit commits), so a record is committed after its work
// is done. A group with no committed offset starts at the oldest record.
// MaxWait comes from cfg and bounds both fetch latency and Close.
func NewReader(cfg Config, groupID string, topics []string) (*kafka.Reader, error) {
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
		CommitInterval: 0,
		StartOffset:    kafka.FirstOffset,
	}
	if err := rc.Validate(); err != nil {
		return nil, errors.Join(ErrInvalidConfig, fmt.Errorf("kafka reader for group %s: %w", groupID, err))
	}
	return kafka.NewReader(rc), nil
}
