package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// Deps are the connections a service shares with the others in the same process.
type Deps struct {
	Config   *Config
	Log      *slog.Logger
	Admin    *Admin
	Codec    *codec.Codec
	Producer *kafka.Producer
	Topics   kafka.Topics
}

// NewDeps connects to the registry (registering or verifying every schema, refusing to run
// on an incompatible one), builds the shared producer and the readiness checks of Kafka and
// the registry.
func NewDeps(ctx context.Context, cfg *Config, log *slog.Logger, admin *Admin) (*Deps, error) {
	codec, srClient, err := NewCodec(cfg.Registry)
	if err != nil {
		return nil, err
	}
	topics := kafka.TopicNames(cfg.Kafka.TopicPrefix)
	rctx, cancel := context.WithTimeout(ctx, cfg.Registry.Timeout.D()*3)
	defer cancel()
	if _, err := RegisterSchemas(rctx, codec, topics); err != nil {
		return nil, err
	}
	prod, err := kafka.NewProducer(cfg.Kafka, admin.Registry)
	if err != nil {
		return nil, err
	}
	admin.AddCheck("kafka", func(ctx context.Context) error { return kafka.Ping(ctx, cfg.Kafka) })
	admin.AddCheck("schema_registry", RegistryCheck(srClient))
	return &Deps{Config: cfg, Log: log, Admin: admin, Codec: codec, Producer: prod, Topics: topics}, nil
}

// IngestMux is the ingest receivers and the admin endpoints on one mux, with the server
// limits of ingest.Config (AddHTTP applies them).
type IngestMux struct {
	*http.ServeMux
	limits HTTPLimits
}

// HTTPLimits are the limits of the ingest section: timeouts, header size, connection cap.
func (m *IngestMux) HTTPLimits() HTTPLimits { return m.limits }

// IngestHandler returns the ingest receivers and the admin endpoints on one mux. Items the
// receivers reject are dead-lettered to the DLQ topic.
func IngestHandler(d *Deps) *IngestMux {
	mux := http.NewServeMux()
	d.Admin.Mount(mux)
	h := ingest.NewHandler(d.Config.Ingest.Config,
		ingest.NewKafkaProducer(d.Codec, d.Producer, d.Topics.Events).WithDeadLetterTopic(d.Topics.DLQ),
		d.Admin.Registry, d.Log) // the handler names its component itself
	mux.Handle("/v1/", h)
	c := d.Config.Ingest.Config
	c.ApplyDefaults()
	return &IngestMux{ServeMux: mux, limits: HTTPLimits{
		ReadHeaderTimeout: c.ReadHeaderTimeout.D(), ReadTimeout: c.ReadTimeout.D(), WriteTimeout: c.WriteTimeout.D(),
		IdleTimeout: c.IdleTimeout.D(), MaxHeaderBytes: c.MaxHeaderBytes, MaxConnections: c.MaxConnections,
	}}
}

// AddRawConsumer adds the raw-topic consumer to g when ingest.raw_topics is on.
func AddRawConsumer(ctx context.Context, g *Group, d *Deps) error {
	if !d.Config.Ingest.RawTopics {
		return nil
	}
	rc, err := ingest.NewRawConsumer(d.Config.Kafka, d.Config.Ingest.RawGroup, d.Topics,
		ingest.NewKafkaProducer(d.Codec, d.Producer, d.Topics.Events), d.Producer,
		d.Config.Ingest.Config.ParserOptions(), d.Config.ShutdownTimeout.D(), d.Log.With("component", "ingest-raw"))
	if err != nil {
		return err
	}
	d.Admin.AddCheck("raw_consumer", rc.Ready)
	g.AddContext(ctx, rc.Run)
	return nil
}
