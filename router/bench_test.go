package router

import (
	"context"
	"os"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/registry"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// benchEvents is the default policy's own test cases: a mix of every action
// and source, including events decided late in the rule list and by the
// default.
func benchEvents(b *testing.B) []schemas.IdentityEvent {
	b.Helper()
	data, err := os.ReadFile("policies/default_test.yaml")
	if err != nil {
		b.Fatal(err)
	}
	tf, err := parseTestFile(data)
	if err != nil {
		b.Fatal(err)
	}
	var evs []schemas.IdentityEvent
	for _, c := range tf.Cases {
		e, err := c.events(nil)
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return evs
}

func BenchmarkDecide(b *testing.B) {
	p, err := DefaultPolicy()
	if err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(b)
	now := time.Now()
	b.ReportAllocs()
	cpu := startCPU(b)
	i := 0
	for b.Loop() {
		if _, err := p.Decide(&evs[i%len(evs)], now); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report()
}

// cpuMeter reports the process CPU time (user+system, GC included) per
// operation beside ns/op: on a shared machine wall time per operation
// depends on the neighbours, CPU time much less.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) cpuMeter { return cpuMeter{b: b, start: processCPU()} }

func (m cpuMeter) report() {
	m.b.ReportMetric(float64(processCPU()-m.start)/float64(m.b.N), "cpu-ns/op")
}

// benchCodec is a codec on the embedded registry with the IdentityEvent
// schema registered for tollgate.events and the RoutedEvent schema for the
// lanes, and the labelled fixtures encoded as tollgate.events values.
func benchCodec(b testing.TB) (*codec.Codec, kafka.Topics, []kafkago.Message) {
	b.Helper()
	codec, topics, msgs, _ := routeCodec(b)
	return codec, topics, msgs
}

// routeCodec is benchCodec with the registry client, for tests that
// register other writer schemas.
func routeCodec(b testing.TB) (*codec.Codec, kafka.Topics, []kafkago.Message, *sr.Client) {
	b.Helper()
	reg := registry.StartForTest(b)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		b.Fatal(err)
	}
	codec, err := codec.NewCodec(cl)
	if err != nil {
		b.Fatal(err)
	}
	topics := kafka.TopicNames("tollgate")
	ctx := context.Background()
	if _, err := codec.Register(ctx, topics.Events, &schemas.IdentityEvent{}); err != nil {
		b.Fatal(err)
	}
	for _, lt := range topics.LaneTopics() {
		if _, err := codec.Register(ctx, lt, &schemas.RoutedEvent{}); err != nil {
			b.Fatal(err)
		}
	}
	evs := fixtureEvents(b)
	msgs := make([]kafkago.Message, len(evs))
	for i := range evs {
		v, err := codec.Encode(&evs[i])
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = kafkago.Message{Topic: topics.Events, Key: []byte(evs[i].Key()), Value: v}
	}
	return codec, topics, msgs, cl
}

// BenchmarkCodec measures the router's Avro work per event through the
// Codec (Confluent framing included): decoding an IdentityEvent and encoding
// the RoutedEvent, over the labelled fixtures.
func BenchmarkCodec(b *testing.B) {
	codec, _, msgs := benchCodec(b)
	ctx := context.Background()
	p, err := DefaultPolicy()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	routed := make([]schemas.RoutedEvent, len(msgs))
	for i := range msgs {
		if err := codec.Decode(ctx, msgs[i].Value, &routed[i].Event); err != nil {
			b.Fatal(err)
		}
		if routed[i].Decision, err = p.Decide(&routed[i].Event, now); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		cpu := startCPU(b)
		i := 0
		for b.Loop() {
			var ev schemas.IdentityEvent
			if err := codec.Decode(ctx, msgs[i%len(msgs)].Value, &ev); err != nil {
				b.Fatal(err)
			}
			i++
		}
		cpu.report()
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		cpu := startCPU(b)
		i := 0
		for b.Loop() {
			if _, err := codec.Encode(&routed[i%len(routed)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		cpu.report()
	})
}

// BenchmarkRoute measures the router's CPU per event without Kafka: decode,
// decide, encode and the CloudEvents headers, over the labelled fixtures.
func BenchmarkRoute(b *testing.B) {
	codec, topics, msgs := benchCodec(b)
	p, err := DefaultPolicy()
	if err != nil {
		b.Fatal(err)
	}
	svc := NewService(ServiceConfig{Topics: topics}, codec, NewPolicyHolder(p, nil, nil), nil, nil, nil)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	cpu := startCPU(b)
	i := 0
	for b.Loop() {
		if _, err := svc.route(ctx, &msgs[i%len(msgs)], now); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report()
}
