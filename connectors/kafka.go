package connectors

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"

	kafkago "github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
)

// KafkaCursors keeps each connector's cursor as the newest record of its name on the
// compacted connectors topic, so it survives a restart and a move to another replica.
type KafkaCursors struct {
	Kafka    tkafka.Config
	Topic    string
	Producer interface {
		Produce(ctx context.Context, msgs ...kafkago.Message) error
	}
}

// Load returns the newest cursor saved under name ("" if none).
func (c *KafkaCursors) Load(ctx context.Context, name string) (string, error) {
	all, err := tkafka.Latest(ctx, c.Kafka, c.Topic)
	if err != nil {
		return "", err
	}
	return string(all[name]), nil
}

// Save produces cursor under name and returns once Kafka acknowledged it.
func (c *KafkaCursors) Save(ctx context.Context, name, cursor string) error {
	return c.Producer.Produce(ctx, kafkago.Message{Topic: c.Topic, Key: []byte(name), Value: []byte(cursor)})
}

// partitionOf is the connectors-topic partition whose holder runs the connector name.
func partitionOf(name string, partitions int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return int(h.Sum32() % uint32(max(partitions, 1)))
}

// Lead runs run(ctx, name) for each of names whose partition of the connectors topic this
// replica holds in consumer group, restarting them after each rebalance: at any moment
// one replica runs a given connector. partitions is the topic's partition count.
func Lead(ctx context.Context, k tkafka.Config, group, topic string, partitions int, names []string, run func(ctx context.Context, name string)) error {
	return tkafka.Lead(ctx, k, group, topic, func(gctx context.Context, held []int) {
		var wg sync.WaitGroup
		for _, name := range names {
			if !slices.Contains(held, partitionOf(name, partitions)) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(gctx, name)
			}()
		}
		wg.Wait()
		<-gctx.Done()
	})
}
