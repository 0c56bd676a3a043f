package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/connectors/aws"
	"github.com/tollgate-io/tollgate/connectors/entra"
	"github.com/tollgate-io/tollgate/connectors/google"
	"github.com/tollgate-io/tollgate/connectors/okta"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/config"
)

// ConnectorsConfig is `connectors:`: the vendor APIs tollgate pulls from. Each source
// configured runs under `tollgate up` and `tollgate ingest`, on one replica at a time.
type ConnectorsConfig struct {
	// Group is the consumer group of the connectors topic that elects, per connector,
	// the replica that runs it.
	Group  string           `yaml:"group"`
	Okta   *OktaConnector   `yaml:"okta"`
	Entra  *EntraConnector  `yaml:"entra"`
	AWS    *AWSConnector    `yaml:"aws"`
	Google *GoogleConnector `yaml:"google_workspace"`
}

// Schedule is when a connector lists the inventory and polls the log.
type Schedule struct {
	// Snapshot and Pull switch the two halves (default: both on).
	Snapshot *bool `yaml:"snapshot"`
	Pull     *bool `yaml:"pull"`
	// SnapshotEvery is the interval between inventory listings (default 24h; the first
	// runs at start); PullEvery the wait once the log is caught up (default 1m).
	SnapshotEvery config.Duration `yaml:"snapshot_every"`
	PullEvery     config.Duration `yaml:"pull_every"`
}

// OktaConnector is `connectors.okta`.
type OktaConnector struct {
	okta.Config `yaml:",inline"`
	Schedule    `yaml:",inline"`
}

// EntraConnector is `connectors.entra`.
type EntraConnector struct {
	entra.Config `yaml:",inline"`
	Schedule     `yaml:",inline"`
}

// AWSConnector is `connectors.aws`.
type AWSConnector struct {
	aws.Config `yaml:",inline"`
	Schedule   `yaml:",inline"`
}

// GoogleConnector is `connectors.google_workspace`.
type GoogleConnector struct {
	google.Config `yaml:",inline"`
	Schedule      `yaml:",inline"`
}

// ConnectorNames are the sources a connector exists for, in the order they run.
var ConnectorNames = []string{"okta", "entra", "aws", "google_workspace"}

func (s *Schedule) defaults() {
	if s.SnapshotEvery <= 0 {
		s.SnapshotEvery = config.Duration(24 * time.Hour)
	}
	if s.PullEvery <= 0 {
		s.PullEvery = config.Duration(time.Minute)
	}
}

func on(b *bool) bool { return b == nil || *b }

func (c *ConnectorsConfig) defaults() {
	if c.Group == "" {
		c.Group = "tollgate-connectors"
	}
	for _, s := range c.schedules() {
		s.defaults()
	}
}

func (c *ConnectorsConfig) schedules() map[string]*Schedule {
	out := map[string]*Schedule{}
	if c.Okta != nil {
		out["okta"] = &c.Okta.Schedule
	}
	if c.Entra != nil {
		out["entra"] = &c.Entra.Schedule
	}
	if c.AWS != nil {
		out["aws"] = &c.AWS.Schedule
	}
	if c.Google != nil {
		out["google_workspace"] = &c.Google.Schedule
	}
	return out
}

