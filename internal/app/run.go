package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oklog/run"
)

// Group runs a service's actors (HTTP server, consume loop, flusher, sweeper) until the first
// returns or a signal arrives, then interrupts all of them and waits for them to drain
// within the shutdown budget.
type Group struct {
	g       run.Group
	log     *slog.Logger
	budget  time.Duration
	onDrain []func()
}

// NewGroup returns a Group that drains within budget.
func NewGroup(log *slog.Logger, budget time.Duration) *Group {
	return &Group{log: log, budget: budget}
}

// OnDrain registers a function called first when shutdown begins (e.g. Admin.Drain).
func (g *Group) OnDrain(f func()) { g.onDrain = append(g.onDrain, f) }

// Add adds an actor: execute runs until done; interrupt makes it return promptly.
func (g *Group) Add(execute func() error, interrupt func(error)) { g.g.Add(execute, interrupt) }

// AddContext adds an actor driven by a context that is cancelled on shutdown.
func (g *Group) AddContext(ctx context.Context, fn func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	g.g.Add(func() error { return fn(ctx) }, func(error) { cancel() })
}

// HTTPLimits bound what one client can hold of an HTTP server: how long it may take to
// send headers and the whole request, how long an answer may take, how long a keep-alive
// connection may idle, the header size, and how many connections are open at once.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxConnections    int // 0: no cap
}

// DefaultHTTPLimits are the limits of servers whose handler names none (admin, console):
// generous for slow queries, but no client holds a connection forever.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       60 * time.Second,
	WriteTimeout:      5 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    64 << 10,
	MaxConnections:    256,
}

// LimitedHandler is a handler that says which limits its server needs (IngestMux does,
// from ingest.Config).
type LimitedHandler interface {
	http.Handler
	HTTPLimits() HTTPLimits
}

// AddHTTP serves handler on an already bound listener and shuts it down gracefully, with
// the handler's HTTPLimits when it is a LimitedHandler, else DefaultHTTPLimits.
func (g *Group) AddHTTP(name string, ln net.Listener, handler http.Handler) {
	l := DefaultHTTPLimits
	if lh, ok := handler.(LimitedHandler); ok {
		l = lh.HTTPLimits()
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
	if l.MaxConnections > 0 {
		ln = LimitListener(ln, l.MaxConnections)
	}
	g.g.Add(func() error {
		g.log.Info("listening", "server", name, "addr", ln.Addr().String())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}, func(error) {
		ctx, cancel := context.WithTimeout(context.Background(), g.budget)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// ErrSignal is what Run returns when a signal stopped the group: a clean exit.
var ErrSignal = errors.New("signal received")

// Run blocks until an actor returns or SIGINT/SIGTERM arrives, then drains. A signal-initiated
// shutdown returns nil; an actor's failure returns its error. Draining that overruns the
// budget returns an error saying so, and a second signal while draining exits at once.
func (g *Group) Run() error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	first := make(chan struct{})
	quit := make(chan struct{})
	g.g.Add(func() error {
		select {
		case <-first:
			return ErrSignal
		case <-quit:
			return nil
		}
	}, func(error) { close(quit) })
	result := make(chan error, 1)
	go func() { result <- g.g.Run() }()
	select {
	case err := <-result:
		return g.finish(err)
	case sig := <-sigs:
		g.log.Info("shutting down", "signal", sig.String(), "budget", g.budget.String())
	}
	for _, f := range g.onDrain {
		f()
	}
	close(first)
	timer := time.NewTimer(g.budget)
	defer timer.Stop()
	select {
	case err := <-result:
		return g.finish(err)
	case sig := <-sigs:
		return fmt.Errorf("second %s while draining: exiting with work still in flight", sig)
	case <-timer.C:
		return fmt.Errorf("shutdown budget of %s exceeded; exiting with work still in flight", g.budget)
	}
}

func (g *Group) finish(err error) error {
	if errors.Is(err, ErrSignal) {
		g.log.Info("stopped cleanly")
		return nil
	}
	return err
}

// Listen binds addr with an error that names the address and the cause.
func Listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s: cannot listen on %s: address already in use (is another tollgate running? change the address in the config)", what, addr)
		}
		return nil, fmt.Errorf("%s: cannot listen on %s: %w", what, addr, err)
	}
	return ln, nil
}
