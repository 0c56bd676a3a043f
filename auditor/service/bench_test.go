package service

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/schemas"
)

// benchEvents returns n routed events over 2,000 principals in the lane mix
// of a busy tenant: mostly sign-ins, some help-desk resets, ticketed grants
// with their tickets, and credential events of service accounts.
func benchEvents(from, n int, at time.Time) []schemas.RoutedEvent {
	h := &auditortest.Events{Seq: from}
	out := make([]schemas.RoutedEvent, 0, n)
	for i := from; i < from+n; i++ {
		p := auditortest.Human(fmt.Sprintf("user%04d@corp.example", i%2000))
		var e schemas.RoutedEvent
		switch i % 20 {
		case 0:
			ritm := fmt.Sprintf("RITM%07d", i)
			e = h.Ticket(schemas.ActionTicketApproved, at.Add(-time.Hour), auditortest.ApprovedRequest(ritm, p, "wiki-editors", auditortest.Bob))
			e.Event.Subject = p
		case 1:
			e = h.IAM(schemas.ActionAccessGrant, at, schemas.LaneServiceDesk, auditortest.Admin, p, auditortest.Group("wiki-editors", schemas.PrivilegeWrite), fmt.Sprintf("RITM%07d", i-1))
		case 2:
			e = h.IAM(schemas.ActionPasswordReset, at, schemas.LaneHelpDesk, auditortest.Admin, p, nil)
		case 3:
			svc := auditortest.NHI(fmt.Sprintf("svc-%03d", i%200))
			e = h.IAM(schemas.ActionCredentialRotate, at, schemas.LaneNHI, auditortest.Admin, svc, nil)
			e.Event.Credential = &schemas.Credential{ID: "key-" + svc.ID, Kind: schemas.CredentialAccessKey, Owner: auditortest.Bob}
		default:
			e = h.IAM(schemas.ActionSignIn, at, schemas.LaneObserve, p, p, nil)
		}
		e.Event.EventID = fmt.Sprintf("OKTA:b%09d", i)
		out = append(out, e)
	}
	return out
}

// benchEnvInt reads a positive integer knob from the environment.
func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkServiceThroughput reports, in one run, the auditor service's
// rows/s from the lane topics into the embedded engine (decode, WriteBatch
// with ledgers and detections, findings, commit), the engine's own bulk
// insert of the rows it wrote as the baseline, and their ratio.
// TOLLGATE_BENCH_EVENTS sets the events per iteration (default 20,000).
func BenchmarkServiceThroughput(b *testing.B) {
	n := benchEnvInt("TOLLGATE_BENCH_EVENTS", 20000)
	var serviceSecs, bulkSecs float64
	var total int
	for iter := 0; iter < b.N; iter++ {
		b.StopTimer()
		s := newStack(b, 3)
		db := chdbtest.OpenForTest(b)
		a := newTestAuditor(b, embedded.New(db))
		evs := benchEvents(iter*n, n, auditortest.T0)
		ctx := context.Background()
		for start := 0; start < len(evs); start += 5000 {
			s.produce(ctx, evs[start:min(start+5000, len(evs))]...)
		}
		cfg := s.serviceConfig("bench")
		cfg.BatchSize, cfg.FlushInterval = 10000, time.Second
		svc := New(cfg, a, s.codec, s.producer, prometheus.NewRegistry(), nil)
		b.StartTimer()
		began := time.Now()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- svc.Run(rctx) }()
		for counterValue(svc.m.records) < float64(n) {
			time.Sleep(5 * time.Millisecond)
		}
		serviceSecs += time.Since(began).Seconds()
		b.StopTimer()
		cancel()
		<-done

		// Baseline: the rows the service wrote, read back as Native blocks of its batch size
		// and inserted into a copy of the table by the engine's own bulk insert.
		if err := db.Exec(ctx, "CREATE TABLE events_bulk AS events"); err != nil {
			b.Fatal(err)
		}
		var blocks [][]byte
		for off := 0; off < n; off += cfg.BatchSize {
			blk, err := db.Query(ctx, fmt.Sprintf("SELECT * FROM events ORDER BY event_id LIMIT %d OFFSET %d", cfg.BatchSize, off), "Native")
			if err != nil {
				b.Fatal(err)
			}
			blocks = append(blocks, blk)
		}
		began = time.Now()
		for _, blk := range blocks {
			if _, err := db.InsertBytes(ctx, "events_bulk", "Native", blk); err != nil {
				b.Fatal(err)
			}
		}
		bulkSecs += time.Since(began).Seconds()
		total += n
	}
	b.ReportMetric(float64(total)/serviceSecs, "auditor_rows/s")
	b.ReportMetric(float64(total)/bulkSecs, "bulk_rows/s")
	b.ReportMetric(bulkSecs/serviceSecs, "ratio")
}

