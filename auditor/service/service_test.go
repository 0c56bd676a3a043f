package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/internal/broker"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/chdb/chhttp"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/internal/clickhouse/server"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stacktest"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// counterValue reads a counter's current value.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// --- balancer over assignments -------------------------------------------

func lanePartitions(topics []string, n int) []kafkago.Partition {
	var out []kafkago.Partition
	for _, t := range topics {
		for i := range n {
			out = append(out, kafkago.Partition{Topic: t, ID: i})
		}
	}
	return out
}

func TestCoPartitionBalancerKeepsIndexTogether(t *testing.T) {
	topics := kafka.TopicNames("t").LaneTopics()
	for _, tc := range []struct{ members, partitions int }{{1, 3}, {2, 3}, {3, 3}, {4, 3}, {3, 12}, {5, 7}} {
		var members []kafkago.GroupMember
		for i := range tc.members {
			// ids deliberately not in join order
			members = append(members, kafkago.GroupMember{ID: fmt.Sprintf("m-%02d", (i*7)%tc.members), Topics: topics})
		}
		got := CoPartitionBalancer{}.AssignGroups(members, lanePartitions(topics, tc.partitions))
		owner := map[int]string{}
		seen := map[string]bool{}
		perMember := map[string]int{}
		for m, byTopic := range got {
			for topic, ps := range byTopic {
				for _, p := range ps {
					key := fmt.Sprintf("%s/%d", topic, p)
					if seen[key] {
						t.Fatalf("%+v: %s assigned twice", tc, key)
					}
					seen[key] = true
					if o, ok := owner[p]; ok && o != m {
						t.Fatalf("%+v: index %d on both %s and %s", tc, p, o, m)
					}
					owner[p] = m
					perMember[m]++
				}
			}
		}
		if len(seen) != len(topics)*tc.partitions {
			t.Fatalf("%+v: %d of %d partitions assigned", tc, len(seen), len(topics)*tc.partitions)
		}
		// Balanced by index: no member owns more than ceil(n/m) indexes.
		most := (tc.partitions + tc.members - 1) / tc.members
		for m, n := range perMember {
			if n/len(topics) > most {
				t.Fatalf("%+v: member %s owns %d indexes, at most %d expected", tc, m, n/len(topics), most)
			}
		}
		// Deterministic: the same input gives the same output.
		slices.Reverse(members)
		if again := (CoPartitionBalancer{}).AssignGroups(members, lanePartitions(topics, tc.partitions)); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("%+v: assignment depends on member order:\n%v\n%v", tc, got, again)
		}
	}
}

func TestCoPartitionBalancerSkipsUnsubscribedMember(t *testing.T) {
	topics := []string{"a", "b"}
	members := []kafkago.GroupMember{{ID: "1", Topics: []string{"a"}}, {ID: "2", Topics: topics}}
	got := CoPartitionBalancer{}.AssignGroups(members, lanePartitions(topics, 2))
	if len(got["1"]["b"]) != 0 {
		t.Fatalf("member 1 got partitions of a topic it does not read: %v", got)
	}
	if !slices.Equal(got["2"]["b"], []int{0, 1}) || !slices.Equal(got["1"]["a"], []int{0}) || !slices.Equal(got["2"]["a"], []int{1}) {
		t.Fatalf("assignment %v", got)
	}
}

func TestCheckCoPartitioned(t *testing.T) {
	if err := CheckCoPartitioned(map[string]int{"a": 3, "b": 3, "c": 3}); err != nil {
		t.Fatalf("equal counts refused: %v", err)
	}
	err := CheckCoPartitioned(map[string]int{"a": 3, "b": 4, "c": 3})
	if !errors.Is(err, ErrNotCoPartitioned) || !strings.Contains(err.Error(), "b has 4 partitions") {
		t.Fatalf("unequal counts: %v", err)
	}
}

// --- in-process stack -----------------------------------------------------

