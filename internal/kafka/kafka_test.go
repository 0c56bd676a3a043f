package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/kafka"
)

func testConfig(b *broker.Broker) kafka.Config {
	c := kafka.Config{Brokers: b.Brokers(), TopicPrefix: "t"}
	c.ApplyDefaults()
	return c
}

// bounded is the context every integration step runs under: a bound on a
// hung test, not a timing assertion.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTopicNames(t *testing.T) {
	n := kafka.TopicNames("")
	if n.Events != "tollgate.events" || n.Findings != "tollgate.findings" || n.DLQ != "tollgate.dlq" {
		t.Errorf("names %+v", n)
	}
	if got := n.Lane("BREAK_GLASS"); got != "tollgate.lane.break_glass" {
		t.Errorf("Lane(BREAK_GLASS) = %s", got)
	}
	if got := n.Raw("google_workspace"); got != "tollgate.raw.google_workspace" {
		t.Errorf("Raw = %s", got)
	}
	all := kafka.TopicNames("acme").All()
	want := []string{
		"acme.events",
		"acme.lane.help_desk", "acme.lane.service_desk", "acme.lane.break_glass", "acme.lane.nhi", "acme.lane.observe", "acme.lane.triage",
		"acme.findings", "acme.dlq", "acme.connectors",
		"acme.raw.okta", "acme.raw.entra", "acme.raw.cloudtrail", "acme.raw.google_workspace", "acme.raw.servicenow", "acme.raw.jira_sm",
	}
	if !slices.Equal(all, want) {
		t.Errorf("All() = %v\nwant %v", all, want)
	}
}

func TestTopicPlan(t *testing.T) {
	c := kafka.Config{TopicPrefix: "p", Partitions: 6, ReplicationFactor: 3}
	plan := c.TopicPlan()
	if len(plan) != len(kafka.TopicNames("p").All()) {
		t.Fatalf("plan has %d topics", len(plan))
	}
	for _, s := range plan {
		if s.Partitions != 6 || s.ReplicationFactor != 3 || s.Configs["min.insync.replicas"] != "2" || (s.Configs["retention.ms"] == "") != (s.Name == "p.connectors") {
			t.Errorf("spec %+v", s)
		}
	}
	if plan[7].Name != "p.findings" || plan[7].Configs["cleanup.policy"] != "compact,delete" {
		t.Errorf("findings spec %+v", plan[7])
	}
	if plan[9].Name != "p.connectors" || plan[9].Configs["cleanup.policy"] != "compact" {
		t.Errorf("connectors spec %+v: the cursors are compacted, never expired", plan[9])
	}
}

