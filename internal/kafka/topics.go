package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Lanes are the lane topic suffixes of DESIGN §3, in lane-enum order.
var Lanes = []string{"help_desk", "service_desk", "break_glass", "nhi", "observe", "triage"}

// Sources are the raw input topic suffixes, one per vendor that can also
// produce straight to Kafka instead of through the HTTP receivers.
var Sources = []string{"okta", "entra", "cloudtrail", "google_workspace", "servicenow", "jira_sm"}

// Topics are the topic names under one prefix.
type Topics struct {
	Prefix string
	// Events carries IdentityEvent, keyed by subject principal id.
	Events string
	// Findings carries Finding, keyed by finding id.
	Findings string
	// DLQ carries the original bytes of records that could not be processed.
	DLQ string
	// Connectors carries the pull connectors' cursors (JSON, keyed by connector name,
	// compacted), and its consumer group decides which replica polls which source.
	Connectors string
}

// TopicNames returns the topic names under prefix ("" means the default).
func TopicNames(prefix string) Topics {
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	return Topics{
		Prefix:     prefix,
		Events:     prefix + ".events",
		Findings:   prefix + ".findings",
		DLQ:        prefix + ".dlq",
		Connectors: prefix + ".connectors",
	}
}

// Lane returns the topic of a lane, given as a Lanes suffix ("nhi") or the
// lane enum symbol ("NHI", "HELP_DESK").
func (t Topics) Lane(lane string) string {
	return t.Prefix + ".lane." + lowerASCII(lane)
}

// LaneTopics returns all six lane topics, in Lanes order.
func (t Topics) LaneTopics() []string {
	out := make([]string, len(Lanes))
	for i, l := range Lanes {
		out[i] = t.Lane(l)
	}
	return out
}

// Raw returns the raw input topic of a source ("okta", "OKTA").
func (t Topics) Raw(source string) string {
	return t.Prefix + ".raw." + lowerASCII(source)
}

// RawTopics returns all raw input topics, in Sources order.
func (t Topics) RawTopics() []string {
	out := make([]string, len(Sources))
	for i, s := range Sources {
		out[i] = t.Raw(s)
	}
	return out
}

// All returns every topic tollgate uses.
func (t Topics) All() []string {
	out := []string{t.Events}
	out = append(out, t.LaneTopics()...)
	out = append(out, t.Findings, t.DLQ, t.Connectors)
	return append(out, t.RawTopics()...)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TopicSpec is one topic to create.
type TopicSpec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	// Configs are topic-level settings, e.g. retention.ms.
	Configs map[string]string
}

// Retention of each kind of topic. Lane and event topics are a transport,
// ClickHouse is the record; findings and the DLQ are kept longer because
// people read them after the fact.
const (
	eventsRetention   = 7 * 24 * time.Hour
	findingsRetention = 30 * 24 * time.Hour
	dlqRetention      = 30 * 24 * time.Hour
	rawRetention      = 3 * 24 * time.Hour
)

// TopicPlan is the one place that says how every tollgate topic is created:
// partitions and replication from cfg, retention per kind of topic, and
// min.insync.replicas 2 whenever there are at least 3 replicas so that
// acks=all means two copies.
func (c *Config) TopicPlan() []TopicSpec {
	cfg := *c
	cfg.ApplyDefaults()
	t := TopicNames(cfg.TopicPrefix)
	minISR := "1"
	if cfg.ReplicationFactor >= 3 {
		minISR = "2"
	}
	spec := func(name string, retention time.Duration, extra ...string) TopicSpec {
		configs := map[string]string{
			"retention.ms":        strconv.FormatInt(retention.Milliseconds(), 10),
			"min.insync.replicas": minISR,
		}
		for i := 0; i+1 < len(extra); i += 2 {
			configs[extra[i]] = extra[i+1]
		}
		return TopicSpec{Name: name, Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor, Configs: configs}
	}
	plan := []TopicSpec{spec(t.Events, eventsRetention)}
	for _, lane := range t.LaneTopics() {
		plan = append(plan, spec(lane, eventsRetention))
	}
	// Findings are keyed by a deterministic id and updated in place
	// (OPEN → RESOLVED): compaction keeps each finding's latest state.
	plan = append(plan, spec(t.Findings, findingsRetention, "cleanup.policy", "compact,delete"))
	plan = append(plan, spec(t.DLQ, dlqRetention))
	// A cursor is the latest record of its key: compaction alone, no time retention, so
	// a connector idle for a month still resumes where it stopped.
	conn := spec(t.Connectors, 0, "cleanup.policy", "compact")
	delete(conn.Configs, "retention.ms")
	plan = append(plan, conn)
	for _, raw := range t.RawTopics() {
		plan = append(plan, spec(raw, rawRetention))
	}
	return plan
}

// CreateTopics creates the topics that do not exist yet. A topic that
// already exists is left as it is and is not an error, so this is safe to
// run at every start. Errors name the topic.
func CreateTopics(ctx context.Context, cfg Config, specs ...TopicSpec) error {
	if len(specs) == 0 {
		return nil
	}
	cl, closeFn, err := newClient(cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	req := &kafka.CreateTopicsRequest{Topics: make([]kafka.TopicConfig, len(specs))}
	for i, s := range specs {
		if s.Name == "" {
			return fmt.Errorf("creating topics: spec %d has no name: %w", i, ErrInvalidConfig)
		}
		tc := kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor}
		if tc.NumPartitions <= 0 {
			tc.NumPartitions = -1
		}
		if tc.ReplicationFactor <= 0 {
			tc.ReplicationFactor = -1
		}
		keys := make([]string, 0, len(s.Configs))
		for k := range s.Configs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: s.Configs[k]})
		}
		req.Topics[i] = tc
	}
	resp, err := cl.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("creating %d topics: %w", len(specs), classify(err))
	}
	var errs []error
	for _, s := range specs {
		terr := resp.Errors[s.Name]
		if terr == nil || errors.Is(terr, kafka.TopicAlreadyExists) {
			continue
		}
		errs = append(errs, fmt.Errorf("creating topic %s: %w", s.Name, classify(terr)))
	}
	return errors.Join(errs...)
}

// Ping checks that a broker answers a metadata request. It is cheap enough
// for every /readyz call; errors wrap ErrUnavailable or ErrRejected (for
// example a SASL failure).
func Ping(ctx context.Context, cfg Config) error {
	cl, closeFn, err := newClient(cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.Timeout)
		defer cancel()
	}
	if _, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}}); err != nil {
		return fmt.Errorf("pinging kafka at %v: %w", cfg.Brokers, classify(err))
	}
	return nil
}

// newClient builds a one-shot admin client and the function that releases
// its connections.
func newClient(cfg Config) (*kafka.Client, func(), error) {
	cfg.ApplyDefaults()
	if len(cfg.Brokers) == 0 {
		return nil, nil, fmt.Errorf("kafka.brokers: at least one broker address is required: %w", ErrInvalidConfig)
	}
	tr, err := cfg.transport()
	if err != nil {
		return nil, nil, err
	}
	cl := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: cfg.dialTimeout() + 5*time.Second, Transport: tr}
	return cl, tr.CloseIdleConnections, nil
}
