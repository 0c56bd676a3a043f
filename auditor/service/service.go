// Package service is `tollgate auditor`: the Kafka stage that consumes the lane topics,
// writes each batch through the domain auditor.Auditor, publishes the findings that
// changed and only then commits. It adds delivery, retries, the sweep schedule and
// co-partitioned assignment (balancer.go) to the auditor; every decision about events
// and findings is the auditor's.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stage"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Defaults of Config.
const (
	DefaultBatchSize     = 10000
	DefaultFlushInterval = time.Second
	DefaultSweepInterval = time.Minute
	DefaultRetryMin      = 100 * time.Millisecond
	DefaultRetryMax      = 10 * time.Second
	DefaultDrainTimeout  = 10 * time.Second
	// DefaultRepublishWindow is how far back Run republishes findings at start.
	DefaultRepublishWindow = 24 * time.Hour
	// DLQStage names the auditor in dead-letter headers.
	DLQStage = "auditor"
)

// ErrNotRunning is the readiness error of a Service whose consumer is not
// running (not started yet, or stopped).
var ErrNotRunning = errors.New("auditor: consumer is not running")

// Config configures the auditor service.
type Config struct {
	// Kafka is the client configuration.
	Kafka kafka.Config
	// Group is the consumer group id shared by all auditor replicas.
	Group string
	// Topics names the lane, findings and dead-letter topics.
	Topics kafka.Topics
	// BatchSize is the most records written to ClickHouse at once.
	BatchSize int
	// FlushInterval bounds how long a batch waits after its first record.
	FlushInterval time.Duration
	// SweepInterval is the period of the time-based detections sweep.
	SweepInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff while ClickHouse
	// or Kafka is unavailable.
	RetryMin, RetryMax time.Duration
	// DrainTimeout bounds finishing the current batch after Run's context
	// is cancelled; what is not committed by then is redelivered.
	DrainTimeout time.Duration
	// RepublishWindow: at start, Run publishes the latest state of every finding that
	// changed within this window before now. A replica that died after ClickHouse took a
	// batch but before its findings reached tollgate.findings would otherwise never
	// publish them: the redelivered batch changes nothing, so it yields no findings.
	// Duplicates are harmless (the topic is compacted by finding_id).
	RepublishWindow time.Duration
	// Grace delays announcing a finding of a kind (publishing it to the findings topic) by
	// the kind's duration after it opened: one resolved within it (the late ticket) is
	// stored but never announced, nor is its resolution. Kinds not listed are announced
	// at once. The delay is checked at every sweep, so an announcement comes at most
	// SweepInterval after its grace ends.
	Grace map[string]time.Duration
	// Suppress lists findings that are stored but not announced while a rule holds.
	Suppress []Suppression
}

// Suppression withholds the announcements of the findings it matches until Until: the
// findings are stored and listed as usual, only tollgate.findings does not carry them.
// Kind, Principal and Entitlement are path.Match patterns ("*" or empty: any); a finding
// without an entitlement matches an Entitlement pattern only if that is empty or "*".
type Suppression struct {
	Kind, Principal, Entitlement string
	Until                        time.Time
	Reason                       string
}

// matches reports whether s withholds f at now.
func (s *Suppression) matches(f *schemas.Finding, now time.Time) bool {
	if !now.Before(s.Until) {
		return false
	}
	glob := func(pattern, v string) bool {
		ok, err := path.Match(pattern, v)
		return pattern == "" || pattern == "*" || (err == nil && ok)
	}
	ent := ""
	if f.Entitlement != nil {
		ent = *f.Entitlement
	}
	return glob(s.Kind, f.Kind) && glob(s.Principal, f.Principal) && (glob(s.Entitlement, ent))
}

func (c *Config) applyDefaults() {
	if c.Topics.Prefix == "" {
		c.Topics = kafka.TopicNames(c.Kafka.TopicPrefix)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = DefaultSweepInterval
	}
	if c.RetryMin <= 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(DefaultRetryMax, c.RetryMin)
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.RepublishWindow <= 0 {
		c.RepublishWindow = DefaultRepublishWindow
	}
}

