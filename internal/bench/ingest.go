package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/ingest"
)

// bareHandler is ingest's baseline: it reads the body and produces it as one
// record with the same producer, answering 200 once it is acknowledged. The
// ingest handler's cost over it is auth, parse, normalize, encode and one
// record per event.
func bareHandler(e *Env, topic string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ingest.DefaultMaxBodyBytes))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := e.Producer.Produce(r.Context(), kafkago.Message{Topic: topic, Value: body}); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// benchIngest measures Okta deliveries of 1 and 100 events through the
// ingest handler against the bare handler, at full speed, then batches of 1
// paced at IngestRate requests/s for the latency to ack.
func (r *runner) benchIngest(ctx context.Context) error {
	env, err := r.stack.NewEnv(ctx, "ingest", "bare")
	if err != nil {
		return err
	}
	defer env.Close()
	var cfg ingest.Config
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("bench: ingest config: %w", err)
	}
	full, err := serve(ingest.NewHandler(cfg, ingest.NewKafkaProducer(env.Codec, env.Producer, env.Topics.Events).WithDeadLetterTopic(env.Topics.DLQ), nil, r.log))
	if err != nil {
		return err
	}
	defer full.close()
	bare, err := serve(bareHandler(env, env.Extra("bare")))
	if err != nil {
		return err
	}
	defer bare.close()
	client := newClient(r.opts.Concurrency)
	defer client.CloseIdleConnections()

	type ingestCase struct {
		name  string
		batch int
		n     int
		rate  float64
	}
	o := r.opts
	paced := o.IngestRate * o.IngestSeconds
	cases := []ingestCase{
		{"okta batch=1", 1, o.IngestEvents / 10, 0},
		{"okta batch=100", 100, o.IngestEvents, 0},
		{fmt.Sprintf("okta batch=1 @%d req/s", o.IngestRate), 1, paced, float64(o.IngestRate)},
	}
	for _, c := range cases {
		bodies, err := o.oktaBodies(c.n, c.batch)
		if err != nil {
			return err
		}
		run := func(url string) (Figures, error) {
			reqs := make([]request, len(bodies))
			for i := range bodies {
				reqs[i] = request{url: url, body: bodies[i]}
			}
			conc := o.Concurrency
			if c.rate > 0 {
				conc = max(conc, 32) // enough senders that pacing, not senders, sets the rate
			}
			m := startMeter()
			lat, err := load(ctx, client, reqs, conc, c.rate)
			if err != nil {
				return Figures{}, err
			}
			return m.stop(len(bodies)*c.batch, lat), nil
		}
		base, err := run(bare.URL + "/")
		if err != nil {
			return fmt.Errorf("bench: ingest %s baseline: %w", c.name, err)
		}
		meas, err := run(full.URL + "/v1/ingest/okta")
		if err != nil {
			return fmt.Errorf("bench: ingest %s: %w", c.name, err)
		}
		r.add(Row{Stage: StageIngest, Case: c.name, Measured: meas, Baseline: &base, BaselineCase: "bare handler producing the body"})
	}
	return nil
}
