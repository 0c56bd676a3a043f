package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stage"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Defaults of ServiceConfig.
const (
	DefaultServiceBatchSize = 500
	DefaultServiceLinger    = 5 * time.Millisecond
	DefaultDrainTimeout     = 10 * time.Second
	// CloudEventsSource is the ce_source of every record the router produces.
	CloudEventsSource = "/tollgate/router"
	// DeadLetterStage is the stage the router names in dead-letter headers.
	DeadLetterStage = "router"
)

// ErrNotRunning is what Ready reports while the consume loop is not running.
var ErrNotRunning = errors.New("router service is not running")

// ServiceConfig configures the router's consume → decide → produce loop.
type ServiceConfig struct {
	// Kafka is the client configuration (brokers, TLS, SASL, MaxWait).
	Kafka kafka.Config
	// Group is the consumer group id.
	Group string
	// Topics names the input (Events), the lane topics and the DLQ.
	Topics kafka.Topics
	// BatchSize is the most records fetched, routed, produced and committed
	// together (default 500).
	BatchSize int
	// Linger bounds how long a batch waits for more records once it has one
	// (default 5ms).
	Linger time.Duration
	// DrainTimeout bounds how long the in-flight batch may take to finish
	// after Run's context is cancelled (default 10s).
	DrainTimeout time.Duration
	// Workers is how many goroutines decode, decide and encode one batch's
	// records (default GOMAXPROCS). Results keep the batch's order, so
	// per-key order is unaffected.
	Workers int
}

func (c *ServiceConfig) applyDefaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultServiceBatchSize
	}
	if c.Linger <= 0 {
		c.Linger = DefaultServiceLinger
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Topics.Events == "" {
		c.Topics = kafka.TopicNames(c.Kafka.TopicPrefix)
	}
}

// Service is the router: a consumer group on tollgate.events that decides
// each event's lane with the running policy and produces a RoutedEvent to
// tollgate.lane.<lane>.
//
// Every input record has exactly one fate:
//   - routed: a RoutedEvent is produced to its lane with the input's key and
//     CloudEvents binary headers (ce_id = event id, ce_source =
//     /tollgate/router, ce_type = tollgate.v1.RoutedEvent, ce_time =
//     decided_at, ce_subject = subject id), then the input is committed;
//   - dead-lettered: a record that cannot be decoded (other than because the
//     registry is unreachable), evaluated or encoded is produced to the DLQ
//     with its original bytes and headers naming stage "router", the error
//     and its origin, then committed, so it never blocks its partition;
//   - retried: on a retryable failure (Kafka unavailable, registry
//     unavailable) the batch is retried with backoff and nothing is
//     committed until it succeeds.
//
// Offsets are committed only after the produce (or DLQ produce) of every
// record up to them was acknowledged. Records are fetched in batches,
// processed in order and produced with one Produce call per batch, so one
// key's events keep their order. A crash or rebalance loses nothing: the
// records not yet committed are delivered again (at least once; the auditor
// deduplicates on event_id).
type Service struct {
	cfg      ServiceConfig
	codec    *codec.Codec
	policy   *PolicyHolder
	producer *kafka.Producer
	metrics  *Metrics
	log      *slog.Logger

	// transform turns one input record into the record to produce; route
	// in production, a byte copy in the passthrough benchmark.
	transform func(ctx context.Context, m *kafkago.Message, now time.Time) (kafkago.Message, error)
	// beforeCommit, when set, runs after a batch was produced and before it
	// is committed; a test returns an error from it to crash the router at
	// the worst moment.
	beforeCommit func() error

	running atomic.Bool
	mu      sync.Mutex
	lastErr error
	lagAt   time.Time
}

// NewService builds the router service. metrics and log may be nil.
func NewService(cfg ServiceConfig, codec *codec.Codec, policy *PolicyHolder, producer *kafka.Producer, metrics *Metrics, log *slog.Logger) *Service {
	cfg.applyDefaults()
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, codec: codec, policy: policy, producer: producer, metrics: metrics, log: log}
	s.transform = s.route
	return s
}