// Service is `tollgate auditor`: it consumes all six lane topics as one
// consumer group and stores them through the Auditor.
//
// Contract:
//   - Records are decoded as RoutedEvent and collected into a batch until
//     BatchSize records or FlushInterval after the batch's first record.
//   - The batch goes to auditor.Auditor.WriteBatch; the findings it returns are
//     published to the findings topic (Avro Finding, key finding_id,
//     CloudEvents headers with ce_type tollgate.v1.Finding, ce_id one per
//     state change (FindingEventID), ce_subject the principal); only then are the batch's
//     offsets committed. Offsets are never committed ahead of ClickHouse.
//   - A record that does not decode, or that WriteBatch refuses with
//     *auditor.InvalidEventError, is dead-lettered (stage "auditor") and committed
//     with its batch; the rest of the batch is written without it.
//   - Any other WriteBatch error means ClickHouse is unavailable: no more
//     records are fetched, the same batch is retried with exponential
//     backoff (RetryMin doubling to RetryMax), Ready reports the failure,
//     and consumption resumes when a write succeeds. Kafka failures while
//     publishing findings or dead letters are retried the same way.
//   - Every SweepInterval, between batches, Sweep runs at the auditor's clock
//     and its findings are published.
//   - Partition i of every lane topic is assigned to one replica
//     (CoPartitionBalancer); Run refuses lane topics with unequal partition
//     counts.
//   - On cancellation Run finishes the current batch (write, publish,
//     commit) within DrainTimeout, closes the reader and returns.
//
// Delivery is at least once: a crash between WriteBatch and publishing loses
// nothing in ClickHouse, but the findings of that batch are not published
// again because writing the batch again changes nothing.
type Service struct {
	cfg      Config
	a        *auditor.Auditor
	codec    *codec.Codec
	producer *kafka.Producer
	log      *slog.Logger
	m        *serviceMetrics

	mu      sync.Mutex
	running bool
	failing error
	op      atomic.Value // string: the batch operation last retried, the retries label
	// dueSince is the end of the last window of graced findings announced (the sweep's and
	// the republish's clock time; both run on the stage loop's goroutine).
	dueSince time.Time
}

// New returns a Service; Run starts it. Metrics are registered on reg
// (none when nil); a registration conflict is logged, not fatal.
func New(cfg Config, a *auditor.Auditor, codec *codec.Codec, producer *kafka.Producer, reg prometheus.Registerer, log *slog.Logger) *Service {
	cfg.applyDefaults()
	if log == nil {
		log = slog.Default()
	}
	s := &Service{cfg: cfg, a: a, codec: codec, producer: producer, log: log.With("component", "auditor")}
	s.m = newServiceMetrics(reg, s.log)
	s.op.Store("writing batch")
	return s
}

// Ready reports why the service cannot make progress: the consumer is not
// running, or the last ClickHouse write failed, or ClickHouse does not answer
// now. nil means ready.
func (s *Service) Ready(ctx context.Context) error {
	s.mu.Lock()
	running, failing := s.running, s.failing
	s.mu.Unlock()
	if !running {
		return ErrNotRunning
	}
	if failing != nil {
		return fmt.Errorf("auditor: retrying after failure: %w", failing)
	}
	return s.a.Ping(ctx)
}

func (s *Service) setFailing(err error) {
	s.mu.Lock()
	s.failing = err
	s.mu.Unlock()
	if err != nil {
		s.m.ready.Set(0)
	} else {
		s.m.ready.Set(1)
	}
}

func (s *Service) setRunning(v bool) {
	s.mu.Lock()
	s.running = v
	s.mu.Unlock()
	if v {
		s.m.ready.Set(1)
	} else {
		s.m.ready.Set(0)
	}
}

