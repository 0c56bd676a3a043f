package connectors

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/broker"
	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
)

func kafkaForTest(t *testing.T, partitions int) (tkafka.Config, string) {
	t.Helper()
	b := broker.StartForTest(t)
	cfg := tkafka.Config{Brokers: b.Brokers(), TopicPrefix: "t", Partitions: partitions}
	cfg.ApplyDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tkafka.CreateTopics(ctx, cfg, cfg.TopicPlan()...); err != nil {
		t.Fatal(err)
	}
	return cfg, tkafka.TopicNames("t").Connectors
}

// TestKafkaCursorsSurviveARestart: a cursor saved by one process is what a fresh one
// loads, the newest save wins, and each connector keeps its own.
func TestKafkaCursorsSurviveARestart(t *testing.T) {
	cfg, topic := kafkaForTest(t, 3)
	ctx := context.Background()
	prod, err := tkafka.NewProducer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	a := &KafkaCursors{Kafka: cfg, Topic: topic, Producer: prod}
	for i := range 5 {
		if err := a.Save(ctx, "okta", fmt.Sprintf("https://example.okta.com/api/v1/logs?after=%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Save(ctx, "entra", `{"directoryAudits":"2026-12-01T00:00:00Z"}`); err != nil {
		t.Fatal(err)
	}
	b := &KafkaCursors{Kafka: cfg, Topic: topic, Producer: prod} // another replica, after a restart
	for name, want := range map[string]string{"okta": "https://example.okta.com/api/v1/logs?after=4", "entra": `{"directoryAudits":"2026-12-01T00:00:00Z"}`, "google": ""} {
		if got, err := b.Load(ctx, name); err != nil || got != want {
			t.Errorf("Load(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
}

// TestLeadRunsEachConnectorOnOneReplica: two replicas share the connectors; each
// connector runs on exactly one of them, and when one replica stops the other takes its
// connectors over.
func TestLeadRunsEachConnectorOnOneReplica(t *testing.T) {
	cfg, topic := kafkaForTest(t, 4)
	names := []string{"okta", "entra", "aws", "google_workspace"}
	var mu sync.Mutex
	running := map[string][]string{} // connector → replicas running it
	replica := func(ctx context.Context, id string) chan error {
		done := make(chan error, 1)
		go func() {
			done <- Lead(ctx, cfg, "t-connectors", topic, 4, names, func(ctx context.Context, name string) {
				mu.Lock()
				running[name] = append(running[name], id)
				mu.Unlock()
				<-ctx.Done()
				mu.Lock()
				running[name] = slices.DeleteFunc(running[name], func(s string) bool { return s == id })
				mu.Unlock()
			})
		}()
		return done
	}
	// settled waits until every connector runs exactly once, on one of want.
	settled := func(want ...string) map[string]string {
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			ok, where := true, map[string]string{}
			for _, n := range names {
				r := running[n]
				if len(r) != 1 || !slices.Contains(want, r[0]) {
					ok = false
					break
				}
				where[n] = r[0]
			}
			snapshot := fmt.Sprint(running)
			mu.Unlock()
			if ok {
				return where
			}
			if time.Now().After(deadline) {
				t.Fatalf("connectors not settled on %v: %s", want, snapshot)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	ctxA, stopA := context.WithCancel(context.Background())
	defer stopA()
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := replica(ctxA, "a")
	settled("a")
	doneB := replica(ctxB, "b")
	// Once b has joined, some connector moves to it (4 partitions between two members).
	deadline := time.Now().Add(60 * time.Second)
	for {
		where := settled("a", "b")
		if slices.Contains(mapValues(where), "b") && slices.Contains(mapValues(where), "a") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b never took a connector: %v", where)
		}
		time.Sleep(200 * time.Millisecond)
	}
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	settled("b")
	stopB()
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
