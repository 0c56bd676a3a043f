package kafka_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/kafka"
)

// TestProducePlacesKeysLikeMurmur2AndKeepsOrder produces more messages per
// key than one request holds (batch_size 7), over several calls at once,
// and reads every partition back: each key's messages are on the partition
// the murmur2 balancer names, in the order produced, each exactly once, and
// stamped with a time.
func TestProducePlacesKeysLikeMurmur2AndKeepsOrder(t *testing.T) {
	b := broker.StartForTest(t)
	cfg := testConfig(b)
	cfg.BatchSize = 7
	ctx := bounded(t)
	const topic, partitions, keys, perKey, callers = "t.order", 3, 11, 40, 4
	if err := kafka.CreateTopics(ctx, cfg, kafka.TopicSpec{Name: topic, Partitions: partitions, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := kafka.NewProducer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	before := time.Now().Add(-time.Second)
	errs := make(chan error, callers)
	for c := range callers {
		go func() {
			var msgs []kafkago.Message
			for i := range perKey {
				for k := c; k < keys; k += callers {
					msgs = append(msgs, kafkago.Message{Topic: topic, Key: []byte("key-" + strconv.Itoa(k)), Value: []byte(strconv.Itoa(i))})
				}
			}
			errs <- p.Produce(ctx, msgs...)
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	balancer := &kafkago.Murmur2Balancer{}
	next := map[string]int{}
	total := 0
	for part := range partitions {
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: cfg.Brokers, Topic: topic, Partition: part, MaxWait: 100 * time.Millisecond})
		end, err := r.ReadLag(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range end {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			key := string(m.Key)
			if want := balancer.Balance(m, 0, 1, 2); want != part {
				t.Errorf("key %s on partition %d, murmur2 says %d", key, part, want)
			}
			if got := string(m.Value); got != strconv.Itoa(next[key]) {
				t.Errorf("key %s: got value %s, want %d (order broken)", key, got, next[key])
			}
			next[key]++
			if m.Time.Before(before) {
				t.Errorf("key %s value %s: record time %v, want the time of the call", key, m.Value, m.Time)
			}
			total++
		}
		r.Close()
	}
	if total != keys*perKey {
		t.Errorf("read %d records, want %d", total, keys*perKey)
	}
	for k := range keys {
		if got := next["key-"+strconv.Itoa(k)]; got != perKey {
			t.Errorf("key-%d: %d records, want %d", k, got, perKey)
		}
	}
}

// TestProduceRejectsOversizeAndUnknownTopic checks the two refusals a
// caller must not retry as is, or must learn about at once.
func TestProduceRejectsOversizeAndUnknownTopic(t *testing.T) {
	b := broker.StartForTest(t)
	cfg := testConfig(b)
	ctx := bounded(t)
	if err := kafka.CreateTopics(ctx, cfg, kafka.TopicSpec{Name: "t.big", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := kafka.NewProducer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Produce(ctx, kafkago.Message{Topic: "t.big", Value: make([]byte, 2<<20)})
	if !errors.Is(err, kafka.ErrRejected) || kafka.Retryable(err) {
		t.Errorf("2 MiB message: %v, want ErrRejected, not retryable", err)
	}
	err = p.Produce(ctx, kafkago.Message{Topic: "t.no-such-topic", Value: []byte("x")})
	if err == nil {
		t.Fatal("produce to a missing topic succeeded")
	}
	if !errors.Is(err, kafka.ErrUnavailable) && !errors.Is(err, kafka.ErrRejected) {
		t.Errorf("missing topic: %v, want a classified error", err)
	}
}

// BenchmarkProduceLatency is the time a lone caller (an ingest HTTP request)
// waits for acks=all on 1 and on 100 messages: the Producer, and for
// comparison kafka-go's Writer with the configured batch_timeout (what
// Producer was built on before), which holds every partition's batch until
// the timeout because a lone caller never fills it.
func BenchmarkProduceLatency(b *testing.B) {
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
	w, err := kafka.NewWriter(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	value := make([]byte, 278)
	for _, n := range []int{1, 100} {
		msgs := make([]kafkago.Message, n)
		for i := range msgs {
			msgs[i] = kafkago.Message{Topic: topic, Key: []byte("principal-" + strconv.Itoa(i%97)), Value: value}
		}
		b.Run("producer/"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if err := p.Produce(ctx, msgs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/call")
		})
		b.Run("writer/"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if err := w.WriteMessages(ctx, msgs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/call")
		})
	}
}