// Ready reports whether the consume loop is running and its last batch
// succeeded; it is the router's /readyz check.
func (s *Service) Ready(context.Context) error {
	if !s.running.Load() {
		return ErrNotRunning
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *Service) setErr(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
}

// errStopped means the drain budget ran out (or a test crashed the loop)
// before the in-flight batch was acknowledged; it was not committed.
var errStopped = errors.New("router stopped before the batch was acknowledged")

// Run consumes until ctx is cancelled, then finishes the in-flight batch
// (within DrainTimeout), commits it, closes the reader and returns nil. It
// returns an error when the loop cannot go on: the reader cannot be built,
// or a record could neither be produced nor dead-lettered.
func (s *Service) Run(ctx context.Context) error {
	if err := s.registerLanes(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	reader, err := kafka.NewReader(s.cfg.Kafka, s.cfg.Group, []string{s.cfg.Topics.Events})
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	// work outlives ctx by at most DrainTimeout, so the batch in flight when
	// ctx is cancelled can still be produced and committed.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(s.cfg.DrainTimeout, cancelWork)
		<-work.Done()
		t.Stop()
	})
	defer func() {
		stopDrain()
		cancelWork()
		s.running.Store(false)
		if err := reader.Close(); err != nil {
			s.log.Warn("closing router reader", "error", err)
		}
	}()
	s.running.Store(true)
	s.setErr(nil)
	s.log.Info("router consuming", "topic", s.cfg.Topics.Events, "group", s.cfg.Group, "policy_version", s.policy.Current().Version())

	// Two batches are in flight: while one is produced and committed
	// (deliver), the next is fetched and routed. Batches are delivered one
	// at a time in fetch order, each committed only after it was produced,
	// so per-key order and at-least-once hold as with one batch at a time.
	flights := make(chan *flight, 2)
	for range 2 {
		flights <- &flight{batch: make([]kafkago.Message, 0, s.cfg.BatchSize), out: make([]kafkago.Message, 0, s.cfg.BatchSize)}
	}
	handoff := make(chan *flight)
	// fetching ends when ctx does, routing when work does, and both when
	// deliver stops, so consume, waiting for records or for the registry,
	// does not outlive a failed delivery.
	fetching, stopFetching := context.WithCancel(ctx)
	defer stopFetching()
	routing, stopRouting := context.WithCancel(work)
	defer stopRouting()
	delivered := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer stopRouting()
		defer stopFetching()
		delivered <- s.deliver(work, reader, handoff, flights)
	}()
	s.consume(fetching, routing, reader, handoff, flights, stopped)
	close(handoff)
	if err := <-delivered; err != nil {
		if errors.Is(err, errStopped) || work.Err() != nil {
			s.log.Warn("router stopped with a batch not committed; it will be delivered again", "error", err)
			return nil
		}
		s.setErr(err)
		return err
	}
	return nil
}

// flight is one batch of input records and the records routed from them.
type flight struct {
	batch, out []kafkago.Message
}

