package router

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/schemas"
)

// benchServiceEvents is how many events each phase of BenchmarkRouterService moves.
const benchServiceEvents = 30_000

// BenchmarkRouterService measures the router's full path (fetch, decode,
// decide, encode, produce, commit) against the in-process broker, and in the
// same run a passthrough that moves the same bytes from tollgate.events to a
// lane topic through the same consumer/producer code. Each phase starts with
// the events already in tollgate.events and ends when every output record is
// acknowledged in the lanes. CPU is the whole process's (user+system), which
// includes the in-process broker and registry.
//
//	go test -run XXX -bench BenchmarkRouterService -benchtime 1x ./router
func BenchmarkRouterService(b *testing.B) {
	s := startStack(b)
	fixtures := fixtureEvents(b)
	for n := 0; n < b.N; n++ {
		evs := make([]schemas.IdentityEvent, benchServiceEvents)
		for i := range evs {
			evs[i] = fixtures[i%len(fixtures)]
			evs[i].EventID = fmt.Sprintf("bench-%d-%d", n, i)
		}
		s.push(b, evs)
		evs = nil

		pass, _ := s.service(b, fmt.Sprintf("passthrough-%d", n), 0)
		observe := s.topics.Lane("OBSERVE")
		pass.transform = func(_ context.Context, m *kafkago.Message, _ time.Time) (kafkago.Message, error) {
			return kafkago.Message{Topic: observe, Key: m.Key, Value: m.Value, Headers: m.Headers}, nil
		}
		passRate, passCPU := s.measure(b, pass)

		full, _ := s.service(b, fmt.Sprintf("router-%d", n), 0)
		fullRate, fullCPU := s.measure(b, full)

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(fullRate, "events/s")
		b.ReportMetric(benchServiceEvents/fullCPU, "events/s/core")
		b.ReportMetric(passRate, "passthrough-events/s")
		b.ReportMetric(benchServiceEvents/passCPU, "passthrough-events/s/core")
		b.ReportMetric(fullRate/passRate, "ratio")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MB")
	}
}

// measure runs svc until benchServiceEvents more records are in the lanes
// and returns events per wall second and the process CPU seconds used.
func (s *stack) measure(b *testing.B, svc *Service) (rate, cpuSeconds float64) {
	b.Helper()
	lanes := func() int64 {
		var n int64
		for _, lt := range s.topics.LaneTopics() {
			n += s.records(b, lt)
		}
		return n
	}
	target := lanes() + benchServiceEvents
	cpu0 := processCPU()
	start := time.Now()
	stop := run(svc)
	ctx := bounded(b)
	for lanes() < target {
		if ctx.Err() != nil {
			b.Fatalf("only %d of %d records reached the lanes", lanes()-target+benchServiceEvents, benchServiceEvents)
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if err := stop(); err != nil {
		b.Fatal(err)
	}
	return benchServiceEvents / elapsed.Seconds(), cpu.Seconds()
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
