package ingest

import "github.com/prometheus/client_golang/prometheus"

// metrics are the ingest handler's Prometheus metrics, per source.
type metrics struct {
	requests *prometheus.CounterVec // by source and HTTP status code
	events   *prometheus.CounterVec // accepted events by source
	rejects  *prometheus.CounterVec // rejected requests by source and reason
	// deadLetters counts items of accepted requests that went to the DLQ, by source and
	// reason.
	deadLetters *prometheus.CounterVec
	latency     *prometheus.HistogramVec // request duration by source, including the Kafka ack
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_ingest_requests_total", Help: "Ingest HTTP requests by source and status code.",
		}, []string{"source", "code"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_ingest_events_total", Help: "Events accepted and acknowledged by Kafka, by source.",
		}, []string{"source"}),
		rejects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_ingest_rejects_total", Help: "Rejected ingest requests by source and reason.",
		}, []string{"source", "reason"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_ingest_dead_letters_total", Help: "Items of ingest requests dead-lettered (unreadable or invalid), by source and reason.",
		}, []string{"source", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tollgate_ingest_request_duration_seconds", Help: "Ingest request duration by source, until Kafka acknowledged.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.events, m.rejects, m.deadLetters, m.latency)
	}
	return m
}
