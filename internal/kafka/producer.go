package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Producer tuning that is not configuration.
const (
	// maxRequestBytes bounds the records of one produce request (and so
	// the largest single message): the broker's default message.max.bytes.
	maxRequestBytes = MaxMessageBytes
	// produceAttempts is how often one partition's records are sent before
	// the error is returned: a caller holding an HTTP request should learn
	// within seconds that Kafka is down.
	produceAttempts = 3
	// produceTimeout bounds one produce request, acknowledgement included.
	produceTimeout = 10 * time.Second
	backoffMin     = 50 * time.Millisecond
	backoffMax     = 500 * time.Millisecond
)

// MaxMessageBytes is the largest message Produce accepts, as MessageBytes
// counts it: the broker's default message.max.bytes. Callers holding data
// from outside check their records against it before producing, so an
// oversized input is the sender's error (413), not a failed produce.
const MaxMessageBytes = 1 << 20

// Producer writes messages to Kafka synchronously: Produce returns only
// after every message was acknowledged by all in-sync replicas, or with an
// error wrapping ErrUnavailable or ErrRejected. Messages carry their own
// topic. Safe for concurrent use.
//
// Produce does not wait for batches to fill: it places each message on its
// partition with the murmur2 hash of its key (as the Java client does, so
// other producers put a principal's events on the same partition), and
// sends each partition's messages at once, in order, one request per
// partition (split at batch_size messages or 1 MiB), the partitions
// concurrently. A caller is answered after one round trip to the leaders,
// not after a batch timeout.
type Producer struct {
	client      *kafka.Client
	closeConns  func()
	compression kafka.Compression
	batchSize   int
	balancer    kafka.Balancer
	partitions  *partitionCache
	metrics     *producerMetrics
}

// NewProducer builds a Producer from cfg (defaults applied to a copy).
// Metrics are registered on reg; a nil reg registers nothing.
func NewProducer(cfg Config, reg prometheus.Registerer) (*Producer, error) {
	cfg.ApplyDefaults()
	codec, err := compressionCodec(cfg.Compression)
	if err != nil {
		return nil, fmt.Errorf("kafka.compression: %w: %w", err, ErrInvalidConfig)
	}
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("kafka.brokers: at least one broker address is required: %w", ErrInvalidConfig)
	}
	tr, err := cfg.transport()
	if err != nil {
		return nil, err
	}
	m, err := newProducerMetrics(reg)
	if err != nil {
		return nil, err
	}
	cl := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: produceTimeout, Transport: tr}
	return &Producer{
		client:      cl,
		closeConns:  tr.CloseIdleConnections,
		compression: codec,
		batchSize:   cfg.BatchSize,
		balancer:    &kafka.Murmur2Balancer{},
		partitions:  newPartitionCache(cl, tr.MetadataTTL),
		metrics:     m,
	}, nil
}

// NewWriter builds a kafka-go writer with the producer's settings: acks
// from all in-sync replicas, bounded batching (batch_size, batch_timeout),
// no topic of its own (each message names one), no topic auto-creation,
// and keys hashed with murmur2 like the Java client. It is for callers that
// want kafka-go's asynchronous batching; Producer does not use it.
func NewWriter(cfg Config) (*kafka.Writer, error) {
	cfg.ApplyDefaults()
	codec, err := compressionCodec(cfg.Compression)
	if err != nil {
		return nil, fmt.Errorf("kafka.compression: %w: %w", err, ErrInvalidConfig)
	}
	tr, err := cfg.transport()
	if err != nil {
		return nil, err
	}
	return &kafka.Writer{
		Addr:                   kafka.TCP(cfg.Brokers...),
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           cfg.BatchTimeout.D(),
		BatchSize:              cfg.BatchSize,
		Compression:            codec,
		Transport:              tr,
		AllowAutoTopicCreation: false,
		MaxAttempts:            produceAttempts,
		WriteBackoffMin:        backoffMin,
		WriteBackoffMax:        backoffMax,
	}, nil
}

// Produce writes msgs and waits for their acknowledgement. Every message
// must set Topic; a message without Time is stamped with the time of the
// call. Messages to one partition are written in the order given. On error
// none of the messages should be treated as written (some may have been;
// at-least-once means the caller retries).
func (p *Producer) Produce(ctx context.Context, msgs ...kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	for i := range msgs {
		if msgs[i].Topic == "" {
			return fmt.Errorf("producing message %d: no topic set: %w", i, ErrRejected)
		}
		if n := messageBytes(&msgs[i]); n > maxRequestBytes {
			return fmt.Errorf("producing message %d to %s: %d bytes is over the %d-byte limit: %w",
				i, msgs[i].Topic, n, maxRequestBytes, ErrRejected)
		}
	}
	start := time.Now()
	err := p.produce(ctx, msgs, start)
	p.metrics.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		err = classify(err)
		kind := "rejected"
		if errors.Is(err, ErrUnavailable) {
			kind = "unavailable"
		}
		p.metrics.errors.WithLabelValues(kind).Inc()
		return fmt.Errorf("producing %d messages to %s: %w", len(msgs), msgs[0].Topic, err)
	}
	for i := range msgs {
		p.metrics.messages.WithLabelValues(msgs[i].Topic).Inc()
	}
	return nil
}