// bounded bounds a whole integration test; it is a guard against a hang,
// not a timing assertion.
func bounded(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type stack struct {
	t        testing.TB
	b        *broker.Broker
	kcfg     kafka.Config
	topics   kafka.Topics
	codec    *codec.Codec
	producer *kafka.Producer
}

// newStack starts a broker and a registry, creates the topics under prefix
// with partitions each and registers the schemas.
func newStack(t testing.TB, partitions int) *stack {
	t.Helper()
	st := stacktest.Start(t, nil, kafka.Config{TopicPrefix: "tg", Partitions: partitions, BatchTimeout: kafka.Duration(time.Millisecond)})
	return &stack{t: t, b: st.Broker, kcfg: st.Kafka, topics: st.Topics, codec: st.Codec, producer: st.Producer}
}

// produce writes events to their lane topics as the router does: key the
// subject principal, CloudEvents headers, Avro RoutedEvent.
func (s *stack) produce(ctx context.Context, evs ...schemas.RoutedEvent) {
	s.t.Helper()
	msgs := make([]kafkago.Message, len(evs))
	for i := range evs {
		b, err := s.codec.Encode(&evs[i])
		if err != nil {
			s.t.Fatalf("encode: %v", err)
		}
		e := &evs[i].Event
		msgs[i] = kafkago.Message{Topic: s.topics.Lane(string(evs[i].Decision.Lane)), Key: []byte(e.Key()), Value: b,
			Headers: kafka.CloudEventHeaders(schemas.CloudEvent{ID: e.EventID, Source: "/tollgate/router", Type: schemas.TypeName(schemas.NameRoutedEvent),
				Time: e.OccurredAt, Subject: e.Key()})}
	}
	if err := s.producer.Produce(ctx, msgs...); err != nil {
		s.t.Fatalf("produce %d lane records: %v", len(msgs), err)
	}
}

func (s *stack) serviceConfig(group string) Config {
	return Config{Kafka: s.kcfg, Group: group, Topics: s.topics, BatchSize: 50, FlushInterval: 100 * time.Millisecond,
		SweepInterval: time.Hour, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, DrainTimeout: 5 * time.Second}
}

// newTestAuditor returns an auditor.Auditor over store (migrated) with the scenario
// configuration and a clock fixed at auditortest.T0.
func newTestAuditor(t testing.TB, store clickhouse.Store) *auditor.Auditor {
	t.Helper()
	if _, err := clickhouse.Migrate(context.Background(), store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	cfg := auditor.DefaultConfig()
	cfg.SoDPairs = [][2]string{{"ap-invoice-create", "ap-invoice-approve"}}
	cfg.BreakGlassAccounts = []string{"breakglass-01@corp.example"}
	cfg.PrivilegedEntitlements = []string{"prod-deployers"}
	a, err := auditor.New(store, cfg, auditor.Options{Clock: func() time.Time { return auditortest.T0 }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// runningService runs svc until the test ends and returns a function that
// stops it and returns Run's error.
func runningService(t *testing.T, svc *Service) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// eventually polls cond every 50 ms until it returns nil or ctx ends, then
// fails with cond's last error.
func eventually(ctx context.Context, t *testing.T, what string, cond func() error) {
	t.Helper()
	var last error
	for {
		if last = cond(); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func countOf(ctx context.Context, store clickhouse.Store, q string) (int64, error) {
	rows, err := store.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	return rows[0].Int("n"), nil
}

// expectEvents waits until events holds n distinct event ids.
func expectEvents(ctx context.Context, t *testing.T, store clickhouse.Store, n int) {
	t.Helper()
	eventually(ctx, t, "events in ClickHouse", func() error {
		got, err := countOf(ctx, store, "SELECT toInt64(uniqExact(event_id)) AS n FROM events")
		if err != nil {
			return err
		}
		if got != int64(n) {
			return fmt.Errorf("%d distinct event ids, want %d", got, n)
		}
		return nil
	})
}

// findingKey identifies a finding's state for comparison across runs.
func findingKey(f schemas.Finding) string {
	ids := slices.Clone(f.EventIDs)
	slices.Sort(ids)
	return fmt.Sprintf("%s %s %s %s %v", f.FindingID, f.Kind, f.Principal, f.Status, ids)
}

func openFindings(ctx context.Context, t *testing.T, a *auditor.Auditor) []string {
	t.Helper()
	fs, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen})
	if err != nil {
		t.Fatalf("findings: %v", err)
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = findingKey(f)
	}
	sort.Strings(out)
	return out
}

// referenceFindings writes evs in one batch through a plain auditor.Auditor and
// returns its open findings: what any number of replicas must agree on.
func referenceFindings(t *testing.T, evs []schemas.RoutedEvent) []string {
	t.Helper()
	a := newTestAuditor(t, clickhousetest.Embedded(t))
	if _, err := a.WriteBatch(context.Background(), evs); err != nil {
		t.Fatalf("reference batch: %v", err)
	}
	return openFindings(context.Background(), t, a)
}

func kindsOf(keys []string) []string {
	var out []string
	for _, k := range keys {
		f := strings.Fields(k)
		out = append(out, f[1]+" "+f[2])
	}
	sort.Strings(out)
	return out
}

// readFindingsTopic reads the findings topic until the latest state per
// finding id equals want (keys as findingKey); it also checks the headers.
func (s *stack) readFindingsTopic(ctx context.Context, t *testing.T, want map[string]string) int {
	t.Helper()
	r, err := kafka.NewReader(s.kcfg, "findings-check", []string{s.topics.Findings})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := map[string]string{}
	n := 0
	for fmt.Sprint(got) != fmt.Sprint(want) {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("findings topic: %v\n got  %v\n want %v", err, got, want)
		}
		n++
		var f schemas.Finding
		if err := s.codec.Decode(ctx, m.Value, &f); err != nil {
			t.Fatalf("decode finding: %v", err)
		}
		ce := kafka.ParseCloudEvent(m.Headers)
		if string(m.Key) != f.FindingID || ce.ID != FindingEventID(&f) || ce.Type != "tollgate.v1.Finding" || ce.Subject != f.Principal {
			t.Fatalf("finding record key %q headers %+v for %+v", m.Key, ce, f)
		}
		got[f.FindingID] = findingKey(f)
	}
	return n
}

func TestServiceEndToEnd(t *testing.T) {
	ctx := bounded(t)
	s := newStack(t, 3)
	evs := auditortest.Scenario()
	want := referenceFindings(t, evs)
	wantKinds := []string{
		auditor.KindHelpdeskPathAccess + " " + auditortest.Bob.ID, auditor.KindMFAResetThenPrivilege + " dave@corp.example", auditor.KindMissingLifecycle + " carol@corp.example",
		auditor.KindNHINoOwner + " svc-billing", auditor.KindOverBroadGrant + " " + auditortest.Alice.ID, auditor.KindSelfApproved + " carol@corp.example",
		auditor.KindUnticketedAccessChange + " " + auditortest.Alice.ID,
	}
	sort.Strings(wantKinds)
	if got := kindsOf(want); !slices.Equal(got, wantKinds) {
		t.Fatalf("reference scenario raises\n %q\nwant\n %q", got, wantKinds)
	}

	store := clickhousetest.Embedded(t)
	a := newTestAuditor(t, store)
	reg := prometheus.NewRegistry()
	svc := New(s.serviceConfig("auditor"), a, s.codec, s.producer, reg, nil)
	if err := svc.Ready(ctx); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Ready before Run = %v, want ErrNotRunning", err)
	}
	stop := runningService(t, svc)
	s.produce(ctx, evs...)
	expectEvents(ctx, t, store, len(evs))
	eventually(ctx, t, "findings of the scenario", func() error {
		if got := openFindings(ctx, t, a); !slices.Equal(got, want) {
			return fmt.Errorf("open findings\n got  %q\n want %q", got, want)
		}
		return nil
	})
	if err := svc.Ready(ctx); err != nil {
		t.Fatalf("Ready while running: %v", err)
	}
	// The topic carries the same latest state per finding as the table.
	all, err := a.Findings(ctx, auditor.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	for _, f := range all {
		latest[f.FindingID] = findingKey(f)
	}
	s.readFindingsTopic(ctx, t, latest)
	eventually(ctx, t, "every record committed", func() error {
		if got := counterValue(svc.m.records); got != float64(len(evs)) {
			return fmt.Errorf("%v records committed, want %d", got, len(evs))
		}
		return nil
	})

	// Delivering every event a second time changes no count and no finding.
	before := auditortest.Counts(t, store)
	published := counterValue(svc.m.findings)
	s.produce(ctx, evs...)
	eventually(ctx, t, "duplicates committed", func() error {
		if got := counterValue(svc.m.records); got != float64(2*len(evs)) {
			return fmt.Errorf("%v records committed, want %d", got, 2*len(evs))
		}
		return nil
	})
	if after := auditortest.Counts(t, store); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("duplicate delivery changed counts:\n before %v\n after  %v", before, after)
	}
	if got := counterValue(svc.m.findings); got != published {
		t.Fatalf("duplicate delivery published %v more findings", got-published)
	}
	if got := openFindings(ctx, t, a); !slices.Equal(got, want) {
		t.Fatalf("open findings after duplicates\n got  %q\n want %q", got, want)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run returned %v after cancel", err)
	}
	if err := svc.Ready(ctx); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Ready after stop = %v, want ErrNotRunning", err)
	}
}

func TestServiceDeadLettersBadRecords(t *testing.T) {
	ctx := bounded(t)
	s := newStack(t, 3)
	store := clickhousetest.Embedded(t)
	a := newTestAuditor(t, store)
	svc := New(s.serviceConfig("auditor"), a, s.codec, s.producer, nil, nil)
	runningService(t, svc)
	h := &auditortest.Events{}
	good := h.IAM(schemas.ActionSignIn, auditortest.T0, schemas.LaneObserve, auditortest.Alice, auditortest.Alice, nil)
	invalid := h.IAM(schemas.ActionSignIn, time.Time{}, schemas.LaneObserve, auditortest.Bob, auditortest.Bob, nil) // no occurred_at
	s.produce(ctx, good, invalid)
	garbage := kafkago.Message{Topic: s.topics.Lane("observe"), Key: []byte("x"), Value: []byte("not avro")}
	if err := s.producer.Produce(ctx, garbage); err != nil {
		t.Fatal(err)
	}
	expectEvents(ctx, t, store, 1)
	r, err := kafka.NewReader(s.kcfg, "dlq-check", []string{s.topics.DLQ})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	reasons := map[string]string{}
	for len(reasons) < 2 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("dlq: %v (have %v)", err, reasons)
		}
		hs := map[string]string{}
		for _, hd := range m.Headers {
			hs[hd.Key] = string(hd.Value)
		}
		if hs[kafka.DLQHeaderStage] != DLQStage || hs[kafka.DLQHeaderTopic] != s.topics.Lane("observe") {
			t.Fatalf("dead letter headers %v", hs)
		}
		reasons[string(m.Key)] = hs[kafka.DLQHeaderError]
	}
	if !strings.Contains(reasons["x"], "magic") || !strings.Contains(reasons[auditortest.Bob.ID], "occurred_at") {
		t.Fatalf("dead-letter reasons %q", reasons)
	}
	eventually(ctx, t, "dead-lettered records committed", func() error {
		if c := s.committed(ctx, t, "auditor"); c != 3 {
			return fmt.Errorf("%d committed, want 3", c)
		}
		return nil
	})
}

