// Package stacktest starts, for one test, the Kafka side of tollgate's in-process stack: the
// embedded broker (Kafka 4 minimum versions enforced) with every topic of the topic plan,
// the embedded Schema Registry with every topic's value schema registered, a codec and a
// producer. Services' integration tests build on it instead of each wiring the same five
// pieces.
package stacktest

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/registry"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Stack is one test's broker, topics, registry codec and producer.
type Stack struct {
	Broker   *broker.Broker
	Kafka    kafka.Config
	Topics   kafka.Topics
	Codec    *codec.Codec
	Producer *kafka.Producer
}

// Start starts a broker on b (a fresh one when nil) and a registry, creates the topics of
// cfg's plan (cfg's Brokers are set to the broker; its other keys are kept, defaults filled)
// and registers IdentityEvent, RoutedEvent and Finding for their topics. Everything is
// closed when the test ends; any failure fails the test.
func Start(t testing.TB, b *broker.Broker, cfg kafka.Config) *Stack {
	t.Helper()
	if b == nil {
		b = broker.StartForTest(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg.Brokers = b.Brokers()
	cfg.ApplyDefaults()
	if err := kafka.CreateTopics(ctx, cfg, cfg.TopicPlan()...); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	reg := registry.StartForTest(t)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	codec, err := codec.NewCodec(cl)
	if err != nil {
		t.Fatal(err)
	}
	topics := kafka.TopicNames(cfg.TopicPrefix)
	register := func(topic string, v any) {
		if _, err := codec.Register(ctx, topic, v); err != nil {
			t.Fatalf("register %s: %v", topic, err)
		}
	}
	register(topics.Events, &schemas.IdentityEvent{})
	register(topics.Findings, &schemas.Finding{})
	for _, lane := range topics.LaneTopics() {
		register(lane, &schemas.RoutedEvent{})
	}
	p, err := kafka.NewProducer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &Stack{Broker: b, Kafka: cfg, Topics: topics, Codec: codec, Producer: p}
}
