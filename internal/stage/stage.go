// Package stage is the one consume → process → produce/dead-letter → commit loop of every
// Kafka-consuming stage of tollgate (the raw-topic ingest, the router, the auditor).
//
// The contract, which every stage keeps by running on this loop:
//
//   - Every record fetched has exactly one fate before its offset is committed: the records
//     the stage made of it were produced and acknowledged, or its dead letter was.
//   - Nothing is committed that was not decided: an error from the stage's Process, or a
//     produce that keeps failing, leaves the batch uncommitted, and it is delivered again.
//   - A transient failure of a dependency (Kafka, the schema registry, ClickHouse) is
//     retried with backoff, on the stage's context: retries stop when shutdown begins.
//   - Shutdown finishes the batch in hand within DrainTimeout, then commits it; a batch not
//     finished in time is left uncommitted (it will be delivered again) and Run returns nil.
//   - A commit that fails (a rebalance moved the partition, the coordinator moved) is
//     retried a few times, then left: the records are delivered again to their new owner,
//     which the stages' idempotent writes make harmless. It never stops the process.
package stage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
)

// Reader is the consumer-group reader a stage consumes with (*kafka.Reader).
type Reader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// Producer sends records and returns once every one was acknowledged (*tkafka.Producer).
type Producer interface {
	Produce(ctx context.Context, msgs ...kafka.Message) error
}

// Output is what a stage made of a batch: the records to produce, and for each the index
// of the batch record it came from, so that a record Kafka rejects can be dead-lettered in
// place of what its input made; -1 for a record of the batch as a whole (the auditor's
// findings), whose rejection stops the stage. A batch record may make no output (a record
// the stage filters out); it is committed all the same.
type Output struct {
	Messages []kafka.Message
	From     []int
}

// Add appends m, made of batch record i.
func (o *Output) Add(i int, m kafka.Message) {
	o.Messages = append(o.Messages, m)
	o.From = append(o.From, i)
}

// Process turns a batch into its output. It dead-letters (Output.Add a tkafka.DeadLetter)
// what it cannot process. An error means nothing of the batch was decided: wrapped with
// Transient it is retried after a backoff; otherwise Run stops and returns it.
type Process func(ctx context.Context, batch []kafka.Message) (Output, error)

// transient marks an error worth retrying.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

// Transient marks err as a failure of a dependency that may pass (each dependency's own
// classifier decides: tkafka.Retryable, codec.Retryable, the store's).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transient{err}
}

// IsTransient reports whether err was marked by Transient.
func IsTransient(err error) bool {
	var t transient
	return errors.As(err, &t)
}

// Config is a stage's loop.
type Config struct {
	// Name is the stage's name: its dead letters' stage header, and its logs' prefix.
	Name string
	// DLQ is the dead-letter topic for records Kafka rejects.
	DLQ string
	// BatchSize is how many records one batch holds at most (default 500); Linger how long
	// the fetch waits for more after the first (default 20ms).
	BatchSize int
	Linger    time.Duration
	// DrainTimeout bounds finishing the batch in hand after shutdown began (default 30s):
	// the process's shutdown_timeout.
	DrainTimeout time.Duration
	// Log receives the loop's warnings.
	Log *slog.Logger
	// OnRetry is called with "process", "produce", "commit" or "fetch" on each retry (for
	// metrics); OnDeadLetter with the number of records dead-lettered because Kafka
	// rejected them; AfterCommit after each committed batch (e.g. to observe lag).
	OnRetry      func(what string)
	OnDeadLetter func(n int)
	AfterCommit  func(batch []kafka.Message)
	// BeforeCommit, if set, runs after the produce and before the commit; an error stops
	// the batch as a Process error would. Tests use it to crash between the two.
	BeforeCommit func() error
	// OnFailing is called with the failure being retried, and with nil once a batch passed.
	OnFailing func(err error)
	// RetryMin and RetryMax bound the exponential backoff of retries (default 100ms to 5s).
	RetryMin, RetryMax time.Duration
	// Tick, if set, runs every TickEvery between batches (the auditor's sweep); a fetch
	// waiting for a batch's first record stops waiting when the tick is due.
	Tick      func(ctx context.Context)
	TickEvery time.Duration
}

func (c *Config) defaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.Linger <= 0 {
		c.Linger = 20 * time.Millisecond
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 100 * time.Millisecond
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(5*time.Second, c.RetryMin)
	}
	if c.OnFailing == nil {
		c.OnFailing = func(error) {}
	}
	if c.OnRetry == nil {
		c.OnRetry = func(string) {}
	}
	if c.OnDeadLetter == nil {
		c.OnDeadLetter = func(int) {}
	}
}

