package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/gen"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// benchPipeline posts a gen run of Events payloads in each source's native
// shape to the ingest handler over HTTP, with the router and the auditor
// running, until every event is visible in ClickHouse; it reports events/s
// and event-to-visible latency over every 50th payload. Then it sweeps at the
// manifest's now and scores the open findings against the manifest.
func (r *runner) benchPipeline(ctx context.Context) error {
	o := r.opts
	g, err := gen.New(o.genOptions(o.Events))
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	now := g.Now()
	env, err := r.stack.NewEnv(ctx, "pipeline")
	if err != nil {
		return err
	}
	defer env.Close()
	var icfg ingest.Config
	if err := icfg.Validate(); err != nil {
		return fmt.Errorf("bench: ingest config: %w", err)
	}
	srv, err := serve(ingest.NewHandler(icfg, ingest.NewKafkaProducer(env.Codec, env.Producer, env.Topics.Events).WithDeadLetterTopic(env.Topics.DLQ), nil, r.log))
	if err != nil {
		return err
	}
	defer srv.close()
	pol, err := router.DefaultPolicy()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	metrics := router.NewMetrics(nil)
	rsvc := router.NewService(router.ServiceConfig{Kafka: env.Kafka, Group: "bench-router", Topics: env.Topics},
		env.Codec, router.NewPolicyHolder(pol, r.log, metrics), env.Producer, metrics, r.log)
	asvc, a, store, _, err := r.newAuditorService(ctx, env, "bench-auditor", func() time.Time { return now }, time.Second)
	if err != nil {
		return err
	}
	tasks := []*task{background(ctx, "the router", rsvc.Run), background(ctx, "the auditor", asvc.Run)}
	vis := newVisibility(store)
	tasks = append(tasks, background(ctx, "the visibility poller", vis.run))
	defer func() {
		for _, t := range tasks {
			t.stop()
		}
	}()

	client := newClient(o.Concurrency)
	defer client.CloseIdleConnections()
	sent := 0
	m := startMeter()
	next := func() (request, bool, error) {
		p, ok := g.Next()
		if !ok {
			return request{}, false, nil
		}
		body, err := p.Body()
		if err != nil {
			return request{}, false, fmt.Errorf("bench: payload %s: %w", p.EventID, err)
		}
		req := request{url: srv.URL + "/v1/ingest/" + p.Source, body: body}
		if sent%50 == 0 {
			id := p.EventID
			req.onOK = func(at time.Time) { vis.add(id, at) }
		}
		sent++
		if sent%10000 == 0 {
			r.progress("pipeline: %d payloads sent", sent)
		}
		return req, true, nil
	}
	if _, err := loadFrom(ctx, client, next, o.Concurrency, 0); err != nil {
		return fmt.Errorf("bench: pipeline: %w", err)
	}
	events, err := env.Records(ctx, env.Topics.Events)
	if err != nil {
		return err
	}
	err = waitFor(ctx, 50*time.Millisecond, "every event to be visible in ClickHouse", func() (bool, error) {
		if err := alive(tasks...); err != nil {
			return false, err
		}
		n, err := countRows(ctx, store, "events")
		if err != nil {
			return false, err
		}
		ok, err := vis.done()
		return n >= events && ok, err
	})
	if err != nil {
		return err
	}
	f := m.stop(int(events), vis.latencies())
	r.add(Row{Stage: StagePipeline, Case: fmt.Sprintf("gen → HTTP ingest → router → auditor → visible (%d payloads)", sent), Measured: f})
	for _, t := range tasks {
		if err := t.stop(); err != nil {
			return fmt.Errorf("bench: pipeline: %s: %w", t.name, err)
		}
	}
	dlq, err := env.Records(ctx, env.Topics.DLQ)
	if err != nil {
		return err
	}
	if dlq != 0 {
		return fmt.Errorf("bench: pipeline: %d records in the dead-letter topic", dlq)
	}
	man := g.Manifest()
	if _, err := a.Sweep(ctx, man.Now); err != nil {
		return fmt.Errorf("bench: detection sweep: %w", err)
	}
	fs, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen})
	if err != nil {
		return fmt.Errorf("bench: findings: %w", err)
	}
	rep := gen.Compare(man, fs)
	r.report.Detection = &Detection{Events: int(events), Planted: len(man.Entries), Perfect: rep.Perfect(), Report: rep}
	r.progress("detection: %d planted, perfect=%t", len(man.Entries), rep.Perfect())
	return nil
}
