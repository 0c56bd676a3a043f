package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultAddr is where the registry listens unless told otherwise, the port
// Confluent's registry uses.
const DefaultAddr = "127.0.0.1:8081"

// shutdownBudget bounds how long Close waits for requests in flight.
const shutdownBudget = 5 * time.Second

// Options configures Start.
type Options struct {
	// Addr is the host:port to listen on; empty means DefaultAddr, port 0 a
	// random free port.
	Addr string
	// DataDir holds the registry's state (under DataDir/registry); empty
	// keeps it in memory only.
	DataDir string
	// Logger receives the registry's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Server is a running embedded Schema Registry.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu sync.Mutex
	// fresh holds connections that have not sent a request yet; see Close.
	fresh map[net.Conn]struct{}
}

// Start restores the registry's state from opts.DataDir, listens on
// opts.Addr and serves in a goroutine until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "registry")

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, addr, err)
	}
	h, err := newHandler(opts.DataDir, log)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start schema registry with data dir %q: %w", opts.DataDir, err)
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:    ln,
		done:  make(chan struct{}),
		fresh: make(map[net.Conn]struct{}),
	}
	s.srv.ConnState = s.trackFresh
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("schema registry stopped serving", "err", err)
		}
	}()
	log.Info("schema registry listening", "url", s.URL(), "data_dir", opts.DataDir)
	return s, nil
}

// URL is the registry's base URL, e.g. http://127.0.0.1:8081.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests, waits up to a short budget for those in
// flight, and stops the server. State is already on disk: every change is
// persisted before it is acknowledged.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()

	// http.Server.Shutdown waits up to 5 s for connections that never sent a
	// request, such as the spare connection an HTTP client dials when two
	// requests race. Nothing is in flight on them, so close them at once.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var err error
	for waiting := true; waiting; {
		s.closeFresh()
		select {
		case err = <-shut:
			waiting = false
		case <-tick.C:
		}
	}
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	if err != nil {
		return fmt.Errorf("close schema registry: %w", err)
	}
	return nil
}

func (s *Server) trackFresh(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateNew {
		s.fresh[c] = struct{}{}
	} else {
		delete(s.fresh, c)
	}
}

func (s *Server) closeFresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.fresh {
		c.Close()
		delete(s.fresh, c)
	}
}