// committedOffsets returns the group's committed offset per lane topic and
// partition (absent when none).
func (s *stack) committedOffsets(ctx context.Context, t *testing.T, group string) map[string]map[int]int64 {
	t.Helper()
	cl := &kafkago.Client{Addr: kafkago.TCP(s.kcfg.Brokers...)}
	req := &kafkago.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{}}
	for _, lane := range s.topics.LaneTopics() {
		for p := range s.kcfg.Partitions {
			req.Topics[lane] = append(req.Topics[lane], p)
		}
	}
	resp, err := cl.OffsetFetch(ctx, req)
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	out := map[string]map[int]int64{}
	for topic, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("offset fetch %s/%d: %v", topic, p.Partition, p.Error)
			}
			if p.CommittedOffset >= 0 {
				if out[topic] == nil {
					out[topic] = map[int]int64{}
				}
				out[topic][p.Partition] = p.CommittedOffset
			}
		}
	}
	return out
}

func (s *stack) committed(ctx context.Context, t *testing.T, group string) int64 {
	var n int64
	for _, ps := range s.committedOffsets(ctx, t, group) {
		for _, o := range ps {
			n += o
		}
	}
	return n
}

// eventIDsBelow reads topic/partition from offset 0 up to end (exclusive)
// and returns the event ids of those records.
func (s *stack) eventIDsBelow(ctx context.Context, t *testing.T, topic string, partition int, end int64) []string {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: s.kcfg.Brokers, Topic: topic, Partition: partition, MaxWait: 250 * time.Millisecond})
	defer r.Close()
	var out []string
	for off := int64(0); off < end; off++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s/%d@%d: %v", topic, partition, off, err)
		}
		var ev schemas.RoutedEvent
		if err := s.codec.Decode(ctx, m.Value, &ev); err != nil {
			t.Fatalf("decode %s/%d@%d: %v", topic, partition, m.Offset, err)
		}
		out = append(out, ev.Event.EventID)
	}
	return out
}

