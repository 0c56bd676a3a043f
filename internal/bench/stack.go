package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/registry"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Stack is the in-process infrastructure a run measures against: one broker
// and one registry on loopback, and the process's one ClickHouse engine.
// Each measurement gets its own topic prefix (an Env) and its own database,
// so measurements do not see each other's data.
type Stack struct {
	dir      string
	broker   *broker.Broker
	registry *registry.Server
	engineAt string
	log      *slog.Logger
	seq      atomic.Int64
}

var (
	engineDirOnce sync.Once
	engineDir     string
	engineDirErr  error
)

// StartStack starts the broker and registry on 127.0.0.1 with data under a
// new temporary directory and checks that the engine can be opened. The
// engine's data directory is the one the process already runs on, else a
// temporary directory shared by every Stack of the process (the engine
// cannot switch directories). log may be nil.
func StartStack(log *slog.Logger) (*Stack, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := os.MkdirTemp("", "tollgate-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: data directory: %w", err)
	}
	s := &Stack{dir: dir, log: log}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	s.engineAt = chdb.DataDir()
	if s.engineAt == "" {
		engineDirOnce.Do(func() { engineDir, engineDirErr = os.MkdirTemp("", "tollgate-bench-engine-") })
		if engineDirErr != nil {
			return nil, fmt.Errorf("bench: engine directory: %w", engineDirErr)
		}
		s.engineAt = engineDir
	}
	s.broker, err = broker.Start(broker.Options{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "kafka"), Kafka4Minimums: true, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("bench: broker: %w", err)
	}
	s.registry, err = registry.Start(registry.Options{Addr: "127.0.0.1:0", DataDir: dir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("bench: registry: %w", err)
	}
	ok = true
	return s, nil
}

// Close stops the registry and the broker and removes their data.
func (s *Stack) Close() error {
	if s.registry != nil {
		s.registry.Close()
	}
	if s.broker != nil {
		s.broker.Close()
	}
	return os.RemoveAll(s.dir)
}

// Env is one measurement's slice of the stack: topics under their own
// prefix with every schema registered, a producer, and (once asked for) a
// migrated database of its own.
type Env struct {
	stack    *Stack
	name     string
	Kafka    kafka.Config
	Topics   kafka.Topics
	Codec    *codec.Codec
	Producer *kafka.Producer
	db       *chdb.DB
}

// NewEnv creates the topics of a fresh prefix (and the extra topics, with
// the same partition count) and registers the schemas.
func (s *Stack) NewEnv(ctx context.Context, name string, extra ...string) (*Env, error) {
	n := s.seq.Add(1)
	prefix := fmt.Sprintf("b%d-%s", n, name)
	cfg := kafka.Config{Brokers: s.broker.Brokers(), TopicPrefix: prefix}
	cfg.ApplyDefaults()
	plan := cfg.TopicPlan()
	for _, t := range extra {
		plan = append(plan, kafka.TopicSpec{Name: prefix + "." + t, Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor})
	}
	if err := kafka.CreateTopics(ctx, cfg, plan...); err != nil {
		return nil, fmt.Errorf("bench %s: topics: %w", name, err)
	}
	cl, err := sr.NewClient(sr.URLs(s.registry.URL()))
	if err != nil {
		return nil, fmt.Errorf("bench %s: registry client: %w", name, err)
	}
	codec, err := codec.NewCodec(cl)
	if err != nil {
		return nil, fmt.Errorf("bench %s: codec: %w", name, err)
	}
	topics := kafka.TopicNames(prefix)
	if _, err := app.RegisterSchemas(ctx, codec, topics); err != nil {
		return nil, fmt.Errorf("bench %s: %w", name, err)
	}
	prod, err := kafka.NewProducer(cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("bench %s: producer: %w", name, err)
	}
	return &Env{stack: s, name: fmt.Sprintf("bench_%d_%s", n, name), Kafka: cfg, Topics: topics, Codec: codec, Producer: prod}, nil
}

// Extra is the full name of an extra topic created by NewEnv.
func (e *Env) Extra(t string) string { return e.Kafka.TopicPrefix + "." + t }

// Store opens the Env's own database on the engine and migrates it.
func (e *Env) Store(ctx context.Context) (clickhouse.Store, *chdb.DB, error) {
	if e.db == nil {
		db, err := chdb.Open(chdb.Options{DataDir: e.stack.engineAt, Database: e.name, PoolSize: 2})
		if err != nil {
			return nil, nil, fmt.Errorf("bench %s: engine: %w", e.name, err)
		}
		e.db = db
	}
	store := embedded.New(e.db)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		return nil, nil, fmt.Errorf("bench %s: migrate: %w", e.name, err)
	}
	return store, e.db, nil
}

// Close drops the Env's database and closes its producer.
func (e *Env) Close() {
	e.Producer.Close()
	if e.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.db.Exec(ctx, "DROP DATABASE IF EXISTS "+chdb.QuoteIdent(e.name)+" SYNC"); err != nil {
			e.stack.log.Warn("bench: drop database", "database", e.name, "err", err)
		}
		e.db.Close()
	}
}

// Records is the number of records in topics (the sum of their partitions'
// end offsets).
func (e *Env) Records(ctx context.Context, topics ...string) (int64, error) {
	cl := &kafkago.Client{Addr: kafkago.TCP(e.Kafka.Brokers...)}
	req := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	for _, t := range topics {
		for p := 0; p < e.Kafka.Partitions; p++ {
			req.Topics[t] = append(req.Topics[t], kafkago.LastOffsetOf(p))
		}
	}
	resp, err := cl.ListOffsets(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("bench: list offsets: %w", err)
	}
	var n int64
	for t, ps := range resp.Topics {
		for _, po := range ps {
			if po.Error != nil {
				return 0, fmt.Errorf("bench: offsets of %s[%d]: %w", t, po.Partition, po.Error)
			}
			n += po.LastOffset
		}
	}
	return n, nil
}

// waitFor polls cond every interval until it holds, ctx ends, or it fails.
func waitFor(ctx context.Context, interval time.Duration, what string, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: waiting for %s: %w", what, ctx.Err())
		case <-time.After(interval):
		}
	}
}