// Run consumes until ctx is cancelled, then drains and returns nil; an
// error means it could not start (lane topics missing or not
// co-partitioned, bad configuration).
func (s *Service) Run(ctx context.Context) error {
	lanes := s.cfg.Topics.LaneTopics()
	counts, err := kafka.PartitionCounts(ctx, s.cfg.Kafka, lanes)
	if err != nil {
		return fmt.Errorf("auditor: %w", err)
	}
	if err := CheckCoPartitioned(counts); err != nil {
		return err
	}
	r, err := kafka.NewReaderWith(s.cfg.Kafka, s.cfg.Group, lanes, func(rc *kafkago.ReaderConfig) {
		rc.GroupBalancers = []kafkago.GroupBalancer{CoPartitionBalancer{}}
		// A batch buffered while ClickHouse is down must not make the
		// reader fetch far ahead of it.
		rc.QueueCapacity = min(max(s.cfg.BatchSize, 100), 10000)
	})
	if err != nil {
		return fmt.Errorf("auditor: %w", err)
	}
	s.setRunning(true)
	s.log.Info("auditor consuming", "group", s.cfg.Group, "topics", lanes, "partitions", counts[lanes[0]],
		"batch_size", s.cfg.BatchSize, "flush_interval", s.cfg.FlushInterval)
	defer s.setRunning(false)
	s.republish(ctx)
	runner := stage.New(stage.Config{
		Name: DLQStage, DLQ: s.cfg.Topics.DLQ, BatchSize: s.cfg.BatchSize, Linger: s.cfg.FlushInterval,
		DrainTimeout: s.cfg.DrainTimeout, RetryMin: s.cfg.RetryMin, RetryMax: s.cfg.RetryMax, Log: s.log,
		OnRetry: func(what string) {
			// The retry counter keeps its labels: the operation that failed.
			label := map[string]string{"process": s.op.Load().(string), "produce": "publishing findings",
				"commit": "committing offsets", "fetch": "fetching"}[what]
			s.m.retries.WithLabelValues(label).Inc()
		},
		OnDeadLetter: func(n int) { s.m.deadLetters.Add(float64(n)) },
		OnFailing:    s.setFailing,
		Tick:         s.sweep, TickEvery: s.cfg.SweepInterval,
		AfterCommit: func(batch []kafkago.Message) {
			s.m.batches.Inc()
		},
	}, r, s.producer, s.process)
	if err := runner.Run(ctx); err != nil {
		return fmt.Errorf("auditor: %w", err)
	}
	s.log.Info("auditor drained")
	return nil
}

// process decodes a batch, writes it through the Auditor and returns the findings to
// publish and the dead letters (see package stage for the loop that produces them and
// then commits). A record that does not decode, or that WriteBatch refuses with
// *auditor.InvalidEventError, is dead-lettered and the rest written without it; an unreachable
// registry or any other WriteBatch error (ClickHouse unavailable) retries the batch.
func (s *Service) process(ctx context.Context, msgs []kafkago.Message) (stage.Output, error) {
	start := time.Now()
	var out stage.Output
	events := make([]schemas.RoutedEvent, 0, len(msgs))
	origin := make([]int, 0, len(msgs)) // events[i] came from msgs[origin[i]]
	now := time.Now()
	for i := range msgs {
		var ev schemas.RoutedEvent
		if err := s.codec.Decode(ctx, msgs[i].Value, &ev); err != nil {
			if codec.Retryable(err) {
				s.op.Store("decoding")
				return stage.Output{}, stage.Transient(fmt.Errorf("decoding: %w", err))
			}
			s.log.Warn("dead-lettering lane record", "topic", msgs[i].Topic, "partition", msgs[i].Partition, "offset", msgs[i].Offset, "err", err)
			out.Add(i, kafka.DeadLetter(s.cfg.Topics.DLQ, DLQStage, msgs[i], err, now))
			s.m.deadLetters.Inc()
			continue
		}
		events = append(events, ev)
		origin = append(origin, i)
	}
	var findings []schemas.Finding
	for {
		fs, err := s.a.WriteBatch(ctx, events)
		var inv *auditor.InvalidEventError
		if errors.As(err, &inv) && inv.Index >= 0 && inv.Index < len(events) {
			m := msgs[origin[inv.Index]]
			s.log.Warn("dead-lettering lane record", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
			out.Add(origin[inv.Index], kafka.DeadLetter(s.cfg.Topics.DLQ, DLQStage, m, err, now))
			s.m.deadLetters.Inc()
			events = append(events[:inv.Index], events[inv.Index+1:]...)
			origin = append(origin[:inv.Index], origin[inv.Index+1:]...)
			continue
		}
		if err != nil {
			s.op.Store("writing batch")
			return stage.Output{}, stage.Transient(fmt.Errorf("writing batch: %w", err))
		}
		findings = fs
		break
	}
	msgs2, err := s.findingMessages(s.announceable(findings, s.a.Now()))
	if err != nil {
		return stage.Output{}, err
	}
	for _, m := range msgs2 {
		out.Add(-1, m)
	}
	s.m.findings.Add(float64(len(msgs2)))
	s.m.records.Add(float64(len(events)))
	s.m.batchSeconds.Observe(time.Since(start).Seconds())
	return out, nil
}

// permanent marks an error retry must not retry.
type permanent struct{ err error }

func (p permanent) Error() string { return fmt.Sprint(p.err) }

// retry runs op until it succeeds, returns a permanent error, or ctx ends,
// backing off exponentially between attempts and reporting the failure to
// Ready meanwhile. The sweep and the republish at start use it; batches retry on the
// stage loop.
func retry(ctx context.Context, s *Service, what string, op func() error) error {
	wait := s.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		err := op()
		var p permanent
		if err == nil || errors.As(err, &p) {
			return err
		}
		s.setFailing(fmt.Errorf("%s: %w", what, err))
		s.m.retries.WithLabelValues(what).Inc()
		s.log.Warn("auditor retrying", "op", what, "attempt", attempt, "backoff", wait, "err", err)
		if !stage.Sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(2*wait, s.cfg.RetryMax)
	}
}