// produce assigns msgs to partitions and sends every partition's share,
// the partitions concurrently. It returns the first error.
func (p *Producer) produce(ctx context.Context, msgs []kafka.Message, now time.Time) error {
	shares, err := p.assign(ctx, msgs)
	if err != nil {
		return err
	}
	if len(shares) == 1 {
		return p.sendShare(ctx, msgs, shares[0], now)
	}
	errs := make([]error, len(shares))
	var wg sync.WaitGroup
	for i := range shares {
		wg.Go(func() { errs[i] = p.sendShare(ctx, msgs, shares[i], now) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// share is the messages of one call bound for one partition, as indexes
// into the call's messages in their order.
type share struct {
	topic     string
	partition int
	indexes   []int32
}

// assign places each message on a partition of its topic.
func (p *Producer) assign(ctx context.Context, msgs []kafka.Message) ([]share, error) {
	var shares []share
	for i := range msgs {
		parts, err := p.partitions.get(ctx, msgs[i].Topic)
		if err != nil {
			return nil, err
		}
		part := p.balancer.Balance(msgs[i], parts...)
		j := 0
		for ; j < len(shares); j++ {
			if shares[j].partition == part && shares[j].topic == msgs[i].Topic {
				break
			}
		}
		if j == len(shares) {
			shares = append(shares, share{topic: msgs[i].Topic, partition: part})
		}
		shares[j].indexes = append(shares[j].indexes, int32(i))
	}
	return shares, nil
}

// sendShare sends one partition's messages in requests of at most
// batchSize messages and maxRequestBytes, one after the other so that
// their order is kept.
func (p *Producer) sendShare(ctx context.Context, msgs []kafka.Message, s share, now time.Time) error {
	for rest := s.indexes; len(rest) > 0; {
		n, size := 0, 0
		for n < len(rest) && n < p.batchSize {
			b := messageBytes(&msgs[rest[n]])
			if n > 0 && size+b > maxRequestBytes {
				break
			}
			size += b
			n++
		}
		if err := p.sendRetrying(ctx, msgs, s.topic, s.partition, rest[:n], now); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// sendRetrying sends one request, retrying a few times with backoff while
// the error is retryable.
func (p *Producer) sendRetrying(ctx context.Context, msgs []kafka.Message, topic string, partition int, indexes []int32, now time.Time) error {
	var err error
	for attempt := range produceAttempts {
		if attempt > 0 {
			if !sleepCtx(ctx, retryBackoff(attempt)) {
				return fmt.Errorf("writing to %s/%d: %w (after %w)", topic, partition, ctx.Err(), err)
			}
		}
		err = p.send(ctx, msgs, topic, partition, indexes, now)
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			break
		}
		// The partition count may have changed or the topic be new.
		p.partitions.forget(topic)
	}
	return err
}

// send sends one produce request with acks from all in-sync replicas.
func (p *Producer) send(ctx context.Context, msgs []kafka.Message, topic string, partition int, indexes []int32, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, produceTimeout)
	defer cancel()
	res, err := p.client.Produce(ctx, &kafka.ProduceRequest{
		Topic:        topic,
		Partition:    partition,
		RequiredAcks: kafka.RequireAll,
		Compression:  p.compression,
		Records:      &recordReader{msgs: msgs, indexes: indexes, now: now},
	})
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		return fmt.Errorf("writing %d messages to %s/%d: %w", len(indexes), topic, partition, err)
	}
	return nil
}

// Close releases the producer's connections. It flushes nothing: Produce
// is synchronous.
func (p *Producer) Close() error {
	p.closeConns()
	return nil
}

// MessageBytes is the size a message takes in a record batch, roughly:
// key, value, headers and the per-record overhead.
func MessageBytes(m *kafka.Message) int { return messageBytes(m) }

func messageBytes(m *kafka.Message) int {
	n := 22 + len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += 10 + len(h.Key) + len(h.Value)
	}
	return n
}

func retryBackoff(attempt int) time.Duration {
	d := backoffMin << (attempt - 1)
	return min(d, backoffMax)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

type producerMetrics struct {
	messages *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration prometheus.Histogram
}

func newProducerMetrics(reg prometheus.Registerer) (*producerMetrics, error) {
	m := &producerMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_kafka_produced_messages_total",
			Help: "Messages acknowledged by Kafka, by topic.",
		}, []string{"topic"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_kafka_produce_errors_total",
			Help: "Produce calls that failed, by kind (unavailable, rejected).",
		}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_kafka_produce_duration_seconds",
			Help:    "Time from Produce to acknowledgement of all its messages.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.messages, err = register(reg, m.messages)
	if err != nil {
		return nil, err
	}
	m.errors, err = register(reg, m.errors)
	if err != nil {
		return nil, err
	}
	m.duration, err = register(reg, m.duration)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same name so that two producers in one process share their metrics.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("registering kafka producer metrics: %w", err)
	}
	return c, nil
}
