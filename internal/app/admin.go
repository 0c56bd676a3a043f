package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one dependency probe behind /readyz: nil when the dependency is reachable.
type Check func(ctx context.Context) error

// Admin serves the endpoints every service has: /healthz answers while the process runs,
// /readyz answers 503 until every registered check passes (and after draining started),
// /metrics exposes the service's Prometheus registry.
type Admin struct {
	Registry *prometheus.Registry

	mu       sync.Mutex
	checks   map[string]Check
	draining atomic.Bool
}

// NewAdmin returns an Admin with a fresh registry carrying the Go and process collectors.
func NewAdmin() *Admin {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Admin{Registry: reg, checks: map[string]Check{}}
}

// AddCheck registers a readiness probe under a name shown in /readyz.
func (a *Admin) AddCheck(name string, c Check) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks[name] = c
}

// Drain marks the service not ready: load balancers stop sending work while it drains.
func (a *Admin) Drain() { a.draining.Store(true) }

// Ready runs every check and returns their results by name, and whether all passed.
func (a *Admin) Ready(ctx context.Context) (map[string]string, bool) {
	a.mu.Lock()
	checks := make(map[string]Check, len(a.checks))
	for k, v := range a.checks {
		checks[k] = v
	}
	a.mu.Unlock()
	out := make(map[string]string, len(checks))
	ok := !a.draining.Load()
	if !ok {
		out["service"] = "draining"
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			err := check(cctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out[name] = err.Error()
				ok = false
			} else {
				out[name] = "ok"
			}
		}()
	}
	wg.Wait()
	return out, ok
}

// Mount adds the admin endpoints to mux.
func (a *Admin) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		res, ok := a.Ready(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ready": ok, "checks": res})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{Registry: a.Registry}))
}

// Handler returns a mux serving only the admin endpoints.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Mount(mux)
	return mux
}

// ErrNotReady is returned by WaitReady when the deadline passes first.
var ErrNotReady = errors.New("not ready")