// faultyStore fails every call while down, like a stopped ClickHouse.
type faultyStore struct {
	clickhouse.Store
	down     atomic.Bool
	failures atomic.Int64
}

var errClickHouseDown = errors.New("test: clickhouse is down (connection refused)")

func (f *faultyStore) fail() error {
	if f.down.Load() {
		f.failures.Add(1)
		return errClickHouseDown
	}
	return nil
}

func (f *faultyStore) Exec(ctx context.Context, q string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Exec(ctx, q)
}

func (f *faultyStore) Query(ctx context.Context, q string) ([]clickhouse.Row, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.Query(ctx, q)
}

func (f *faultyStore) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Insert(ctx, table, columns, rows)
}

func signIns(h *auditortest.Events, from, n int) []schemas.RoutedEvent {
	var out []schemas.RoutedEvent
	for i := from; i < from+n; i++ {
		p := auditortest.Human(fmt.Sprintf("u%03d@corp.example", i))
		lane := schemas.LaneObserve
		if i%3 == 0 {
			lane = schemas.LaneHelpDesk
		}
		out = append(out, h.IAM(schemas.ActionSignIn, auditortest.T0, lane, p, p, nil))
	}
	return out
}

func TestServiceSurvivesClickHouseOutage(t *testing.T) {
	base := clickhousetest.Embedded(t)
	store := &faultyStore{Store: base}
	outageScenario(t, store, base, func() { store.down.Store(true) }, func() { store.down.Store(false) },
		func() error {
			if n := store.failures.Load(); n < 5 {
				return fmt.Errorf("%d failed calls so far", n)
			}
			return nil
		})
}