func TestCreateTopicsIsIdempotent(t *testing.T) {
	b := broker.StartForTest(t)
	cfg := testConfig(b)
	ctx := bounded(t)
	plan := cfg.TopicPlan()
	if err := kafka.CreateTopics(ctx, cfg, plan...); err != nil {
		t.Fatalf("first create: %v", err)
	}
	if err := kafka.CreateTopics(ctx, cfg, plan...); err != nil {
		t.Fatalf("second create: %v", err)
	}
	cl := &kafkago.Client{Addr: kafkago.TCP(b.Addr())}
	md, err := cl.Metadata(ctx, &kafkago.MetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, tp := range md.Topics {
		parts[tp.Name] = len(tp.Partitions)
	}
	for _, name := range kafka.TopicNames("t").All() {
		if parts[name] != 3 {
			t.Errorf("topic %s has %d partitions, want 3", name, parts[name])
		}
	}
	dc, err := cl.DescribeConfigs(ctx, &kafkago.DescribeConfigsRequest{Resources: []kafkago.DescribeConfigRequestResource{{
		ResourceType: kafkago.ResourceTypeTopic, ResourceName: "t.dlq", ConfigNames: []string{"retention.ms"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := dc.Resources[0].ConfigEntries[0].ConfigValue; got != strconv.Itoa(30*24*3600*1000) {
		t.Errorf("t.dlq retention.ms = %s", got)
	}
}

func TestCreateTopicsReportsTheTopic(t *testing.T) {
	b := broker.StartForTest(t)
	cfg := testConfig(b)
	// One broker cannot hold three replicas.
	err := kafka.CreateTopics(bounded(t), cfg, kafka.TopicSpec{Name: "t.too-many-replicas", Partitions: 1, ReplicationFactor: 3})
	if err == nil {
		t.Fatal("replication factor 3 on one broker accepted")
	}
	if !errors.Is(err, kafka.ErrRejected) || !strings.Contains(err.Error(), "t.too-many-replicas") {
		t.Fatalf("error %q: want ErrRejected naming the topic", err)
	}
}

func TestPing(t *testing.T) {
	b := broker.StartForTest(t)
	if err := kafka.Ping(bounded(t), testConfig(b)); err != nil {
		t.Fatalf("ping running broker: %v", err)
	}
	down := kafka.Config{Brokers: []string{closedAddr(t)}}
	if err := kafka.Ping(bounded(t), down); !errors.Is(err, kafka.ErrUnavailable) {
		t.Fatalf("ping closed port: %v, want ErrUnavailable", err)
	}
}

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProduceUnavailable(t *testing.T) {
	p, err := kafka.NewProducer(kafka.Config{Brokers: []string{closedAddr(t)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Produce(bounded(t), kafkago.Message{Topic: "t.events", Value: []byte("x")})
	if !errors.Is(err, kafka.ErrUnavailable) {
		t.Fatalf("produce to closed port: %v, want ErrUnavailable", err)
	}
	if !kafka.Retryable(err) {
		t.Fatal("unavailable error not retryable")
	}
}

func TestProduceWithoutTopicIsRejected(t *testing.T) {
	b := broker.StartForTest(t)
	p, err := kafka.NewProducer(testConfig(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Produce(bounded(t), kafkago.Message{Value: []byte("x")}); !errors.Is(err, kafka.ErrRejected) {
		t.Fatalf("got %v, want ErrRejected", err)
	}
}

func TestProduceCompressionRoundTrip(t *testing.T) {
	b := broker.StartForTest(t)
	ctx := bounded(t)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			cfg := testConfig(b)
			cfg.Compression = codec
			topic := "t.codec." + codec
			if err := kafka.CreateTopics(ctx, cfg, kafka.TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: 1}); err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			p, err := kafka.NewProducer(cfg, reg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			msgs := make([]kafkago.Message, 50)
			for i := range msgs {
				msgs[i] = kafkago.Message{Topic: topic, Key: []byte("k"), Value: []byte(fmt.Sprintf("value-%03d-%s", i, codec))}
			}
			if err := p.Produce(ctx, msgs...); err != nil {
				t.Fatal(err)
			}
			if got := counterValue(t, reg, "tollgate_kafka_produced_messages_total"); got != 50 {
				t.Errorf("produced counter %v, want 50", got)
			}
			r, err := kafka.NewReader(cfg, "g-"+codec, []string{topic})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := range msgs {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if string(m.Value) != string(msgs[i].Value) {
					t.Fatalf("message %d = %q, want %q", i, m.Value, msgs[i].Value)
				}
			}
		})
	}
}

func counterValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestConsumerGroupSurvivesBrokerRestart produces, consumes and commits
// half, restarts the broker on the same data dir and address, produces
// more, and checks that the group resumes exactly after its commits:
// nothing lost, nothing committed seen again.
func TestConsumerGroupSurvivesBrokerRestart(t *testing.T) {
	dir := t.TempDir()
	b := broker.StartForTestWith(t, broker.Options{DataDir: dir})
	addr := b.Addr()
	cfg := testConfig(b)
	ctx := bounded(t)
	topic := kafka.TopicNames("t").Events
	if err := kafka.CreateTopics(ctx, cfg, cfg.TopicPlan()...); err != nil {
		t.Fatal(err)
	}

	produce := func(from, to int) {
		t.Helper()
		p, err := kafka.NewProducer(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		var msgs []kafkago.Message
		for i := from; i < to; i++ {
			msgs = append(msgs, kafkago.Message{Topic: topic, Key: []byte("principal-" + strconv.Itoa(i%7)), Value: []byte(strconv.Itoa(i))})
		}
		if err := p.Produce(ctx, msgs...); err != nil {
			t.Fatalf("produce %d..%d: %v", from, to, err)
		}
	}
	seen := map[string]int{}
	consume := func(n int) {
		t.Helper()
		r, err := kafka.NewReader(cfg, "router", []string{topic})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for range n {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("fetch after %d messages: %v", len(seen), err)
			}
			seen[string(m.Value)]++
			if err := r.CommitMessages(ctx, m); err != nil {
				t.Fatalf("commit: %v", err)
			}
		}
	}

	produce(0, 100)
	consume(50)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2 := broker.StartForTestWith(t, broker.Options{Addr: addr, DataDir: dir})
	if b2.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", b2.Addr(), addr)
	}
	produce(100, 200)
	consume(150)

	for i := range 200 {
		if c := seen[strconv.Itoa(i)]; c != 1 {
			t.Errorf("message %d seen %d times, want exactly once", i, c)
		}
	}
}

// BenchmarkProduce measures synchronous, acks=all produce of 278-byte
// records to the embedded broker (Kafka 4 hook on, DataDir on disk), in
// calls of 500 messages: one caller at a time, and eight at once as ingest
// does under load. Producer sends each call's partitions at once, so a lone
// caller waits one round trip, not a batch timeout.
func BenchmarkProduce(b *testing.B) {
	br := broker.StartForTest(b)
	cfg := testConfig(br)
	ctx := context.Background()
	topic := kafka.TopicNames("t").Events
	if err := kafka.CreateTopics(ctx, cfg, kafka.TopicSpec{Name: topic, Partitions: 3, ReplicationFactor: 1}); err != nil {
		b.Fatal(err)
	}
	p, err := kafka.NewProducer(cfg, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	const batch = 500
	value := make([]byte, 278) // the size of a typical Avro IdentityEvent
	msgs := make([]kafkago.Message, batch)
	for i := range msgs {
		msgs[i] = kafkago.Message{Topic: topic, Key: []byte("principal-" + strconv.Itoa(i%97)), Value: value}
	}
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(batch * len(value)))
		for b.Loop() {
			if err := p.Produce(ctx, msgs...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("parallel-8", func(b *testing.B) {
		b.SetBytes(int64(batch * len(value)))
		b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 callers here
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := p.Produce(ctx, msgs...); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
	})
}
