package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// partitionCache remembers each topic's partition list for the producer's
// balancer, so that placing a message costs no metadata request. An entry
// lives for the transport's metadata TTL, and is forgotten at once when a
// produce to its topic fails, so a grown topic is noticed.
type partitionCache struct {
	client *kafka.Client
	ttl    time.Duration

	mu     sync.Mutex
	topics map[string]partitionList
}

type partitionList struct {
	partitions []int
	expires    time.Time
}

func newPartitionCache(client *kafka.Client, ttl time.Duration) *partitionCache {
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	return &partitionCache{client: client, ttl: ttl, topics: map[string]partitionList{}}
}

// get returns the partitions of topic, 0…n-1. A topic the brokers do not
// know is an error naming it.
func (c *partitionCache) get(ctx context.Context, topic string) ([]int, error) {
	now := time.Now()
	c.mu.Lock()
	l, ok := c.topics[topic]
	c.mu.Unlock()
	if ok && now.Before(l.expires) {
		return l.partitions, nil
	}
	meta, err := c.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading partitions of %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("reading partitions of %s: %w", topic, t.Error)
		}
		if len(t.Partitions) == 0 {
			break
		}
		parts := make([]int, len(t.Partitions))
		for i := range parts {
			parts[i] = i
		}
		c.mu.Lock()
		c.topics[topic] = partitionList{partitions: parts, expires: now.Add(c.ttl)}
		c.mu.Unlock()
		return parts, nil
	}
	return nil, fmt.Errorf("reading partitions of %s: %w", topic, kafka.UnknownTopicOrPartition)
}

// forget drops topic's entry so that the next get asks the brokers.
func (c *partitionCache) forget(topic string) {
	c.mu.Lock()
	delete(c.topics, topic)
	c.mu.Unlock()
}