// TestServiceSurvivesClickHouseServerRestart stops and restarts the
// ClickHouse HTTP interface that clickhouse-go talks to. The interface is
// served from the embedded engine (chhttp), so what is stopped is the
// listener and its connections, not the engine; a real server's restart
// also loses in-flight queries, which this cannot reproduce.
func TestServiceSurvivesClickHouseServerRestart(t *testing.T) {
	db := chdbtest.OpenForTest(t)
	handler, err := chhttp.Start(chhttp.Options{User: clickhousetest.User, Password: clickhousetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = handler.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var mu sync.Mutex
	var hs *http.Server
	serve := func(ln net.Listener) {
		mu.Lock()
		defer mu.Unlock()
		hs = &http.Server{Handler: handler}
		go func(hs *http.Server) { _ = hs.Serve(ln) }(hs)
	}
	serve(ln)
	t.Cleanup(func() { mu.Lock(); _ = hs.Close(); mu.Unlock() })
	cfg := clickhousetest.ServerConfig(addr, db.Database())
	cfg.DialTimeout = time.Second
	store, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	stopped := false
	outageScenario(t, store, embedded.New(db),
		func() {
			mu.Lock()
			defer mu.Unlock()
			if err := hs.Close(); err != nil {
				t.Fatal(err)
			}
			stopped = true
		},
		func() {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatalf("listen again on %s: %v", addr, err)
			}
			serve(ln)
		},
		func() error {
			if !stopped {
				return errors.New("not stopped")
			}
			return nil
		})
}

// outageScenario runs the service over store, writes a first wave, calls
// down, produces a second wave, waits until noticed() and Ready report the
// outage, checks that every committed record is in events (read through
// check, which stays reachable), calls up and waits until every event is in
// events exactly once and every offset is committed.
func outageScenario(t *testing.T, store, check clickhouse.Store, down, up func(), noticed func() error) {
	ctx := bounded(t)
	s := newStack(t, 3)
	a := newTestAuditor(t, store)
	svc := New(s.serviceConfig("auditor"), a, s.codec, s.producer, nil, nil)
	runningService(t, svc)
	h := &auditortest.Events{}
	first := signIns(h, 0, 40)
	s.produce(ctx, first...)
	expectEvents(ctx, t, check, len(first))

	down()
	second := signIns(h, 40, 60)
	s.produce(ctx, second...)
	eventually(ctx, t, "outage noticed", func() error {
		if err := noticed(); err != nil {
			return err
		}
		if err := svc.Ready(ctx); err == nil {
			return errors.New("Ready is nil while ClickHouse is down")
		}
		if n := counterValue(svc.m.retries.WithLabelValues("writing batch")); n < 3 {
			return fmt.Errorf("%v batch retries so far", n)
		}
		return nil
	})
	stored := map[string]bool{}
	rows, err := check.Query(ctx, "SELECT DISTINCT event_id FROM events")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		stored[r.String("event_id")] = true
	}
	var committed int64
	for topic, ps := range s.committedOffsets(ctx, t, "auditor") {
		for p, end := range ps {
			committed += end
			for _, id := range s.eventIDsBelow(ctx, t, topic, p, end) {
				if !stored[id] {
					t.Fatalf("offset of %s/%d committed to %d but %s is not in events", topic, p, end, id)
				}
			}
		}
	}
	if committed > int64(len(first)) {
		t.Fatalf("committed %d records while only %d were written", committed, len(first))
	}
	t.Logf("during the outage: %d records committed, Ready: %v", committed, svc.Ready(ctx))

	up()
	total := len(first) + len(second)
	expectEvents(ctx, t, check, total)
	eventually(ctx, t, "offsets committed after recovery", func() error {
		if c := s.committed(ctx, t, "auditor"); c != int64(total) {
			return fmt.Errorf("%d committed, want %d", c, total)
		}
		return svc.Ready(ctx)
	})
	dups, err := countOf(ctx, check, "SELECT toInt64(count()) AS n FROM (SELECT event_id FROM events FINAL GROUP BY event_id HAVING count() > 1)")
	if err != nil {
		t.Fatal(err)
	}
	n, err := countOf(ctx, check, "SELECT toInt64(count()) AS n FROM events FINAL")
	if err != nil {
		t.Fatal(err)
	}
	if dups != 0 || n != int64(total) {
		t.Fatalf("events FINAL holds %d rows, %d event ids more than once; want %d rows each once", n, dups, total)
	}
}