// Configured lists the configured connectors, in ConnectorNames order.
func (c *ConnectorsConfig) Configured() []string {
	s := c.schedules()
	var out []string
	for _, n := range ConnectorNames {
		if _, ok := s[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

func (c *ConnectorsConfig) validate() []error {
	var errs []error
	if c.Okta != nil {
		errs = append(errs, c.Okta.Validate("connectors.okta")...)
	}
	if c.Entra != nil {
		errs = append(errs, c.Entra.Validate("connectors.entra")...)
	}
	if c.AWS != nil {
		errs = append(errs, c.AWS.Validate("connectors.aws")...)
	}
	if c.Google != nil {
		errs = append(errs, c.Google.Validate("connectors.google_workspace")...)
	}
	for i, e := range errs {
		errs[i] = config.Invalid(e)
	}
	return errs
}

// Connector is one configured source's halves (either may be nil when switched off).
type Connector struct {
	Name        string
	Snapshotter connectors.Snapshotter
	Puller      connectors.Puller
	Schedule    Schedule
}

// errNotConfigured names a connector the configuration has no section for.
func errNotConfigured(name string) error {
	if !slices.Contains(ConnectorNames, name) {
		return fmt.Errorf("%q is not a connector (the connectors are %v): %w", name, ConnectorNames, config.ErrInvalid)
	}
	return fmt.Errorf("connectors.%s is not configured: %w", name, config.ErrInvalid)
}

// BuildConnector builds the configured source name, with since (when set) as the log's
// backfill start in place of the configured one.
func BuildConnector(ctx context.Context, c *ConnectorsConfig, name string, since time.Time) (*Connector, error) {
	hc := &http.Client{Timeout: 2 * time.Minute}
	out := &Connector{Name: name}
	var err error
	var snap connectors.Snapshotter
	var pull connectors.Puller
	switch {
	case name == "okta" && c.Okta != nil:
		cfg := c.Okta.Config
		if !since.IsZero() {
			cfg.Start = since.UTC().Format(time.RFC3339)
		}
		out.Schedule = c.Okta.Schedule
		if snap, err = okta.NewSnapshotter(cfg, hc); err == nil {
			pull, err = okta.NewPuller(cfg, hc)
		}
	case name == "entra" && c.Entra != nil:
		cfg := c.Entra.Config
		if !since.IsZero() {
			cfg.Start = since.UTC()
		}
		out.Schedule = c.Entra.Schedule
		if snap, err = entra.NewSnapshotter(ctx, cfg, hc); err == nil {
			pull, err = entra.NewPuller(ctx, cfg, hc)
		}
	case name == "aws" && c.AWS != nil:
		if !since.IsZero() {
			return nil, fmt.Errorf("the aws connector reads CloudTrail's SQS queue, which has no start time: --since does not apply: %w", config.ErrInvalid)
		}
		out.Schedule = c.AWS.Schedule
		if snap, err = aws.NewSnapshotter(ctx, c.AWS.Config, hc); err == nil {
			pull, err = aws.NewPuller(ctx, c.AWS.Config, hc)
		}
	case name == "google_workspace" && c.Google != nil:
		cfg := c.Google.Config
		if !since.IsZero() {
			cfg.Start = since.UTC().Format(time.RFC3339)
		}
		out.Schedule = c.Google.Schedule
		if snap, err = google.NewSnapshotter(cfg, hc); err == nil {
			pull, err = google.NewPuller(cfg, hc)
		}
	default:
		return nil, errNotConfigured(name)
	}
	if err != nil {
		return nil, fmt.Errorf("connectors.%s: %w", name, err)
	}
	out.Schedule.defaults()
	if on(out.Schedule.Snapshot) {
		out.Snapshotter = snap
	}
	if on(out.Schedule.Pull) {
		out.Puller = pull
	}
	return out, nil
}

// connectorMetrics are the connectors' Prometheus series.
type connectorMetrics struct {
	events    *prometheus.CounterVec
	lag       *prometheus.GaugeVec
	snapshots *prometheus.CounterVec
	grants    *prometheus.GaugeVec
	lastSnap  *prometheus.GaugeVec
}

func newConnectorMetrics(reg prometheus.Registerer) *connectorMetrics {
	m := &connectorMetrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_connector_events_total",
			Help: "Events a connector produced, by connector and kind (pull, snapshot)."}, []string{"connector", "kind"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tollgate_connector_lag_seconds",
			Help: "How far behind now the newest log record a puller has read is."}, []string{"connector"}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_connector_snapshots_total",
			Help: "Inventory listings by connector and result (ok, error)."}, []string{"connector", "result"}),
		grants: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tollgate_connector_snapshot_grants",
			Help: "Grants the last complete listing of a connector found."}, []string{"connector"}),
		lastSnap: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tollgate_connector_snapshot_completed_timestamp_seconds",
			Help: "When a connector's last complete listing ended (Unix time)."}, []string{"connector"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.events, m.lag, m.snapshots, m.grants, m.lastSnap} {
			_ = reg.Register(c)
		}
	}
	return m
}