// findingTime is when f entered its status: resolved_at when resolved, else detected_at
// (which a re-opened finding sets anew).
func findingTime(f *schemas.Finding) time.Time {
	if f.Status == schemas.FindingResolved && f.ResolvedAt != nil {
		return *f.ResolvedAt
	}
	return f.DetectedAt
}

// FindingEventID is the ce_id of a findings-topic record: one per state change of the
// finding (`<finding_id>.<open|resolved>.<unix ms of the change>`), so a consumer that
// deduplicates on ce_id keeps OPEN → RESOLVED → OPEN, and a republish of the same state
// has the same id. The record key stays the finding_id.
func FindingEventID(f *schemas.Finding) string {
	return fmt.Sprintf("%s.%s.%d", f.FindingID, strings.ToLower(string(f.Status)), findingTime(f).UnixMilli())
}

// findingMessages encodes findings as findings-topic records.
func (s *Service) findingMessages(findings []schemas.Finding) ([]kafkago.Message, error) {
	msgs := make([]kafkago.Message, 0, len(findings))
	typ := schemas.TypeName(schemas.NameFinding)
	for i := range findings {
		f := &findings[i]
		b, err := s.codec.Encode(f)
		if err != nil {
			// A finding this build made always encodes: the codec was
			// not registered for the findings topic.
			return nil, fmt.Errorf("auditor: encode finding %s: %w", f.FindingID, err)
		}
		msgs = append(msgs, kafkago.Message{
			Topic: s.cfg.Topics.Findings,
			Key:   []byte(f.FindingID),
			Value: b,
			Headers: kafka.CloudEventHeaders(schemas.CloudEvent{ID: FindingEventID(f), Source: "/tollgate/auditor", Type: typ,
				Time: findingTime(f), Subject: f.Principal}),
		})
	}
	return msgs, nil
}

// publish produces findings to the findings topic, retrying while Kafka is
// unavailable (the sweep's and the republish's findings; a batch's are produced by the
// stage loop with the batch).
func (s *Service) publish(ctx context.Context, findings []schemas.Finding) error {
	msgs, err := s.findingMessages(findings)
	if err != nil {
		return err
	}
	err = retry(ctx, s, "publishing findings", func() error { return s.producer.Produce(ctx, msgs...) })
	if err == nil {
		s.m.findings.Add(float64(len(msgs)))
	}
	return err
}

// republish publishes the latest state of the findings changed within RepublishWindow, so
// none is lost to a crash between writing a batch and publishing its findings. A failure is
// logged: the findings are in ClickHouse either way.
func (s *Service) republish(ctx context.Context) {
	now := s.a.Now()
	fs, err := s.a.Findings(ctx, auditor.FindingFilter{UpdatedSince: now.Add(-s.cfg.RepublishWindow)})
	if err != nil {
		s.log.Warn("reading recent findings to republish", "err", err)
		return
	}
	s.dueSince = now
	fs = s.announceable(fs, now)
	if len(fs) == 0 {
		return
	}
	if err := s.publish(ctx, fs); err != nil {
		s.log.Warn("republishing recent findings", "err", err)
		return
	}
	s.log.Info("republished recent findings", "count", len(fs), "window", s.cfg.RepublishWindow.String())
}

