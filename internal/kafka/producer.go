package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Producer writes messages to Kafka synchronously: Produce returns only
// after every message was acknowledged by all in-sync replicas, or with an
// error wrapping ErrUnavailable or ErrRejected. Messages carry their own
// topic. Safe for concurrent use; concurrent calls share batches.
type Producer struct {
	w       *kafka.Writer
	metrics *producerMetrics
}

// NewProducer builds a Producer from cfg (defaults applied to a copy).
// Metrics are registered on reg; a nil reg registers nothing.
func NewProducer(cfg Config, reg prometheus.Registerer) (*Producer, error) {
	w, err := NewWriter(cfg)
	if err != nil {
		return nil, err
	}
	m, err := newProducerMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Producer{w: w, metrics: m}, nil
}

// NewWriter builds the kafka-go writer behind Producer: acks from all
// in-sync replicas, bounded batching, no topic of its own (each message
// names one), no topic auto-creation, and keys hashed with murmur2 like the
// Java client so that other producers place a principal's events on the
// same partition.
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
		// A few quick attempts: a caller holding an HTTP request should
		// learn within seconds that Kafka is down, not after kafka-go's
		// default of ten attempts.
		MaxAttempts:     3,
		WriteBackoffMin: 50 * time.Millisecond,
		WriteBackoffMax: 500 * time.Millisecond,
	}, nil
}

// Produce writes msgs and waits for their acknowledgement. Every message
// must set Topic. On error none of the messages should be treated as
// written (some may have been; at-least-once means the caller retries).
func (p *Producer) Produce(ctx context.Context, msgs ...kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	for i := range msgs {
		if msgs[i].Topic == "" {
			return fmt.Errorf("producing message %d: no topic set: %w", i, ErrRejected)
		}
	}
	start := time.Now()
	err := p.w.WriteMessages(ctx, msgs...)
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

// Close flushes nothing (Produce is synchronous) and releases connections.
func (p *Producer) Close() error {
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("closing kafka producer: %w", err)
	}
	return nil
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
