// Package broker runs the embedded Kafka broker: an in-process
// Kafka-protocol broker (franz-go's kfake) that `tollgate up` serves its
// pipeline on and that every package's tests produce to and consume from.
// With a data directory it persists topics, records and committed offsets
// across restarts; with Kafka4Minimums it refuses the protocol versions
// Kafka 4.0 removed, so clients are held to what a real 4.x broker accepts.
package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultAddr is where Start listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:9092"

// ErrAddrInUse is returned by Start when the listen address is taken.
var ErrAddrInUse = errors.New("address already in use")

// ErrDataDir is returned by Start when the data directory cannot be
// created, written or locked.
var ErrDataDir = errors.New("unusable data directory")

// Options configure Start. The zero value listens on DefaultAddr, keeps
// everything in memory and accepts every version kfake knows.
type Options struct {
	// Addr is host:port to listen on; port 0 picks a free port.
	// The broker advertises this address in metadata, so use an address
	// clients can reach (not 0.0.0.0).
	Addr string
	// DataDir persists the broker's state; empty keeps it in memory.
	DataDir string
	// Kafka4Minimums rejects requests below Kafka 4.0's minimum versions
	// (KIP-896) by closing the connection, as a 4.x broker does.
	Kafka4Minimums bool
	// Logger receives the broker's log; nil discards it.
	Logger *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
	unlock  func()
}

// Start starts a one-node broker. Errors name the address or directory at
// fault and wrap ErrAddrInUse or ErrDataDir where those apply.
func Start(opts Options) (*Broker, error) {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "broker")

	unlock := func() {}
	if opts.DataDir != "" {
		var err error
		if unlock, err = prepareDataDir(opts.DataDir); err != nil {
			return nil, err
		}
	}

	// kfake asks to listen on 127.0.0.1:<port>; we listen where we were
	// told instead, and capture the listener error to report it plainly.
	var listenErr error
	listen := func(network, _ string) (net.Listener, error) {
		ln, err := net.Listen(network, addr)
		if err != nil {
			listenErr = err
		}
		return ln, err
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("tollgate"),
		kfake.ListenFn(listen),
		kfake.WithLogger(slogAdapter{logger}),
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		unlock()
		if listenErr != nil {
			if errors.Is(listenErr, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("embedded kafka broker: cannot listen on %s: %w (another Kafka or tollgate running? choose another port)", addr, ErrAddrInUse)
			}
			return nil, fmt.Errorf("embedded kafka broker: cannot listen on %s: %w", addr, listenErr)
		}
		if opts.DataDir != "" {
			return nil, fmt.Errorf("embedded kafka broker: loading state from %s: %w: %w", opts.DataDir, ErrDataDir, err)
		}
		return nil, fmt.Errorf("embedded kafka broker: %w", err)
	}
	if opts.Kafka4Minimums {
		InstallKafka4Minimums(c, logger)
	}
	b := &Broker{cluster: c, addr: c.ListenAddrs()[0], unlock: unlock}
	logger.Info("embedded kafka broker started", "addr", b.addr, "data_dir", opts.DataDir, "kafka4_minimums", opts.Kafka4Minimums)
	return b, nil
}

// Addr is the host:port the broker listens on and advertises.
func (b *Broker) Addr() string { return b.addr }

// Brokers is Addr as a bootstrap list, for kafka.Config.Brokers.
func (b *Broker) Brokers() []string { return []string{b.addr} }

// Cluster exposes the underlying kfake cluster, for tests that inject
// faults with its control functions.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// Close stops the broker; with a data directory it first saves its state.
// Close is safe to call more than once.
func (b *Broker) Close() error {
	b.cluster.Close()
	b.unlock()
	b.unlock = func() {}
	return nil
}

// prepareDataDir creates dir, proves it writable and takes an exclusive
// lock on it, so a second broker cannot write the same files.
func prepareDataDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded kafka broker: data dir %s: %w: %w", dir, ErrDataDir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return nil, fmt.Errorf("embedded kafka broker: data dir %s is not writable: %w: %w", dir, ErrDataDir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	unlock, err = lockDir(filepath.Join(dir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("embedded kafka broker: data dir %s is in use by another process: %w: %w", dir, ErrDataDir, err)
	}
	return unlock, nil
}