// sweep runs the time-based detections once and publishes what changed, then announces
// the findings whose grace ended since the last sweep. A failed sweep is logged and tried
// again at the next interval.
func (s *Service) sweep(ctx context.Context) {
	now := s.a.Now()
	fs, err := s.a.Sweep(ctx, now)
	if err != nil {
		s.m.sweepErrors.Inc()
		s.log.Warn("auditor sweep failed", "err", err)
		return
	}
	fs = s.announceable(fs, now)
	due, err := s.due(ctx, now)
	if err != nil {
		s.log.Warn("reading findings whose grace ended", "err", err)
	}
	fs = append(fs, due...)
	if len(fs) > 0 {
		if err := s.publish(ctx, fs); err != nil {
			s.log.Warn("publishing sweep findings", "err", err)
			return
		}
	}
	if err == nil {
		s.dueSince = now
	}
}

// announceable drops from fs, at now, the findings a suppression holds, those still inside
// their kind's grace (an open one is announced by due later) and the resolutions of
// findings that resolved inside it (never announced open, so nothing to take back).
func (s *Service) announceable(fs []schemas.Finding, now time.Time) []schemas.Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if s.suppressed(&f, now) {
			continue
		}
		g := s.cfg.Grace[f.Kind]
		switch {
		case g <= 0:
		case f.Status == schemas.FindingOpen && now.Sub(f.DetectedAt) < g:
			continue
		case f.Status == schemas.FindingResolved && f.ResolvedAt != nil && f.ResolvedAt.Sub(f.DetectedAt) < g:
			s.m.withheld.WithLabelValues(f.Kind).Inc()
			continue
		}
		out = append(out, f)
	}
	return out
}

// suppressed reports (and counts) a finding a suppression holds at now.
func (s *Service) suppressed(f *schemas.Finding, now time.Time) bool {
	if slices.ContainsFunc(s.cfg.Suppress, func(r Suppression) bool { return r.matches(f, now) }) {
		s.m.withheld.WithLabelValues(f.Kind).Inc()
		return true
	}
	return false
}

// due returns the open findings whose grace ended in (dueSince, now], but those a
// suppression holds.
func (s *Service) due(ctx context.Context, now time.Time) ([]schemas.Finding, error) {
	var out []schemas.Finding
	for _, kind := range slices.Sorted(maps.Keys(s.cfg.Grace)) {
		g := s.cfg.Grace[kind]
		if g <= 0 {
			continue
		}
		fs, err := s.a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen, Kind: kind, Since: s.dueSince.Add(-g)})
		if err != nil {
			return out, err
		}
		for _, f := range fs {
			if at := f.DetectedAt.Add(g); at.After(s.dueSince) && !at.After(now) && !s.suppressed(&f, now) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

type serviceMetrics struct {
	records      prometheus.Counter
	batches      prometheus.Counter
	findings     prometheus.Counter
	deadLetters  prometheus.Counter
	sweepErrors  prometheus.Counter
	withheld     *prometheus.CounterVec
	retries      *prometheus.CounterVec
	batchSeconds prometheus.Histogram
	ready        prometheus.Gauge
}

func newServiceMetrics(reg prometheus.Registerer, log *slog.Logger) *serviceMetrics {
	m := &serviceMetrics{
		records: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_records_committed_total",
			Help: "Lane records written to ClickHouse and committed."}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_batches_committed_total",
			Help: "Batches written, published and committed."}),
		findings: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_findings_published_total",
			Help: "Finding changes produced to the findings topic."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_dead_letters_total",
			Help: "Lane records sent to the dead-letter topic."}),
		sweepErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_sweep_errors_total",
			Help: "Sweeps that failed and wait for the next interval."}),
		withheld: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_findings_withheld_total",
			Help: "Finding changes stored but not announced, by kind: resolved inside their kind's grace, or held by a suppression."}, []string{"kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_retries_total",
			Help: "Failed attempts retried with backoff, by operation."}, []string{"op"}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tollgate_auditor_batch_commit_duration_seconds",
			Help:    "Time from a batch's collection to its commit, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		ready: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tollgate_auditor_ready_bool",
			Help: "1 while the consumer runs and ClickHouse accepts writes."}),
	}
	if reg == nil {
		return m
	}
	for _, c := range []prometheus.Collector{m.records, m.batches, m.findings, m.deadLetters, m.sweepErrors, m.withheld, m.retries, m.batchSeconds, m.ready} {
		if err := reg.Register(c); err != nil {
			log.Warn("auditor service metrics not registered", "err", err)
		}
	}
	return m
}
