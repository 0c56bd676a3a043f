package stage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
)

// memReader hands out records of one partition and records commits.
type memReader struct {
	mu        sync.Mutex
	pending   []kafka.Message
	committed []kafka.Message
	commitErr []error // returned by successive commits
	closed    bool
	fetchErr  error
}

func (r *memReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	for {
		r.mu.Lock()
		if r.fetchErr != nil {
			err := r.fetchErr
			r.fetchErr = nil
			r.mu.Unlock()
			return kafka.Message{}, err
		}
		if len(r.pending) > 0 {
			m := r.pending[0]
			r.pending = r.pending[1:]
			r.mu.Unlock()
			return m, nil
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return kafka.Message{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (r *memReader) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.commitErr) > 0 {
		err := r.commitErr[0]
		r.commitErr = r.commitErr[1:]
		if err != nil {
			return err
		}
	}
	r.committed = append(r.committed, msgs...)
	return nil
}

func (r *memReader) Close() error { r.closed = true; return nil }

func (r *memReader) lastCommitted() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.committed) == 0 {
		return -1
	}
	return r.committed[len(r.committed)-1].Offset
}

// memProducer acknowledges records unless told otherwise.
type memProducer struct {
	mu       sync.Mutex
	acked    []kafka.Message
	failures []error                        // returned by successive produces first
	reject   func(m kafka.Message) error    // a permanent rejection of one record
	onCall   func(n int, m []kafka.Message) // observes each call
	calls    int
}

func (p *memProducer) Produce(_ context.Context, msgs ...kafka.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.onCall != nil {
		p.onCall(p.calls, msgs)
	}
	if len(p.failures) > 0 {
		err := p.failures[0]
		p.failures = p.failures[1:]
		return err
	}
	if p.reject != nil {
		for _, m := range msgs {
			if err := p.reject(m); err != nil {
				return err
			}
		}
	}
	p.acked = append(p.acked, msgs...)
	return nil
}

func (p *memProducer) topics() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for _, m := range p.acked {
		out[m.Topic]++
	}
	return out
}

func records(n int) []kafka.Message {
	out := make([]kafka.Message, n)
	for i := range out {
		out[i] = kafka.Message{Topic: "in", Partition: 0, Offset: int64(i), Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf("v%d", i))}
	}
	return out
}

// echo makes one "out" record of each input, and dead-letters values starting with "bad".
func echo(_ context.Context, batch []kafka.Message) (Output, error) {
	var o Output
	for i, m := range batch {
		if strings.HasPrefix(string(m.Value), "bad") {
			o.Add(i, tkafka.DeadLetter("dlq", "test", m, errors.New("unreadable"), time.Now()))
			continue
		}
		o.Add(i, kafka.Message{Topic: "out", Key: m.Key, Value: m.Value})
	}
	return o, nil
}

// runUntil runs the loop until every record is committed (or 10 s pass), then stops it.
func runUntil(t *testing.T, r *Runner, rd *memReader, last int64) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for rd.lastCommitted() < last && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	return <-done
}

func TestEveryRecordHasOneFateBeforeItsCommit(t *testing.T) {
	rd := &memReader{pending: records(10)}
	rd.pending[3].Value = []byte("bad record")
	committedAtProduce := int64(-2)
	prod := &memProducer{onCall: func(int, []kafka.Message) { committedAtProduce = rd.lastCommitted() }}
	r := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100}, rd, prod, echo)
	if err := runUntil(t, r, rd, 9); err != nil {
		t.Fatal(err)
	}
	if got := prod.topics(); got["out"] != 9 || got["dlq"] != 1 {
		t.Fatalf("produced %v, want 9 out and 1 dead letter", got)
	}
	if committedAtProduce != -1 {
		t.Fatalf("an offset (%d) was committed before the batch's records were acknowledged", committedAtProduce)
	}
	if !rd.closed {
		t.Fatal("reader left open")
	}
}

