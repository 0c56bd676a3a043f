package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/registry"
)

// Stack is the embedded infrastructure of `tollgate up`: a Kafka-protocol broker, a
// Confluent-compatible Schema Registry and the ClickHouse engine, all in this process,
// with their data under one directory.
type Stack struct {
	Broker   *broker.Broker
	Registry *registry.Server
	Engine   *chdb.DB
}

// StartStack starts the embedded broker, registry and engine with the addresses and data
// directory of cfg, points cfg's Kafka brokers and registry URL at them, then creates the
// topics. It checks the data directory first so a
// permission problem is one clear error rather than three.
func StartStack(ctx context.Context, cfg *Config, log *slog.Logger) (*Stack, error) {
	dir := cfg.Up.DataDir
	if err := checkWritableDir(dir); err != nil {
		return nil, err
	}
	s := &Stack{}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	// The engine is started first: a missing libchdb should fail before ports are bound.
	engine, err := chdb.Open(chdb.Options{
		LibPath:  cfg.ClickHouse.Embedded.LibPath,
		DataDir:  cfg.ClickHouse.Embedded.DataDir,
		Database: cfg.ClickHouse.Database,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse engine: %w", err)
	}
	s.Engine = engine
	b, err := broker.Start(broker.Options{
		Addr:    cfg.Up.KafkaAddr,
		DataDir: filepath.Join(dir, "kafka"),
		// Hold every client to what a real Kafka 4.x broker accepts (KIP-896), so what works
		// against up works against production.
		Kafka4Minimums: true,
		Logger:         log,
	})
	if err != nil {
		return nil, fmt.Errorf("kafka broker: %w", err)
	}
	s.Broker = b
	reg, err := registry.Start(registry.Options{
		Addr:    cfg.Up.RegistryAddr,
		DataDir: dir,
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("schema registry: %w", err)
	}
	s.Registry = reg
	// up talks to its own broker and registry, wherever they ended up listening (port 0
	// picks a free port).
	cfg.Kafka.Brokers = b.Brokers()
	cfg.Registry.URL = reg.URL()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := kafka.CreateTopics(cctx, cfg.Kafka, cfg.Kafka.TopicPlan()...); err != nil {
		return nil, fmt.Errorf("create topics: %w", err)
	}
	ok = true
	return s, nil
}

// Close stops the registry, the broker and the engine, in that order.
func (s *Stack) Close() error {
	var errs []error
	if s.Registry != nil {
		errs = append(errs, s.Registry.Close())
	}
	if s.Broker != nil {
		errs = append(errs, s.Broker.Close())
	}
	if s.Engine != nil {
		errs = append(errs, s.Engine.Close())
	}
	return errors.Join(errs...)
}

// checkWritableDir creates dir if needed and proves a file can be written there.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory %s is not usable: %w", dir, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
