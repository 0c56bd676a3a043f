package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Lead runs fn for the partitions of topic that this member of consumer group holds, and
// again after every rebalance: fn's context ends when the generation does (another member
// joined or left), so at any moment each partition is one member's. It returns when ctx
// ends. The connectors use it so that one replica polls a given source.
func Lead(ctx context.Context, cfg Config, group, topic string, fn func(ctx context.Context, partitions []int)) error {
	cfg.ApplyDefaults()
	d, err := cfg.dialer()
	if err != nil {
		return err
	}
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: group, Brokers: cfg.Brokers, Dialer: d, Topics: []string{topic},
		HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second,
		JoinGroupBackoff: time.Second, WatchPartitionChanges: true, PartitionWatchInterval: 30 * time.Second,
	})
	if err != nil {
		return errors.Join(ErrInvalidConfig, fmt.Errorf("consumer group %s: %w", group, err))
	}
	// Closing the group ends the generation in hand (its fn's context) and leaves the
	// group, so another member takes the partitions over at once.
	stop := context.AfterFunc(ctx, func() { _ = cg.Close() })
	defer stop()
	defer cg.Close()
	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			// The coordinator moved or is unreachable: try again after a pause.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		var parts []int
		for _, a := range gen.Assignments[topic] {
			parts = append(parts, a.ID)
		}
		done := make(chan struct{})
		gen.Start(func(gctx context.Context) {
			defer close(done)
			fn(gctx, parts)
		})
		<-done
	}
}
