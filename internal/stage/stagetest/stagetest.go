// Package stagetest is the contract suite every stage built on package stage runs against
// the in-process broker: each record it consumes gets exactly one fate (its output, or its
// dead letter with the origin headers), and a stage stopped cleanly and started again under
// the same group delivers nothing twice, because every fate was committed.
package stagetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
)

// Case describes one stage for the suite.
type Case struct {
	// Kafka is the broker configuration (stacktest.Stack.Kafka); DLQ the dead-letter topic.
	Kafka tkafka.Config
	DLQ   string
	// Good are records the stage processes; each makes Outputs records on OutputTopics.
	// Bad are records it must dead-letter. Input records carry their topic.
	Good, Bad    []kafka.Message
	Outputs      int
	OutputTopics []string
	// Start starts the stage under consumer group group and returns its Run.
	Start func(t *testing.T, group string) func(ctx context.Context) error
}

// Run runs the suite.
func Run(t *testing.T, c Case) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	prod, err := tkafka.NewProducer(c.Kafka, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	before := ends(t, c.Kafka, append([]string{c.DLQ}, c.OutputTopics...))
	in := append(append([]kafka.Message(nil), c.Good...), c.Bad...)
	if err := prod.Produce(ctx, in...); err != nil {
		t.Fatal(err)
	}
	group := fmt.Sprintf("stagetest-%d", time.Now().UnixNano())
	want := len(c.Good)*c.Outputs + len(c.Bad)
	runFor(t, c, group, 30*time.Second, func() bool { return grown(t, c, before) >= want })

	got := grown(t, c, before)
	if got != want {
		t.Fatalf("the stage made %d records of %d good and %d bad inputs, want %d outputs and dead letters", got, len(c.Good), len(c.Bad), want)
	}
	dead := deadLetters(t, c.Kafka, c.DLQ, before)
	if len(dead) != len(c.Bad) {
		t.Fatalf("%d dead letters, want one for each of the %d bad records", len(dead), len(c.Bad))
	}
	for _, m := range dead {
		h := headers(m)
		if h[tkafka.DLQHeaderStage] == "" || h[tkafka.DLQHeaderTopic] == "" || h[tkafka.DLQHeaderOffset] == "" || h[tkafka.DLQHeaderError] == "" {
			t.Errorf("dead letter without its origin: %v", h)
		}
		if _, err := strconv.Atoi(h[tkafka.DLQHeaderOffset]); err != nil {
			t.Errorf("dead letter offset %q", h[tkafka.DLQHeaderOffset])
		}
	}
	// Started again under the same group, the stage finds nothing left to do.
	runFor(t, c, group, 8*time.Second, func() bool { return false })
	if again := grown(t, c, before); again != want {
		t.Fatalf("after a restart under the same group the stage made %d records in all, want still %d: a fate was not committed", again, want)
	}
}

// runFor runs the stage until done reports true or max passes, then stops it and requires
// a clean return.
func runFor(t *testing.T, c Case, group string, max time.Duration, done func() bool) {
	t.Helper()
	run := c.Start(t, group)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx) }()
	for deadline := time.Now().Add(max); time.Now().Before(deadline) && !done(); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("stage returned %v", err)
	}
}

type partition struct {
	topic string
	part  int
}

// ends are the end offsets of every partition of topics.
func ends(t *testing.T, cfg tkafka.Config, topics []string) map[partition]int64 {
	t.Helper()
	out := map[partition]int64{}
	for _, topic := range topics {
		for part := 0; part < cfg.Partitions; part++ {
			conn, err := kafka.DialLeader(context.Background(), "tcp", cfg.Brokers[0], topic, part)
			if err != nil {
				t.Fatalf("dial %s/%d: %v", topic, part, err)
			}
			last, err := conn.ReadLastOffset()
			conn.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[partition{topic, part}] = last
		}
	}
	return out
}

// grown is how many records the topics gained since before.
func grown(t *testing.T, c Case, before map[partition]int64) int {
	n := 0
	for p, end := range ends(t, c.Kafka, append([]string{c.DLQ}, c.OutputTopics...)) {
		n += int(end - before[p])
	}
	return n
}

// deadLetters reads the DLQ's records written since before.
func deadLetters(t *testing.T, cfg tkafka.Config, dlq string, before map[partition]int64) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for part := 0; part < cfg.Partitions; part++ {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: dlq, Partition: part, MaxWait: 100 * time.Millisecond})
		if err := r.SetOffset(before[partition{dlq, part}]); err != nil {
			t.Fatal(err)
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			m, err := r.ReadMessage(ctx)
			cancel()
			if err != nil {
				break
			}
			out = append(out, m)
		}
		r.Close()
	}
	return out
}

func headers(m kafka.Message) map[string]string {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}
