// Package service is the outbound-actions stage: a consumer group on tollgate.findings
// that turns each findings record into an actions.Action, sends it to the sinks its routes
// name, and commits the record only after every routed sink took it or the record was
// dead-lettered. It adds delivery — retries with backoff, Retry-After, a pause for a sink
// that keeps failing, dead letters — to package actions, on the stage loop every Kafka stage
// uses (internal/stage).
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stage"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Defaults of Config.
const (
	DefaultGroup         = "tollgate-actions"
	DefaultMaxAttempts   = 8
	DefaultRetryMin      = 500 * time.Millisecond
	DefaultRetryMax      = 30 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
	DefaultPause         = time.Minute
	DefaultBatchSize     = 100
	DefaultDrainTimeout  = 10 * time.Second
	// DLQStage names the actions stage in dead-letter headers.
	DLQStage = "actions"
)

// ErrNotRunning is the readiness error of a Service whose consumer is not running.
var ErrNotRunning = errors.New("actions: consumer is not running")

// Config configures the actions stage.
type Config struct {
	Kafka kafka.Config
	// Group is the consumer group (DefaultGroup).
	Group string
	// Topics names the findings and dead-letter topics.
	Topics kafka.Topics
	// MaxAttempts is how many times a sink is tried for one record before the record is
	// dead-lettered (a failure that is not transient is not tried again).
	MaxAttempts int
	// RetryMin and RetryMax bound the exponential backoff between attempts; a vendor's
	// Retry-After is honoured up to MaxRetryAfter.
	RetryMin, RetryMax, MaxRetryAfter time.Duration
	// Pause: after a sink used up MaxAttempts, the records routed to it in the next Pause
	// are dead-lettered for it without trying, so a dead sink delays the other sinks' records
	// by one record's retries, not by every record's.
	Pause time.Duration
	// BatchSize, Linger and DrainTimeout are the stage loop's.
	BatchSize    int
	Linger       time.Duration
	DrainTimeout time.Duration
	// BeforeCommit runs between a batch's dead letters and its commit (tests crash there).
	BeforeCommit func() error
}