// consume fetches and routes batches and hands each to deliver, until ctx
// ends (it ends too when deliver stopped) or a batch cannot be routed before
// work ends. A routed batch is handed over even when ctx ended meanwhile:
// deliver finishes it within the drain budget. A batch it does not hand over
// is not committed.
func (s *Service) consume(ctx, work context.Context, reader *kafkago.Reader, handoff chan<- *flight, flights chan *flight, stopped <-chan struct{}) {
	for {
		var f *flight
		select {
		case f = <-flights:
		case <-ctx.Done():
			return
		}
		var err error
		f.batch, err = s.fetch(ctx, reader, f.batch[:0])
		if len(f.batch) == 0 {
			flights <- f
			if ctx.Err() != nil {
				return // nothing in flight
			}
			s.setErr(err)
			s.log.Warn("router fetch failed; retrying", "error", err)
			if !stage.Sleep(ctx, time.Second) {
				return
			}
			continue
		}
		if f.out, err = s.routeBatch(work, f.batch, f.out[:0]); err != nil {
			s.log.Warn("router stopped with a batch not committed; it will be delivered again",
				"records", len(f.batch), "error", err)
			return
		}
		select {
		case handoff <- f:
		case <-stopped:
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// deliver produces and commits the batches consume hands over, in order,
// until handoff is closed or one fails; it returns that failure.
func (s *Service) deliver(work context.Context, reader *kafkago.Reader, handoff <-chan *flight, flights chan<- *flight) error {
	for f := range handoff {
		err := s.produce(work, f.batch, f.out)
		if err == nil && s.beforeCommit != nil {
			err = s.beforeCommit()
		}
		if err == nil {
			err = s.commit(work, reader, f.batch)
		}
		if err != nil {
			return err
		}
		s.setErr(nil)
		s.observeLag(reader)
		flights <- f
	}
	return nil
}

// registerLanes makes sure the codec can encode RoutedEvents for the lane
// topics (idempotent: an identical schema keeps its id), retrying while the
// registry is unreachable.
func (s *Service) registerLanes(ctx context.Context) error {
	topics := s.cfg.Topics.LaneTopics()
	for i := 0; i < len(topics); {
		if _, err := s.codec.Register(ctx, topics[i], &schemas.RoutedEvent{}); err != nil {
			if !codec.Retryable(err) {
				// Refused credentials or an incompatible subject: no retry mends that.
				return fmt.Errorf("router: register RoutedEvent for %s: %w", topics[i], err)
			}
			s.setErr(err)
			s.log.Warn("registering the RoutedEvent schema; retrying", "topic", topics[i], "error", err)
			s.metrics.Retries.WithLabelValues("registry").Inc()
			if !stage.Sleep(ctx, time.Second) {
				return fmt.Errorf("router: register RoutedEvent for %s: %w", topics[i], err)
			}
			continue
		}
		i++
	}
	return nil
}

// fetch appends up to BatchSize records: it waits for the first as long as
// ctx allows, then takes what arrives within Linger.
func (s *Service) fetch(ctx context.Context, r *kafkago.Reader, batch []kafkago.Message) ([]kafkago.Message, error) {
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return batch, fmt.Errorf("router: fetch from %s: %w", s.cfg.Topics.Events, err)
	}
	batch = append(batch, m)
	if s.cfg.BatchSize == 1 {
		return batch, nil
	}
	linger, cancel := context.WithTimeout(ctx, s.cfg.Linger)
	defer cancel()
	for len(batch) < s.cfg.BatchSize {
		m, err := r.FetchMessage(linger)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// minRecordsPerWorker keeps small batches on one goroutine: below it the
// hand-off costs more than the work.
const minRecordsPerWorker = 64

// routeBatch routes every record of batch (or dead-letters it), the records
// spread over Workers goroutines in contiguous runs with each result at its
// record's index, so the results keep the batch's order.
func (s *Service) routeBatch(ctx context.Context, batch, out []kafkago.Message) ([]kafkago.Message, error) {
	now := time.Now().UTC()
	out = slices.Grow(out[:0], len(batch))[:len(batch)]
	workers := min(s.cfg.Workers, (len(batch)+minRecordsPerWorker-1)/minRecordsPerWorker)
	if workers <= 1 {
		for i := range batch {
			if !s.routeOne(ctx, &batch[i], &out[i], now) {
				return out, errStopped
			}
		}
		return out, nil
	}
	var stopped atomic.Bool
	var wg sync.WaitGroup
	per := (len(batch) + workers - 1) / workers
	for lo := 0; lo < len(batch); lo += per {
		hi := min(lo+per, len(batch))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if !s.routeOne(ctx, &batch[i], &out[i], now) {
					stopped.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if stopped.Load() {
		return out, errStopped
	}
	return out, nil
}

// routeOne transforms m into *res, or into a dead letter when it cannot be
// routed. While the schema registry is unreachable it retries with backoff;
// it reports false when ctx ended first.
func (s *Service) routeOne(ctx context.Context, m *kafkago.Message, res *kafkago.Message, now time.Time) bool {
	for attempt := 0; ; attempt++ {
		var err error
		*res, err = s.transform(ctx, m, now)
		if err == nil {
			return true
		}
		if codec.Retryable(err) {
			s.setErr(err)
			s.metrics.Retries.WithLabelValues("registry").Inc()
			s.log.Warn("schema registry unavailable; retrying", "partition", m.Partition, "offset", m.Offset, "error", err)
			if !stage.Sleep(ctx, stage.Backoff(attempt)) {
				return false
			}
			continue
		}
		*res = kafka.DeadLetter(s.cfg.Topics.DLQ, DeadLetterStage, *m, err, now)
		s.metrics.DeadLettered.WithLabelValues(dlqStage(err)).Inc()
		s.log.Warn("router dead-lettered a record", "partition", m.Partition, "offset", m.Offset, "error", err)
		return true
	}
}

// produce sends out, retrying while Kafka is unavailable. When Kafka rejects
// the batch (a record too large, say) each record is sent alone and the
// rejected ones are dead-lettered.
func (s *Service) produce(ctx context.Context, batch, out []kafkago.Message) error {
	for attempt := 0; ; attempt++ {
		err := s.producer.Produce(ctx, out...)
		if err == nil {
			return nil
		}
		if !errors.Is(err, kafka.ErrUnavailable) {
			return s.produceOneByOne(ctx, batch, out)
		}
		s.setErr(err)
		s.metrics.Retries.WithLabelValues("produce").Inc()
		s.log.Warn("kafka unavailable; retrying the batch", "records", len(out), "error", err)
		if !stage.Sleep(ctx, stage.Backoff(attempt)) {
			return errStopped
		}
	}
}

func (s *Service) produceOneByOne(ctx context.Context, batch, out []kafkago.Message) error {
	for i := range out {
		for attempt := 0; ; attempt++ {
			err := s.producer.Produce(ctx, out[i])
			if err == nil {
				break
			}
			if errors.Is(err, kafka.ErrUnavailable) {
				s.metrics.Retries.WithLabelValues("produce").Inc()
				if !stage.Sleep(ctx, stage.Backoff(attempt)) {
					return errStopped
				}
				continue
			}
			if out[i].Topic == s.cfg.Topics.DLQ {
				return fmt.Errorf("router: dead-lettering %s/%d@%d was rejected: %w", batch[i].Topic, batch[i].Partition, batch[i].Offset, err)
			}
			s.metrics.DeadLettered.WithLabelValues("produce").Inc()
			out[i] = kafka.DeadLetter(s.cfg.Topics.DLQ, DeadLetterStage, batch[i], err, time.Now())
			attempt = -1 // the dead letter gets its own retries
		}
	}
	return nil
}

// commit commits the last offset of each partition in batch. A commit that
// fails because the group rebalanced is not an error: the new owner reads
// those records again.
func (s *Service) commit(ctx context.Context, r *kafkago.Reader, batch []kafkago.Message) error {
	last := stage.LastPerPartition(batch)
	for attempt := 0; ; attempt++ {
		err := r.CommitMessages(ctx, last...)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return errStopped
		}
		if !kafka.Retryable(err) || attempt >= 4 {
			s.log.Warn("router commit failed; the batch will be delivered again", "records", len(batch), "error", err)
			return nil
		}
		s.metrics.Retries.WithLabelValues("commit").Inc()
		if !stage.Sleep(ctx, stage.Backoff(attempt)) {
			return errStopped
		}
	}
}

// observeLag publishes the reader's lag at most once a second: kafka-go
// observes it per fetch (high watermark minus offset of the partition last
// fetched), and Stats resets the reader's counters, so it is not called per
// batch.
func (s *Service) observeLag(r *kafkago.Reader) {
	if now := time.Now(); now.Sub(s.lagAt) >= time.Second {
		s.lagAt = now
		s.metrics.ConsumerLag.Set(float64(r.Stats().Lag))
	}
}

// route decodes one IdentityEvent, decides it and encodes the RoutedEvent
// for its lane. A value written with the IdentityEvent schema RoutedEvent
// embeds is spliced: the routed value is the input's Avro body followed by
// the encoded decision, and the event is decoded only for the policy (its raw
// payload skipped unless the policy reads it). Any other value is decoded in
// full and the RoutedEvent encoded; both give the same RoutedEvent.
func (s *Service) route(ctx context.Context, m *kafkago.Message, now time.Time) (kafkago.Message, error) {
	pol := s.policy.running()
	var rv schemas.RoutedEvent
	splice, err := s.codec.DecodeForRouting(ctx, m.Value, &rv.Event, pol.policy.readsRaw)
	if err != nil {
		return kafkago.Message{}, err
	}
	d, err := s.policy.decideWith(pol, &rv.Event, now)
	if err != nil {
		return kafkago.Message{}, err
	}
	var value []byte
	if splice.Ok() {
		value, err = splice.Value(&d)
	} else {
		rv.Decision = d
		value, err = s.codec.Encode(&rv)
	}
	if err != nil {
		return kafkago.Message{}, &encodeError{err}
	}
	subject := ""
	if rv.Event.Subject != nil {
		subject = rv.Event.Subject.ID
	}
	ce := schemas.CloudEvent{
		ID:      rv.Event.EventID,
		Source:  CloudEventsSource,
		Type:    routedEventType,
		Time:    d.DecidedAt,
		Subject: subject,
	}
	return kafkago.Message{Topic: s.cfg.Topics.Lane(string(d.Lane)), Key: m.Key, Value: value, Headers: kafka.CloudEventHeaders(ce)}, nil
}

var routedEventType = schemas.TypeName(schemas.NameRoutedEvent)

// encodeError marks a RoutedEvent the codec could not encode.
type encodeError struct{ err error }

func (e *encodeError) Error() string { return "encode routed event: " + e.err.Error() }
func (e *encodeError) Unwrap() error { return e.err }

// dlqStage names the step that failed, for the DeadLettered metric.
func dlqStage(err error) string {
	var de *codec.DecodeError
	var ee *encodeError
	switch {
	case errors.As(err, &de):
		return "decode"
	case errors.As(err, &ee):
		return "encode"
	case errors.Is(err, ErrEvaluation):
		return "evaluate"
	}
	return "route"
}
