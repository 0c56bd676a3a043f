package broker

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// StartForTest starts a broker for one test: a free loopback port, state in
// a fresh t.TempDir(), Kafka 4 minimum versions enforced, warnings logged
// through t.Log, and Close registered with t.Cleanup. It fails the test if
// the broker cannot start.
func StartForTest(t testing.TB) *Broker {
	t.Helper()
	return StartForTestWith(t, Options{})
}

// StartForTestWith is StartForTest with explicit options: an empty Addr
// means a free loopback port, an empty DataDir a fresh temporary directory,
// a nil Logger logs warnings through t.Log. Kafka4Minimums is always on.
func StartForTestWith(t testing.TB, opts Options) *Broker {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	opts.Kafka4Minimums = true
	var tw *testWriter
	if opts.Logger == nil {
		tw = &testWriter{t: t}
		opts.Logger = slog.New(slog.NewTextHandler(tw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	b, err := Start(opts)
	if err != nil {
		t.Fatalf("starting embedded broker: %v", err)
	}
	t.Cleanup(func() {
		b.Close()
		if tw != nil {
			tw.stop()
		}
	})
	return b
}

// testWriter forwards log lines to t.Log until the test is cleaned up;
// the broker's goroutines may still log after that, when t.Log panics.
type testWriter struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}
