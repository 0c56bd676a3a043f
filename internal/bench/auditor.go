package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/service"
	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/gen"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// auditorBatch is the auditor's flush size in every measurement: the
// service default, and the baseline's insert size.
const auditorBatch = service.DefaultBatchSize

// newAuditorService builds an auditor over a fresh migrated database of env,
// with the detection configuration gen plants against and the given clock.
func (r *runner) newAuditorService(ctx context.Context, env *Env, group string, clock func() time.Time, flush time.Duration) (*service.Service, *auditor.Auditor, clickhouse.Store, *chdb.DB, error) {
	store, db, err := env.Store(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	a, err := auditor.New(store, gen.DetectionConfig(), auditor.Options{Clock: clock, Logger: r.log})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("bench: auditor: %w", err)
	}
	svc := service.New(service.Config{
		Kafka: env.Kafka, Group: group, Topics: env.Topics, BatchSize: auditorBatch, FlushInterval: flush,
		SweepInterval: 24 * time.Hour,
	}, a, env.Codec, env.Producer, prometheus.NewRegistry(), r.log)
	return svc, a, store, db, nil
}

// benchAuditor measures the auditor service from the pre-loaded lane topics
// into the engine against the engine's bulk insert of the same rows, then
// the event-to-visible latency at a steady rate.
func (r *runner) benchAuditor(ctx context.Context) error {
	env, err := r.stageEnv(ctx, false)
	if err != nil {
		return err
	}
	svc, _, store, db, err := r.newAuditorService(ctx, env, "bench-auditor", nil, time.Second)
	if err != nil {
		return err
	}
	n := int64(r.opts.StageEvents)
	t := background(ctx, "the auditor", svc.Run)
	meas, err := measureFlow(ctx, "the auditor", n, func() (int64, error) {
		if err := t.alive(); err != nil {
			return 0, err
		}
		return countRows(ctx, store, "events")
	})
	if serr := t.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	// Baseline: the same rows, read back as Native blocks of the service's
	// batch size, inserted into a copy of the table.
	if err := db.Exec(ctx, "CREATE TABLE events_bulk AS events"); err != nil {
		return fmt.Errorf("bench: bulk table: %w", err)
	}
	var blocks [][]byte
	for off := int64(0); off < n; off += auditorBatch {
		b, err := db.Query(ctx, fmt.Sprintf("SELECT * FROM events ORDER BY event_id LIMIT %d OFFSET %d", auditorBatch, off), "Native")
		if err != nil {
			return fmt.Errorf("bench: read rows back: %w", err)
		}
		blocks = append(blocks, b)
	}
	m := startMeter()
	for _, b := range blocks {
		if _, err := db.InsertBytes(ctx, "events_bulk", "Native", b); err != nil {
			return fmt.Errorf("bench: bulk insert: %w", err)
		}
	}
	base := m.stop(int(n), nil)
	r.add(Row{Stage: StageAuditor, Case: "lanes → events table (ledgers, detections)", Measured: meas, Baseline: &base,
		BaselineCase: fmt.Sprintf("engine bulk insert, Native blocks of %d", auditorBatch)})
	return r.benchAuditorLatency(ctx)
}

// benchAuditorLatency produces routed events to the lane topics at
// AuditorRate for AuditorSeconds with the auditor running (flush interval
// 250 ms) and measures event-to-visible latency over every 25th event.
func (r *runner) benchAuditorLatency(ctx context.Context) error {
	o := r.opts
	total := o.AuditorRate * o.AuditorSeconds
	evs, err := o.canonicalEvents(total)
	if err != nil {
		return err
	}
	pol, err := router.DefaultPolicy()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	env, err := r.stack.NewEnv(ctx, "latency")
	if err != nil {
		return err
	}
	defer env.Close()
	msgs := make([]kafkago.Message, len(evs))
	for i := range evs {
		d, err := pol.Decide(&evs[i], evs[i].OccurredAt)
		if err != nil {
			return fmt.Errorf("bench: decide %s: %w", evs[i].EventID, err)
		}
		re := schemas.RoutedEvent{Event: evs[i], Decision: d}
		v, err := env.Codec.Encode(&re)
		if err != nil {
			return fmt.Errorf("bench: encode %s: %w", evs[i].EventID, err)
		}
		msgs[i] = kafkago.Message{Topic: env.Topics.Lane(string(d.Lane)), Key: []byte(evs[i].Key()), Value: v}
	}
	svc, _, store, _, err := r.newAuditorService(ctx, env, "bench-latency", nil, 250*time.Millisecond)
	if err != nil {
		return err
	}
	svcTask := background(ctx, "the auditor", svc.Run)
	defer svcTask.stop()
	vis := newVisibility(store)
	visTask := background(ctx, "the visibility poller", vis.run)
	defer visTask.stop()
	const tick = 10 * time.Millisecond
	perTick := max(1, o.AuditorRate/100)
	m := startMeter()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var produceErr error
	for i, t := 0, 0; i < len(msgs); i, t = i+perTick, t+1 {
		time.Sleep(time.Until(start.Add(time.Duration(t) * tick)))
		batch := msgs[i:min(i+perTick, len(msgs))]
		at := time.Now()
		for j := range batch {
			if (i+j)%25 == 0 {
				vis.add(evs[i+j].EventID, at)
			}
		}
		wg.Go(func() { // concurrent calls share producer batches, as concurrent ingest requests do
			if err := env.Producer.Produce(ctx, batch...); err != nil {
				mu.Lock()
				produceErr = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if produceErr != nil {
		return fmt.Errorf("bench: auditor latency produce: %w", produceErr)
	}
	if err := waitFor(ctx, 20*time.Millisecond, "sampled events to be visible", func() (bool, error) {
		if err := alive(svcTask, visTask); err != nil {
			return false, err
		}
		return vis.done()
	}); err != nil {
		return err
	}
	f := m.stop(total, vis.latencies())
	r.add(Row{Stage: StageAuditor, Case: fmt.Sprintf("event → visible @%d events/s", o.AuditorRate), Measured: f})
	return nil
}