func TestTransientFailuresAreRetriedAndNothingCommittedMeanwhile(t *testing.T) {
	rd := &memReader{pending: records(5), commitErr: []error{fmt.Errorf("%w: coordinator moving", tkafka.ErrUnavailable), nil}}
	prod := &memProducer{failures: []error{fmt.Errorf("%w: broker down", tkafka.ErrUnavailable), fmt.Errorf("%w: leader moving", tkafka.ErrUnavailable)}}
	calls := 0
	process := func(ctx context.Context, b []kafka.Message) (Output, error) {
		calls++
		if calls == 1 {
			return Output{}, Transient(errors.New("registry unreachable"))
		}
		return echo(ctx, b)
	}
	var retries []string
	r := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100, OnRetry: func(w string) { retries = append(retries, w) }}, rd, prod, process)
	if err := runUntil(t, r, rd, 4); err != nil {
		t.Fatal(err)
	}
	if got := prod.topics()["out"]; got != 5 {
		t.Fatalf("produced %d records, want 5", got)
	}
	if strings.Join(retries, ",") != "process,produce,produce,commit" {
		t.Fatalf("retries %v", retries)
	}
}

func TestAPermanentProcessErrorStopsWithoutCommit(t *testing.T) {
	rd := &memReader{pending: records(3)}
	r := New(Config{Name: "test", DLQ: "dlq"}, rd, &memProducer{}, func(context.Context, []kafka.Message) (Output, error) {
		return Output{}, errors.New("registry says 401 Unauthorized")
	})
	err := r.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Run = %v, want the permanent error", err)
	}
	if rd.lastCommitted() != -1 {
		t.Fatal("a batch with a permanent error was committed")
	}
	if r.Ready(context.Background()) == nil {
		t.Fatal("Ready reports nothing after a permanent error")
	}
}

func TestARejectedRecordIsDeadLetteredInPlaceOfItsOutput(t *testing.T) {
	rd := &memReader{pending: records(4)}
	prod := &memProducer{reject: func(m kafka.Message) error {
		if m.Topic == "out" && string(m.Value) == "v2" {
			return fmt.Errorf("%w: message too large", tkafka.ErrRejected)
		}
		return nil
	}}
	dead := 0
	r := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100, OnDeadLetter: func(n int) { dead += n }}, rd, prod, echo)
	if err := runUntil(t, r, rd, 3); err != nil {
		t.Fatal(err)
	}
	if got := prod.topics(); got["out"] != 3 || got["dlq"] != 1 || dead != 1 {
		t.Fatalf("produced %v, dead %d; want 3 out and the rejected record's input dead-lettered", got, dead)
	}
	for _, m := range prod.acked {
		if m.Topic == "dlq" {
			if string(m.Value) != "v2" || !hasHeader(m, tkafka.DLQHeaderStage, "test") || !hasHeader(m, tkafka.DLQHeaderOffset, "2") {
				t.Fatalf("dead letter %+v, want record 2's bytes with its origin", m)
			}
		}
	}
}

func TestARejectedDeadLetterStopsTheStage(t *testing.T) {
	rd := &memReader{pending: []kafka.Message{{Topic: "in", Offset: 0, Value: []byte("bad")}}}
	prod := &memProducer{reject: func(kafka.Message) error { return fmt.Errorf("%w: not authorized", tkafka.ErrRejected) }}
	err := New(Config{Name: "test", DLQ: "dlq"}, rd, prod, echo).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "dead-lettering in/0@0 was rejected") {
		t.Fatalf("Run = %v", err)
	}
	if rd.lastCommitted() != -1 {
		t.Fatal("a record with no fate was committed")
	}
}

func TestShutdownFinishesTheBatchInHand(t *testing.T) {
	rd := &memReader{pending: records(3)}
	ctx, cancel := context.WithCancel(context.Background())
	process := func(c context.Context, b []kafka.Message) (Output, error) {
		cancel() // shutdown begins while the batch is in hand
		time.Sleep(20 * time.Millisecond)
		if c.Err() != nil {
			return Output{}, c.Err()
		}
		return echo(c, b)
	}
	prod := &memProducer{}
	if err := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100, DrainTimeout: 5 * time.Second}, rd, prod, process).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if rd.lastCommitted() != 2 || prod.topics()["out"] != 3 {
		t.Fatalf("committed %d, produced %v; want the batch in hand finished", rd.lastCommitted(), prod.topics())
	}
}