// describeAssignments returns member id → topic → partitions of group.
func (s *stack) describeAssignments(ctx context.Context, t *testing.T, group string) map[string]map[string][]int {
	t.Helper()
	cl := &kafkago.Client{Addr: kafkago.TCP(s.kcfg.Brokers...)}
	resp, err := cl.DescribeGroups(ctx, &kafkago.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		t.Fatalf("describe group: %v", err)
	}
	out := map[string]map[string][]int{}
	for _, g := range resp.Groups {
		if g.GroupState != "Stable" {
			continue
		}
		for _, m := range g.Members {
			out[m.MemberID] = map[string][]int{}
			for _, a := range m.MemberAssignments.Topics {
				out[m.MemberID][a.Topic] = a.Partitions
			}
		}
	}
	return out
}

func TestTwoReplicasAgreeWithOne(t *testing.T) {
	ctx := bounded(t)
	evs := auditortest.Scenario()
	want := referenceFindings(t, evs)

	// One replica.
	single := newStack(t, 3)
	oneStore := clickhousetest.Embedded(t)
	one := newTestAuditor(t, oneStore)
	runningService(t, New(single.serviceConfig("auditor"), one, single.codec, single.producer, nil, nil))
	single.produce(ctx, evs...)
	expectEvents(ctx, t, oneStore, len(evs))

	// Two replicas in one group over another broker and database; the
	// scenario is produced only once both hold partitions.
	pair := newStack(t, 3)
	twoStore := clickhousetest.Embedded(t)
	var svcs []*Service
	for range 2 {
		svc := New(pair.serviceConfig("auditor"), newTestAuditor(t, twoStore), pair.codec, pair.producer, prometheus.NewRegistry(), nil)
		svcs = append(svcs, svc)
		runningService(t, svc)
	}
	eventually(ctx, t, "both replicas assigned", func() error {
		as := pair.describeAssignments(ctx, t, "auditor")
		if len(as) != 2 {
			return fmt.Errorf("assignments %v", as)
		}
		for m, byTopic := range as {
			if len(byTopic) != len(kafka.Lanes) {
				return fmt.Errorf("member %s reads %v", m, byTopic)
			}
			var first []int
			for _, ps := range byTopic {
				if first == nil {
					first = ps
				}
				if len(ps) == 0 || !slices.Equal(ps, first) {
					return fmt.Errorf("member %s not co-partitioned: %v", m, byTopic)
				}
			}
		}
		return nil
	})
	pair.produce(ctx, evs...)
	expectEvents(ctx, t, twoStore, len(evs))
	eventually(ctx, t, "both replicas committed the scenario", func() error {
		var total float64
		for i, svc := range svcs {
			n := counterValue(svc.m.records)
			if n == 0 {
				return fmt.Errorf("replica %d processed nothing", i)
			}
			total += n
		}
		if total != float64(len(evs)) {
			return fmt.Errorf("%v records committed, want %d", total, len(evs))
		}
		return nil
	})
	gotOne := openFindings(ctx, t, one)
	gotTwo := openFindings(ctx, t, newTestAuditor(t, twoStore))
	if !slices.Equal(gotOne, want) || !slices.Equal(gotTwo, want) {
		t.Fatalf("open findings differ\n one replica  %q\n two replicas %q\n reference    %q", gotOne, gotTwo, want)
	}
}