// AddConnectors runs the configured connectors under g: each on the replica that holds
// its partition of the connectors topic, its log pulled from the cursor kept on that
// topic, its inventory listed every snapshot_every. Nothing runs when none is configured.
func AddConnectors(ctx context.Context, g *Group, d *Deps) error {
	cc := &d.Config.Connectors
	names := cc.Configured()
	if len(names) == 0 {
		return nil
	}
	log := d.Log.With("component", "connectors")
	built := map[string]*Connector{}
	for _, n := range names {
		c, err := BuildConnector(ctx, cc, n, time.Time{})
		if err != nil {
			return err
		}
		built[n] = c
	}
	m := newConnectorMetrics(d.Admin.Registry)
	sink := ingest.NewKafkaProducer(d.Codec, d.Producer, d.Topics.Events).WithDeadLetterTopic(d.Topics.DLQ)
	cursors := &connectors.KafkaCursors{Kafka: d.Config.Kafka, Topic: d.Topics.Connectors, Producer: d.Producer}
	partitions := max(d.Config.Kafka.Partitions, 1)
	log.Info("connectors configured", "connectors", names, "group", cc.Group)
	g.AddContext(ctx, func(ctx context.Context) error {
		return connectors.Lead(ctx, d.Config.Kafka, cc.Group, d.Topics.Connectors, partitions, names, func(ctx context.Context, name string) {
			dead := func(ctx context.Context, f connectors.Failed) error {
				return d.Producer.SendDeadLetter(ctx, d.Topics.DLQ, "connector", kafkago.Message{Topic: "connector:" + name, Value: f.Raw}, f.Err)
			}
			RunConnector(ctx, built[name], sink, cursors, dead, m, log)
		})
	})
	return nil
}

// RunConnector runs one connector until ctx ends: the puller from its durable cursor and
// the listing on its schedule, side by side.
func RunConnector(ctx context.Context, c *Connector, sink connectors.Sink, cursors connectors.CursorStore,
	dead func(context.Context, connectors.Failed) error, m *connectorMetrics, log *slog.Logger) {
	log = log.With("connector", c.Name)
	log.Info("connector running on this replica")
	done := make(chan struct{})
	if c.Puller != nil {
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				err := connectors.RunPull(ctx, c.Puller, cursors, sink, connectors.PullOptions{Name: c.Name, Interval: c.Schedule.PullEvery.D(), Log: log, DeadLetter: dead,
					OnPage: func(p connectors.Page) {
						m.events.WithLabelValues(c.Name, "pull").Add(float64(len(p.Events)))
						if !p.Newest.IsZero() {
							m.lag.WithLabelValues(c.Name).Set(time.Since(p.Newest).Seconds())
						}
					}})
				if err != nil && ctx.Err() == nil {
					log.Error("connector stopped pulling; retrying in a minute", "err", err)
					connectorsSleep(ctx, time.Minute)
				}
			}
		}()
	} else {
		close(done)
	}
	if c.Snapshotter != nil {
		for {
			res, err := connectors.RunSnapshot(ctx, c.Snapshotter, sink, time.Now, nil)
			switch {
			case ctx.Err() != nil:
			case err != nil:
				m.snapshots.WithLabelValues(c.Name, "error").Inc()
				log.Error("inventory listing failed; nothing was revoked for the holders it did not reach", "err", err)
			default:
				m.snapshots.WithLabelValues(c.Name, "ok").Inc()
				m.events.WithLabelValues(c.Name, "snapshot").Add(float64(res.Events))
				m.grants.WithLabelValues(c.Name).Set(float64(res.Grants))
				m.lastSnap.WithLabelValues(c.Name).SetToCurrentTime()
				log.Info("inventory listed", "holders", res.Holders, "grants", res.Grants, "credentials", res.Credentials)
			}
			if !connectorsSleep(ctx, c.Schedule.SnapshotEvery.D()) {
				break
			}
		}
	}
	<-done
}

func connectorsSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// errNoConnectors is what the one-shot verbs say when nothing is configured.
var errNoConnectors = errors.New("no connector is configured (connectors: in the configuration)")