// BenchmarkServiceLatency produces at a steady 5,000 events/s for
// TOLLGATE_BENCH_SECONDS (default 10) and reports event-to-visible latency
// (produce call to the event being readable in events) at p50 and p99 over
// every 25th event, and the largest HeapInuse seen, with BatchSize 10,000.
func BenchmarkServiceLatency(b *testing.B) {
	secs := benchEnvInt("TOLLGATE_BENCH_SECONDS", 10)
	rate := benchEnvInt("TOLLGATE_BENCH_RATE", 5000)
	const tick = 10 * time.Millisecond
	perTick := rate * int(tick) / int(time.Second)
	var lat []time.Duration
	var heapMax uint64
	var produced int
	var elapsed float64
	for iter := 0; iter < b.N; iter++ {
		s := newStack(b, 3)
		store := clickhousetest.Embedded(b)
		a := newTestAuditor(b, store)
		cfg := s.serviceConfig("bench")
		cfg.BatchSize, cfg.FlushInterval = 10000, 250*time.Millisecond
		svc := New(cfg, a, s.codec, s.producer, prometheus.NewRegistry(), nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()

		pending := make(chan map[string]time.Time, 1000)
		stopPoll := make(chan struct{})
		polled := make(chan []time.Duration)
		go func() { // visibility poller
			var out []time.Duration
			waiting := map[string]time.Time{}
			tk := time.NewTicker(20 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case m := <-pending:
					for k, v := range m {
						waiting[k] = v
					}
					continue
				case <-tk.C:
				case <-stopPoll:
					if len(waiting) == 0 {
						polled <- out
						return
					}
				}
				if len(waiting) == 0 {
					continue
				}
				ids := make([]string, 0, len(waiting))
				for id := range waiting {
					ids = append(ids, id)
				}
				rows, err := store.Query(context.Background(), "SELECT event_id FROM events WHERE event_id IN "+clickhouse.QuoteList(ids))
				if err != nil {
					b.Error(err)
					polled <- out
					return
				}
				now := time.Now()
				for _, r := range rows {
					id := r.String("event_id")
					if at, ok := waiting[id]; ok {
						out = append(out, now.Sub(at))
						delete(waiting, id)
					}
				}
			}
		}()
		var ms runtime.MemStats
		var producers sync.WaitGroup
		began := time.Now()
		next := began
		end := next.Add(time.Duration(secs) * time.Second)
		seq := iter * rate * secs * 2
		for ticks := 0; time.Now().Before(end); ticks++ {
			evs := benchEvents(seq, perTick, time.Now().UTC())
			seq += perTick
			at := time.Now()
			producers.Add(1)
			go func() { // concurrent calls share producer batches
				defer producers.Done()
				s.produce(ctx, evs...)
			}()
			produced += len(evs)
			sample := map[string]time.Time{}
			for i := range evs {
				if (seq+i)%25 == 0 {
					sample[evs[i].Event.EventID] = at
				}
			}
			pending <- sample
			if ticks%10 == 0 {
				runtime.ReadMemStats(&ms)
				heapMax = max(heapMax, ms.HeapInuse)
			}
			next = next.Add(tick)
			time.Sleep(time.Until(next))
		}
		producers.Wait()
		elapsed += time.Since(began).Seconds()
		close(stopPoll)
		lat = append(lat, <-polled...)
		cancel()
		<-done
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("no latency samples")
	}
	q := func(p float64) float64 { return lat[int(p*float64(len(lat)-1))].Seconds() * 1000 }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(float64(heapMax)/(1<<20), "heap_inuse_max_MiB")
	b.ReportMetric(float64(len(lat)), "samples")
	b.ReportMetric(float64(produced)/elapsed, "produced_events/s")
}