// Runner runs one stage's loop.
type Runner struct {
	cfg     Config
	reader  Reader
	prod    Producer
	process Process
	lastErr atomic.Pointer[string]
}

// New returns the loop of a stage reading from reader, producing with prod.
func New(cfg Config, reader Reader, prod Producer, process Process) *Runner {
	cfg.defaults()
	return &Runner{cfg: cfg, reader: reader, prod: prod, process: process}
}

// Ready reports the failure the loop is retrying, if any.
func (r *Runner) Ready(context.Context) error {
	if s := r.lastErr.Load(); s != nil && *s != "" {
		return errors.New(*s)
	}
	return nil
}

func (r *Runner) failing(err error) {
	s := ""
	if err != nil {
		s = err.Error()
	}
	r.lastErr.Store(&s)
	r.cfg.OnFailing(err)
}

// backoff is the wait before retry attempt n: RetryMin doubling to RetryMax.
func (r *Runner) backoff(n int) time.Duration {
	d := r.cfg.RetryMin
	for ; n > 0 && d < r.cfg.RetryMax; n-- {
		d *= 2
	}
	return min(d, r.cfg.RetryMax)
}

// errStopped means the drain budget ended with the batch undecided.
var errStopped = errors.New("stage: stopped")

// Run consumes until ctx is cancelled, finishes and commits the batch in hand within
// DrainTimeout, closes the reader and returns nil. It returns an error only when a batch
// can be neither processed nor dead-lettered: a Process error that is not transient, or
// Kafka refusing a dead letter.
func (r *Runner) Run(ctx context.Context) error {
	// work outlives ctx by at most DrainTimeout, so the batch in flight when ctx is
	// cancelled can still be produced and committed.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(r.cfg.DrainTimeout, cancelWork)
		<-work.Done()
		t.Stop()
	})
	defer func() {
		stopDrain()
		cancelWork()
		if err := r.reader.Close(); err != nil {
			r.cfg.Log.Warn(r.cfg.Name+": closing the reader", "error", err)
		}
	}()
	batch := make([]kafka.Message, 0, r.cfg.BatchSize)
	nextTick := time.Now().Add(r.cfg.TickEvery)
	for attempt := 0; ; {
		if r.cfg.Tick != nil && !time.Now().Before(nextTick) {
			r.cfg.Tick(work)
			nextTick = time.Now().Add(r.cfg.TickEvery)
		}
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if r.cfg.Tick != nil {
			fctx, cancel = context.WithDeadline(ctx, nextTick)
		}
		var err error
		batch, err = r.fetch(fctx, batch[:0])
		cancel()
		if len(batch) == 0 {
			if ctx.Err() != nil {
				return nil // nothing in flight
			}
			if r.cfg.Tick != nil && errors.Is(err, context.DeadlineExceeded) {
				continue // the tick is due
			}
			r.failing(err)
			r.cfg.OnRetry("fetch")
			r.cfg.Log.Warn(r.cfg.Name+": fetch failed; retrying", "error", err)
			if !Sleep(ctx, r.backoff(attempt)) {
				return nil
			}
			attempt++
			continue
		}
		attempt = 0
		if err := r.batch(work, batch); err != nil {
			if errors.Is(err, errStopped) || work.Err() != nil {
				r.cfg.Log.Warn(r.cfg.Name+": stopped with a batch not committed; it will be delivered again", "records", len(batch), "error", err)
				return nil
			}
			r.failing(err)
			return err
		}
		r.failing(nil)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// fetch returns up to BatchSize records, waiting Linger for more after the first.
func (r *Runner) fetch(ctx context.Context, batch []kafka.Message) ([]kafka.Message, error) {
	m, err := r.reader.FetchMessage(ctx)
	if err != nil {
		return batch, fmt.Errorf("%s: fetch: %w", r.cfg.Name, err)
	}
	batch = append(batch, m)
	if r.cfg.BatchSize == 1 {
		return batch, nil
	}
	linger, cancel := context.WithTimeout(ctx, r.cfg.Linger)
	defer cancel()
	for len(batch) < r.cfg.BatchSize {
		m, err := r.reader.FetchMessage(linger)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// batch gives every record of batch its fate and commits it.
func (r *Runner) batch(ctx context.Context, batch []kafka.Message) error {
	var out Output
	for attempt := 0; ; attempt++ {
		var err error
		out, err = r.process(ctx, batch)
		if err == nil {
			break
		}
		if !IsTransient(err) {
			return fmt.Errorf("%s: %w", r.cfg.Name, err)
		}
		r.failing(err)
		r.cfg.OnRetry("process")
		r.cfg.Log.Warn(r.cfg.Name+": a dependency is unavailable; retrying the batch", "records", len(batch), "error", err)
		if !Sleep(ctx, r.backoff(attempt)) {
			return errStopped
		}
	}
	if len(out.From) != len(out.Messages) {
		return fmt.Errorf("%s: output has %d records and %d origins", r.cfg.Name, len(out.Messages), len(out.From))
	}
	if err := r.produce(ctx, batch, out); err != nil {
		return err
	}
	if r.cfg.BeforeCommit != nil {
		if err := r.cfg.BeforeCommit(); err != nil {
			return err
		}
	}
	if err := r.commit(ctx, batch); err != nil {
		return err
	}
	if r.cfg.AfterCommit != nil {
		r.cfg.AfterCommit(batch)
	}
	return nil
}

// produce sends out, retrying while Kafka is unavailable. When Kafka rejects the batch (a
// record too large, say) each record is sent alone, and each one rejected is replaced by
// its input's dead letter.
func (r *Runner) produce(ctx context.Context, batch []kafka.Message, out Output) error {
	if len(out.Messages) == 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		err := r.prod.Produce(ctx, out.Messages...)
		if err == nil {
			return nil
		}
		if !tkafka.Retryable(err) {
			return r.produceOneByOne(ctx, batch, out)
		}
		r.failing(err)
		r.cfg.OnRetry("produce")
		r.cfg.Log.Warn(r.cfg.Name+": Kafka unavailable; retrying the batch", "records", len(out.Messages), "error", err)
		if !Sleep(ctx, r.backoff(attempt)) {
			return errStopped
		}
	}
}

func (r *Runner) produceOneByOne(ctx context.Context, batch []kafka.Message, out Output) error {
	dead := map[int]bool{} // inputs already dead-lettered for a rejected output
	for i, m := range out.Messages {
		from := out.From[i]
		if from >= 0 && dead[from] {
			continue
		}
		for attempt := 0; ; attempt++ {
			err := r.prod.Produce(ctx, m)
			if err == nil {
				break
			}
			if tkafka.Retryable(err) {
				r.cfg.OnRetry("produce")
				if !Sleep(ctx, r.backoff(attempt)) {
					return errStopped
				}
				continue
			}
			if from < 0 || from >= len(batch) {
				return fmt.Errorf("%s: Kafka rejected a record of the batch (%s): %w", r.cfg.Name, m.Topic, err)
			}
			in := batch[from]
			if m.Topic == r.cfg.DLQ {
				return fmt.Errorf("%s: dead-lettering %s/%d@%d was rejected: %w", r.cfg.Name, in.Topic, in.Partition, in.Offset, err)
			}
			r.cfg.OnDeadLetter(1)
			r.cfg.Log.Warn(r.cfg.Name+": Kafka rejected a record; dead-lettering its input", "topic", in.Topic, "partition", in.Partition, "offset", in.Offset, "error", err)
			m = tkafka.DeadLetter(r.cfg.DLQ, r.cfg.Name, in, err, time.Now())
			dead[from] = true
			attempt = -1 // the dead letter gets its own retries
		}
	}
	return nil
}

// commit commits the last offset of each partition in batch.
func (r *Runner) commit(ctx context.Context, batch []kafka.Message) error {
	last := LastPerPartition(batch)
	for attempt := 0; ; attempt++ {
		err := r.reader.CommitMessages(ctx, last...)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return errStopped
		}
		if !tkafka.Retryable(err) || attempt >= 4 {
			r.cfg.Log.Warn(r.cfg.Name+": commit failed; the batch will be delivered again", "records", len(batch), "error", err)
			return nil
		}
		r.cfg.OnRetry("commit")
		if !Sleep(ctx, r.backoff(attempt)) {
			return errStopped
		}
	}
}

// LastPerPartition returns the record of highest offset of each topic partition in batch.
func LastPerPartition(batch []kafka.Message) []kafka.Message {
	var last []kafka.Message
	for i := range batch {
		m := batch[i]
		found := false
		for j := range last {
			if last[j].Topic == m.Topic && last[j].Partition == m.Partition {
				if m.Offset > last[j].Offset {
					last[j] = m
				}
				found = true
				break
			}
		}
		if !found {
			last = append(last, m)
		}
	}
	return last
}

// Backoff is the wait before retry attempt n: 100ms doubling to 5s.
func Backoff(n int) time.Duration {
	d := 100 * time.Millisecond
	for ; n > 0 && d < 5*time.Second; n-- {
		d *= 2
	}
	return min(d, 5*time.Second)
}

// Sleep waits d or until ctx is done; it reports whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