func TestServiceRefusesUnequalPartitions(t *testing.T) {
	ctx := bounded(t)
	s := newStack(t, 3)
	extra := kafka.TopicSpec{Name: "other.lane.nhi", Partitions: 4}
	topics := kafka.TopicNames("other")
	specs := []kafka.TopicSpec{extra}
	for _, l := range topics.LaneTopics() {
		if l != extra.Name {
			specs = append(specs, kafka.TopicSpec{Name: l, Partitions: 3})
		}
	}
	if err := kafka.CreateTopics(ctx, s.kcfg, specs...); err != nil {
		t.Fatal(err)
	}
	cfg := s.serviceConfig("auditor")
	cfg.Topics = topics
	svc := New(cfg, newTestAuditor(t, clickhousetest.Embedded(t)), s.codec, s.producer, nil, nil)
	err := svc.Run(ctx)
	if !errors.Is(err, ErrNotCoPartitioned) || !strings.Contains(err.Error(), "other.lane.nhi has 4 partitions") {
		t.Fatalf("Run over unequal lane topics = %v", err)
	}
}

// TestServiceRepublishesAfterCrash: a replica wrote a batch to ClickHouse and died before
// publishing its findings. The redelivered batch changes nothing, so only the republish at
// start gets those findings onto tollgate.findings.
func TestServiceRepublishesAfterCrash(t *testing.T) {
	ctx := bounded(t)
	s := newStack(t, 3)
	store := clickhousetest.Embedded(t)
	a := newTestAuditor(t, store)
	written, err := a.WriteBatch(ctx, auditortest.Scenario())
	if err != nil {
		t.Fatal(err)
	}
	if len(written) == 0 {
		t.Fatal("scenario raised no findings")
	}
	latest := map[string]string{}
	for _, f := range written {
		latest[f.FindingID] = findingKey(f)
	}
	svc := New(s.serviceConfig("auditor"), a, s.codec, s.producer, prometheus.NewRegistry(), nil)
	runningService(t, svc)
	s.readFindingsTopic(ctx, t, latest)
}