func TestShutdownPastTheDrainBudgetLeavesTheBatchUncommitted(t *testing.T) {
	rd := &memReader{pending: records(3)}
	ctx, cancel := context.WithCancel(context.Background())
	prod := &memProducer{failures: make([]error, 1000)}
	for i := range prod.failures {
		prod.failures[i] = fmt.Errorf("%w: broker down", tkafka.ErrUnavailable)
	}
	prod.onCall = func(n int, _ []kafka.Message) {
		if n == 1 {
			cancel()
		}
	}
	start := time.Now()
	if err := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100, DrainTimeout: 50 * time.Millisecond}, rd, prod, echo).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if rd.lastCommitted() != -1 {
		t.Fatal("a batch that was never acknowledged was committed")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Run took %v after a 50ms drain budget", time.Since(start))
	}
}

func TestAFetchErrorIsRetried(t *testing.T) {
	rd := &memReader{pending: records(2), fetchErr: errors.New("coordinator not available")}
	prod := &memProducer{}
	if err := runUntil(t, New(Config{Name: "test", DLQ: "dlq"}, rd, prod, echo), rd, 1); err != nil {
		t.Fatal(err)
	}
	if prod.topics()["out"] != 2 {
		t.Fatalf("produced %v", prod.topics())
	}
}

func TestACommitThatKeepsFailingIsLeftForRedelivery(t *testing.T) {
	rd := &memReader{pending: records(2), commitErr: []error{errors.New("generation ended"), errors.New("generation ended")}}
	prod := &memProducer{}
	ctx, cancel := context.WithCancel(context.Background())
	prod.onCall = func(int, []kafka.Message) { go func() { time.Sleep(50 * time.Millisecond); cancel() }() }
	if err := New(Config{Name: "test", DLQ: "dlq", BatchSize: 100}, rd, prod, echo).Run(ctx); err != nil {
		t.Fatalf("a failed commit stopped the stage: %v", err)
	}
}

func hasHeader(m kafka.Message, k, v string) bool {
	for _, h := range m.Headers {
		if h.Key == k && string(h.Value) == v {
			return true
		}
	}
	return false
}

func TestLastPerPartition(t *testing.T) {
	b := []kafka.Message{{Topic: "a", Partition: 0, Offset: 1}, {Topic: "a", Partition: 1, Offset: 5}, {Topic: "a", Partition: 0, Offset: 3}, {Topic: "b", Partition: 0, Offset: 2}}
	got := LastPerPartition(b)
	if len(got) != 3 || got[0].Offset != 3 || got[1].Offset != 5 || got[2].Offset != 2 {
		t.Fatalf("%+v", got)
	}
}

func TestTickRunsBetweenBatchesWhileIdle(t *testing.T) {
	rd := &memReader{}
	ticks := make(chan struct{}, 10)
	r := New(Config{Name: "test", DLQ: "dlq", TickEvery: 20 * time.Millisecond, Tick: func(context.Context) { ticks <- struct{}{} }}, rd, &memProducer{}, echo)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	for range 3 {
		select {
		case <-ticks:
		case <-time.After(5 * time.Second):
			t.Fatal("the tick did not run while no record came")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestARejectedRecordOfTheWholeBatchStopsTheStage(t *testing.T) {
	rd := &memReader{pending: records(1)}
	prod := &memProducer{reject: func(m kafka.Message) error {
		if m.Topic == "findings" {
			return fmt.Errorf("%w: not authorized", tkafka.ErrRejected)
		}
		return nil
	}}
	process := func(ctx context.Context, b []kafka.Message) (Output, error) {
		o, _ := echo(ctx, b)
		o.Add(-1, kafka.Message{Topic: "findings", Value: []byte("f")})
		return o, nil
	}
	err := New(Config{Name: "test", DLQ: "dlq"}, rd, prod, process).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "findings") || rd.lastCommitted() != -1 {
		t.Fatalf("Run = %v, committed %d", err, rd.lastCommitted())
	}
}