func (c *Config) applyDefaults() {
	if c.Topics.Prefix == "" {
		c.Topics = kafka.TopicNames(c.Kafka.TopicPrefix)
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryMin <= 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(DefaultRetryMax, c.RetryMin)
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.Pause <= 0 {
		c.Pause = DefaultPause
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
}

// Service is the actions stage.
//
// Contract, per findings record:
//   - It is decoded (a record that does not decode is dead-lettered; an unreachable
//     registry retries the batch) and classified by the Tracker as opened, updated or
//     resolved; a republish of the state last acted on does nothing.
//   - The action goes to every sink of the routes that match it. Each sink is tried until
//     it succeeds, fails in a way actions.Retryable calls permanent, or MaxAttempts ran out;
//     every sink is tried even when another failed.
//   - The record is committed once every sink took it; if any did not, its dead letter
//     (stage "actions", the error naming each failed sink) is produced first. Replaying a
//     dead letter sends it to all its sinks again, which their idempotency makes harmless.
//   - Shutdown mid-record leaves its batch uncommitted: it is delivered again, and the
//     ticket sinks find the tickets they already opened.
type Service struct {
	cfg      Config
	router   *actions.Router
	codec    *codec.Codec
	producer *kafka.Producer
	tracker  *actions.Tracker
	log      *slog.Logger
	m        *metrics

	runner  atomic.Pointer[stage.Runner]
	mu      sync.Mutex
	paused  map[string]pause // by sink name
	running atomic.Bool
}

type pause struct {
	until time.Time
	err   error
}

// New returns the stage; Run starts it. Metrics go to reg (none when nil).
func New(cfg Config, router *actions.Router, codec *codec.Codec, producer *kafka.Producer, reg prometheus.Registerer, log *slog.Logger) *Service {
	cfg.applyDefaults()
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "actions")
	return &Service{cfg: cfg, router: router, codec: codec, producer: producer, tracker: actions.NewTracker(0),
		log: log, m: newMetrics(reg, log), paused: map[string]pause{}}
}

// Ready reports why the stage cannot make progress; nil means ready. A sink that fails does
// not make the stage unready: its records are dead-lettered and the stage moves on.
func (s *Service) Ready(ctx context.Context) error {
	r := s.runner.Load()
	if r == nil || !s.running.Load() {
		return ErrNotRunning
	}
	return r.Ready(ctx)
}

// Run consumes until ctx is cancelled, then drains and returns nil.
func (s *Service) Run(ctx context.Context) error {
	r, err := kafka.NewReader(s.cfg.Kafka, s.cfg.Group, []string{s.cfg.Topics.Findings})
	if err != nil {
		return fmt.Errorf("actions: %w", err)
	}
	runner := stage.New(stage.Config{
		Name: DLQStage, DLQ: s.cfg.Topics.DLQ, BatchSize: s.cfg.BatchSize, Linger: s.cfg.Linger,
		DrainTimeout: s.cfg.DrainTimeout, Log: s.log, BeforeCommit: s.cfg.BeforeCommit,
		RetryMin: min(s.cfg.RetryMin, time.Second), RetryMax: s.cfg.RetryMax,
	}, r, s.producer, s.process)
	s.runner.Store(runner)
	s.running.Store(true)
	defer s.running.Store(false)
	s.log.Info("actions consuming", "group", s.cfg.Group, "topic", s.cfg.Topics.Findings, "max_attempts", s.cfg.MaxAttempts)
	if err := runner.Run(ctx); err != nil {
		return fmt.Errorf("actions: %w", err)
	}
	s.log.Info("actions drained")
	return nil
}

// process gives every record of a batch its fate (see Service). Every record is decoded
// before any is sent, so a registry outage retries the batch before anything went out.
func (s *Service) process(ctx context.Context, batch []kafkago.Message) (out stage.Output, err error) {
	findings := make([]*schemas.Finding, len(batch)) // nil: dead-lettered
	for i, m := range batch {
		var f schemas.Finding
		if err := s.codec.Decode(ctx, m.Value, &f); err != nil {
			if codec.Retryable(err) {
				return stage.Output{}, stage.Transient(fmt.Errorf("decoding: %w", err))
			}
			s.log.Warn("dead-lettering a findings record that does not decode", "partition", m.Partition, "offset", m.Offset, "err", err)
			out.Add(i, kafka.DeadLetter(s.cfg.Topics.DLQ, DLQStage, m, fmt.Errorf("decoding: %w", err), time.Now()))
			s.m.dead.WithLabelValues("", "").Inc()
			continue
		}
		findings[i] = &f
	}
	// A batch left undecided (shutdown) is delivered again: what this batch taught the
	// tracker is forgotten, so the records are acted on again rather than skipped without
	// their dead letters.
	var acted []string
	defer func() {
		if err != nil {
			s.tracker.Forget(acted...)
		}
	}()
	for i, f := range findings {
		if f == nil {
			continue
		}
		m := batch[i]
		id := kafka.ParseCloudEvent(m.Headers).ID
		if id == "" {
			id = fmt.Sprintf("%s.%s.%d", f.FindingID, f.Status, m.Offset)
		}
		a, ok := s.tracker.Classify(f, id)
		if !ok {
			s.m.unchanged.Inc()
			continue
		}
		if err := s.deliver(ctx, a); err != nil {
			if ctx.Err() != nil {
				return stage.Output{}, ctx.Err() // stopping: the batch is delivered again
			}
			s.log.Warn("dead-lettering a finding some sink did not take", "finding", f.FindingID, "event", a.Event, "partition", m.Partition, "offset", m.Offset, "err", err)
			out.Add(i, kafka.DeadLetter(s.cfg.Topics.DLQ, DLQStage, m, err, time.Now()))
		}
		s.tracker.Done(a)
		acted = append(acted, f.FindingID)
	}
	return out, nil
}

// deliver sends a to every sink its routes name and returns the failures of those that did
// not take it.
func (s *Service) deliver(ctx context.Context, a actions.Action) error {
	var errs []error
	for _, sink := range s.router.Sinks(&a) {
		if err := s.send(ctx, sink, a); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// send tries sink until it takes a, fails permanently, or MaxAttempts ran out.
func (s *Service) send(ctx context.Context, sink actions.Sink, a actions.Action) error {
	name, event := sink.Name(), string(a.Event)
	if p, ok := s.pausedFor(name); ok {
		s.m.dead.WithLabelValues(name, event).Inc()
		return fmt.Errorf("sink %s not tried: paused until %s after %d failed attempts: %w", name, p.until.UTC().Format(time.RFC3339), s.cfg.MaxAttempts, p.err)
	}
	wait := s.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		err := sink.Send(ctx, a)
		if err == nil {
			s.m.sent.WithLabelValues(name, event).Inc()
			return nil
		}
		s.m.failed.WithLabelValues(name, event).Inc()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		retry, after := actions.Retryable(err)
		if !retry {
			s.m.dead.WithLabelValues(name, event).Inc()
			return fmt.Errorf("%w (not retried)", err)
		}
		if attempt >= s.cfg.MaxAttempts {
			s.m.dead.WithLabelValues(name, event).Inc()
			s.pauseSink(name, err)
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		d := max(wait, min(after, s.cfg.MaxRetryAfter))
		s.log.Warn("sink failed; retrying", "sink", name, "finding", a.Finding.FindingID, "event", event, "attempt", attempt, "backoff", d, "err", err)
		if !stage.Sleep(ctx, d) {
			return ctx.Err()
		}
		wait = min(2*wait, s.cfg.RetryMax)
	}
}

func (s *Service) pausedFor(name string) (pause, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.paused[name]
	if ok && time.Now().After(p.until) {
		delete(s.paused, name)
		return pause{}, false
	}
	return p, ok
}

func (s *Service) pauseSink(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused[name] = pause{until: time.Now().Add(s.cfg.Pause), err: err}
	s.log.Error("sink keeps failing; its records are dead-lettered without trying for a while", "sink", name, "pause", s.cfg.Pause, "err", err)
}

type metrics struct {
	sent, failed, dead *prometheus.CounterVec
	unchanged          prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	labels := []string{"sink", "event"}
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_actions_sent_total",
			Help: "Actions a sink took, by sink and event."}, labels),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_actions_failed_attempts_total",
			Help: "Failed attempts to send an action, retried or not, by sink and event."}, labels),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_actions_dead_lettered_total",
			Help: "Actions a sink did not take whose record was dead-lettered, by sink and event (empty labels: a record that does not decode)."}, labels),
		unchanged: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_actions_unchanged_total",
			Help: "Findings records that repeat the state last acted on, and do nothing."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.sent, m.failed, m.dead, m.unchanged} {
			if err := reg.Register(c); err != nil {
				log.Warn("actions metrics not registered", "err", err)
			}
		}
	}
	return m
}
