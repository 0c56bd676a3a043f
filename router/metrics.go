package router

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/schemas"
)

// Metrics are the router's Prometheus metrics. Build them once per process
// with NewMetrics and share them between the service loop and the
// PolicyHolder.
type Metrics struct {
	// Events counts decided events by lane and rule id.
	Events *prometheus.CounterVec
	// EvaluationErrors counts events no rule could evaluate (dead-lettered).
	EvaluationErrors prometheus.Counter
	// EvaluationSeconds observes how long one Decide took.
	EvaluationSeconds prometheus.Histogram
	// DeadLettered counts records sent to the DLQ, by stage (decode, evaluate, produce).
	DeadLettered *prometheus.CounterVec
	// PolicyReloads counts policy reloads that took effect.
	PolicyReloads prometheus.Counter
	// PolicyReloadFailures counts refused policy reloads; the old policy kept running.
	PolicyReloadFailures prometheus.Counter
	// PolicyInfo is 1 for the running policy's version.
	PolicyInfo *prometheus.GaugeVec
	// ConsumerLag is how many records of tollgate.events the router has yet to read.
	ConsumerLag prometheus.Gauge
	// Retries counts batches retried after a retryable failure, by cause (produce, registry, commit).
	Retries *prometheus.CounterVec
}

// NewMetrics builds the router's metrics and registers them on reg; a nil reg
// builds unregistered metrics (for tools and tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_router_events_total",
			Help: "Events decided by the routing policy, by lane and rule id.",
		}, []string{"lane", "rule"}),
		EvaluationErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_router_evaluation_errors_total",
			Help: "Events the routing policy failed to evaluate.",
		}),
		EvaluationSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_router_evaluation_duration_seconds",
			Help:    "Time to evaluate the routing policy against one event.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 2, 14), // 1µs .. ~8ms
		}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_router_dlq_records_total",
			Help: "Records sent to the dead-letter topic, by stage.",
		}, []string{"stage"}),
		PolicyReloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_router_policy_reloads_total",
			Help: "Policy reloads that took effect.",
		}),
		PolicyReloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_router_policy_reload_failures_total",
			Help: "Policy reloads refused because the new policy was invalid; the old policy kept running.",
		}),
		PolicyInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tollgate_router_policy_info",
			Help: "1 for the version (text hash) of the running policy.",
		}, []string{"version"}),
		ConsumerLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_router_consumer_lag_records",
			Help: "Records of the events topic not yet read by the router (kafka-go reader lag).",
		}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_router_retries_total",
			Help: "Batches retried after a retryable failure, by cause (produce, registry, commit); nothing is committed until they succeed.",
		}, []string{"cause"}),
	}
	if reg != nil {
		reg.MustRegister(m.Events, m.EvaluationErrors, m.EvaluationSeconds, m.DeadLettered,
			m.PolicyReloads, m.PolicyReloadFailures, m.PolicyInfo, m.ConsumerLag, m.Retries)
	}
	return m
}

// ObserveDecision records one decided event and how long deciding it took.
func (m *Metrics) ObserveDecision(d schemas.Decision, elapsed time.Duration) {
	m.Events.WithLabelValues(string(d.Lane), d.RuleID).Inc()
	m.EvaluationSeconds.Observe(elapsed.Seconds())
}

// ObserveEvaluationError records an event the policy could not evaluate.
func (m *Metrics) ObserveEvaluationError(elapsed time.Duration) {
	m.EvaluationErrors.Inc()
	m.EvaluationSeconds.Observe(elapsed.Seconds())
}
