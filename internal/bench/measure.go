package bench

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMiB is the process's maximum resident set size so far (Linux
// reports ru_maxrss in KiB).
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// heapInuseMiB is the Go heap in use after a collection: the steady heap
// once a stage's work has finished.
func heapInuseMiB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// meter measures one phase: wall time and process CPU time from start to
// stop.
type meter struct {
	wall time.Time
	cpu  time.Duration
}

func startMeter() meter { return meter{wall: time.Now(), cpu: processCPU()} }

// stop returns Figures for events processed since start, with the latency
// quantiles of lat (which it sorts) when there are any.
func (m meter) stop(events int, lat []time.Duration) Figures {
	wall := time.Since(m.wall).Seconds()
	cpu := (processCPU() - m.cpu).Seconds()
	f := Figures{Events: events, Seconds: wall, CPUSeconds: cpu}
	if wall > 0 {
		f.EventsPerSec = float64(events) / wall
	}
	if cpu > 0 {
		f.EventsPerCoreSec = float64(events) / cpu
	}
	if events > 0 {
		f.CPUSecondsPerMillion = cpu / float64(events) * 1e6
	}
	if len(lat) > 0 {
		f.P50Ms, f.P99Ms = quantileMs(lat, 0.50), quantileMs(lat, 0.99)
		f.Samples = len(lat)
	}
	return f
}

// quantileMs sorts lat and returns its q-quantile in milliseconds (nearest
// rank).
func quantileMs(lat []time.Duration, q float64) float64 {
	if !slices.IsSorted(lat) {
		slices.Sort(lat)
	}
	i := int(q*float64(len(lat))+0.5) - 1
	i = max(0, min(i, len(lat)-1))
	return float64(lat[i]) / float64(time.Millisecond)
}

// latencies collects durations from concurrent goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d ...time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.all
	l.all = nil
	return out
}

// measureFlow measures a consumer moving n records: it polls count every
// 10 ms and starts the meter at the first poll that sees output, so the
// consumer group's join does not count; the records already out at that
// poll are left out of the figures. When that first poll already sees all n (the
// consumer wrote them in one batch), the figures run from the call instead.
func measureFlow(ctx context.Context, what string, n int64, count func() (int64, error)) (Figures, error) {
	var m meter
	var from int64 = -1
	launched := startMeter()
	err := waitFor(ctx, 10*time.Millisecond, what, func() (bool, error) {
		got, err := count()
		if err != nil {
			return false, err
		}
		if from < 0 && got > 0 {
			m, from = startMeter(), got
			if got >= n {
				// Everything became visible at once (one batch): time it from the launch,
				// start-up included, rather than report an empty measurement.
				m, from = launched, 0
			}
		}
		return got >= n, nil
	})
	if err != nil {
		return Figures{}, err
	}
	return m.stop(int(n-from), nil), nil
}
