package router

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/stacktest"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// stack is the in-process Kafka broker and schema registry, with the topics
// created and the IdentityEvent schema registered, as `tollgate up` leaves
// them.
type stack struct {
	cfg      kafka.Config
	topics   kafka.Topics
	codec    *codec.Codec
	producer *kafka.Producer
}

func startStack(t testing.TB) *stack {
	t.Helper()
	st := stacktest.Start(t, nil, kafka.Config{TopicPrefix: "tollgate"})
	return &stack{cfg: st.Kafka, topics: st.Topics, codec: st.Codec, producer: st.Producer}
}

// bounded is the context an integration step runs under: a bound on a hung
// test, not a timing assertion.
func bounded(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// service builds a router service on the stack with the default policy.
func (s *stack) service(t testing.TB, group string, batch int) (*Service, *Metrics) {
	t.Helper()
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(nil)
	cfg := ServiceConfig{Kafka: s.cfg, Group: group, Topics: s.topics, BatchSize: batch}
	return NewService(cfg, s.codec, NewPolicyHolder(p, nil, m), s.producer, m, nil), m
}

// run starts svc in the background; the returned function cancels it and
// returns Run's error.
func run(svc *Service) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// push produces events to tollgate.events the way ingest does: Avro in the
// Confluent wire format, keyed by the subject.
func (s *stack) push(t testing.TB, evs []schemas.IdentityEvent) {
	t.Helper()
	msgs := make([]kafkago.Message, len(evs))
	for i := range evs {
		v, err := s.codec.Encode(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = kafkago.Message{Topic: s.topics.Events, Key: []byte(evs[i].Key()), Value: v}
	}
	for i := 0; i < len(msgs); i += 1000 {
		if err := s.producer.Produce(bounded(t), msgs[i:min(i+1000, len(msgs))]...); err != nil {
			t.Fatal(err)
		}
	}
}

// readTopics reads the given topics with a plain kafka-go group reader of
// its own until want records arrived.
func (s *stack) readTopics(t testing.TB, want int, topics ...string) []kafkago.Message {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers: s.cfg.Brokers, GroupID: fmt.Sprintf("reader-%d", time.Now().UnixNano()), GroupTopics: topics,
		StartOffset: kafkago.FirstOffset, MaxWait: 250 * time.Millisecond,
	})
	defer r.Close()
	ctx := bounded(t)
	var out []kafkago.Message
	for len(out) < want {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %v after %d of %d records: %v", topics, len(out), want, err)
		}
		out = append(out, m)
	}
	return out
}

// records counts the records in topic (the sum of its partitions' end offsets).
func (s *stack) records(t testing.TB, topic string) int64 {
	t.Helper()
	cl := &kafkago.Client{Addr: kafkago.TCP(s.cfg.Brokers...)}
	req := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	for p := 0; p < s.cfg.Partitions; p++ {
		req.Topics[topic] = append(req.Topics[topic], kafkago.LastOffsetOf(p))
	}
	resp, err := cl.ListOffsets(bounded(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			t.Fatal(po.Error)
		}
		n += po.LastOffset
	}
	return n
}

func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// signIn is a canonical sign-in of principal, numbered seq: the default
// policy sends it to OBSERVE.
func signIn(principal string, seq int) schemas.IdentityEvent {
	p := &schemas.Principal{ID: principal, SourceID: principal, Type: schemas.PrincipalHuman}
	t := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Second)
	return schemas.IdentityEvent{
		EventID: fmt.Sprintf("okta:%s:%d", principal, seq), Source: schemas.SourceOkta, SourceEventType: "user.session.start",
		Category: schemas.CategoryIAM, Action: schemas.ActionSignIn, OccurredAt: t, IngestedAt: t, Outcome: schemas.OutcomeSuccess,
		Actor: p, Subject: p, TicketRefs: []string{}, Attributes: map[string]string{"seq": strconv.Itoa(seq)},
	}
}

func fixtureEvents(t testing.TB) []schemas.IdentityEvent {
	t.Helper()
	var out []schemas.IdentityEvent
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range readLabelled(t) {
		evs, err := ingest.ParseFixture(f.Source, f.Event, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			// Fixtures reuse vendor ids (several CloudTrail samples are event "1").
			ev.EventID = f.ID + "/" + ev.EventID
			out = append(out, ev)
		}
	}
	return out
}

func decodeRouted(t testing.TB, codec *codec.Codec, m kafkago.Message) schemas.RoutedEvent {
	t.Helper()
	var rv schemas.RoutedEvent
	if err := codec.Decode(context.Background(), m.Value, &rv); err != nil {
		t.Fatalf("%s/%d@%d: %v", m.Topic, m.Partition, m.Offset, err)
	}
	return rv
}

// TestServiceRoutesEveryEventToItsLane pushes the labelled fixtures and one
// principal's sequence of sign-ins through the router and reads every lane
// with a plain kafka-go reader: each event arrives once, in the lane the
// policy decides, with the input's key and the CloudEvents headers, and the
// principal's events keep their order.
func TestServiceRoutesEveryEventToItsLane(t *testing.T) {
	s := startStack(t)
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	evs := fixtureEvents(t)
	for i := range 50 {
		evs = append(evs, signIn("alice@example.com", i))
	}
	want := map[string]schemas.Decision{}
	byID := map[string]schemas.IdentityEvent{}
	for i := range evs {
		d, err := p.Decide(&evs[i], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want[evs[i].EventID] = d
		byID[evs[i].EventID] = evs[i]
	}
	if len(want) != len(evs) {
		t.Fatalf("%d events but %d distinct ids", len(evs), len(want))
	}
	s.push(t, evs)

	svc, m := s.service(t, "router", 0)
	if err := svc.Ready(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Ready before Run = %v, want ErrNotRunning", err)
	}
	stop := run(svc)
	got := s.readTopics(t, len(evs), s.topics.LaneTopics()...)
	if err := svc.Ready(context.Background()); err != nil {
		t.Errorf("Ready while routing = %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := svc.Ready(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Ready after Run = %v, want ErrNotRunning", err)
	}

	lanes := map[schemas.Lane]int{}
	var aliceSeq []string
	for _, msg := range got {
		rv := decodeRouted(t, s.codec, msg)
		id := rv.Event.EventID
		d, ok := want[id]
		if !ok {
			t.Errorf("unexpected or duplicate event %s in %s", id, msg.Topic)
			continue
		}
		delete(want, id)
		lanes[rv.Decision.Lane]++
		if msg.Topic != s.topics.Lane(string(d.Lane)) || rv.Decision.Lane != d.Lane || rv.Decision.Impact != d.Impact || rv.Decision.RuleID != d.RuleID {
			t.Errorf("%s: in %s as %s/%s by %s; policy says %s/%s by %s", id, msg.Topic,
				rv.Decision.Lane, rv.Decision.Impact, rv.Decision.RuleID, d.Lane, d.Impact, d.RuleID)
		}
		if rv.Decision.PolicyVersion != p.Version() {
			t.Errorf("%s: policy version %q, want %q", id, rv.Decision.PolicyVersion, p.Version())
		}
		in := byID[id]
		if string(msg.Key) != in.Key() {
			t.Errorf("%s: key %q, want the input's %q", id, msg.Key, in.Key())
		}
		subject := ""
		if in.Subject != nil {
			subject = in.Subject.ID
		}
		ceTime, err := time.Parse(time.RFC3339Nano, header(msg, schemas.HeaderTime))
		if header(msg, schemas.HeaderID) != id || header(msg, schemas.HeaderSource) != "/tollgate/router" ||
			header(msg, schemas.HeaderType) != "tollgate.v1.RoutedEvent" || header(msg, schemas.HeaderSubject) != subject ||
			header(msg, schemas.HeaderSpecVersion) != "1.0" || err != nil ||
			!ceTime.Truncate(time.Millisecond).Equal(rv.Decision.DecidedAt.Truncate(time.Millisecond)) {
			t.Errorf("%s: headers %v (decided_at %s)", id, msg.Headers, rv.Decision.DecidedAt)
		}
		if in.Subject != nil && in.Subject.ID == "alice@example.com" && in.Action == schemas.ActionSignIn {
			aliceSeq = append(aliceSeq, in.Attributes["seq"])
		}
	}
	for id := range want {
		t.Errorf("event %s never reached a lane", id)
	}
	wantSeq := make([]string, 50)
	for i := range wantSeq {
		wantSeq[i] = strconv.Itoa(i)
	}
	if !slices.Equal(aliceSeq, wantSeq) {
		t.Errorf("alice's events arrived as %v, want in order", aliceSeq)
	}
	// Exactly once in a run without failures: the lane topics hold nothing else.
	var total int64
	for _, lt := range s.topics.LaneTopics() {
		total += s.records(t, lt)
	}
	if total != int64(len(evs)) || s.records(t, s.topics.DLQ) != 0 {
		t.Errorf("lanes hold %d records for %d events; DLQ %d", total, len(evs), s.records(t, s.topics.DLQ))
	}
	for lane, n := range lanes {
		if n == 0 {
			continue
		}
		t.Logf("%-12s %d", lane, n)
	}
	var decided float64
	for lane := range lanes {
		decided += counterValue(t, m.Events.WithLabelValues(string(lane), "sign-in-or-read"))
	}
	if decided < 50 {
		t.Errorf("events counted under sign-in-or-read: %v, want at least alice's 50", decided)
	}
	if len(lanes) < 5 {
		t.Errorf("only %d lanes used by the fixtures: %v", len(lanes), lanes)
	}
}

// TestServiceDeadLettersWithoutBlocking sends garbage and a record with a
// schema id the registry does not know between good events of the same key:
// both go to the DLQ with their original bytes and headers naming the stage,
// error and origin, and the later good event still reaches its lane.
func TestServiceDeadLettersWithoutBlocking(t *testing.T) {
	s := startStack(t)
	good1, good2 := signIn("bob@example.com", 1), signIn("bob@example.com", 2)
	v1, err := s.codec.Encode(&good1)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.codec.Encode(&good2)
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte("not avro at all")
	unknownID := append([]byte{0, 0, 0, 0x7a, 0x69}, v1[5:]...)
	key := []byte("bob@example.com")
	ctx := bounded(t)
	if err := s.producer.Produce(ctx,
		kafkago.Message{Topic: s.topics.Events, Key: key, Value: v1},
		kafkago.Message{Topic: s.topics.Events, Key: key, Value: garbage, Headers: []kafkago.Header{{Key: "origin", Value: []byte("test")}}},
		kafkago.Message{Topic: s.topics.Events, Key: key, Value: unknownID},
		kafkago.Message{Topic: s.topics.Events, Key: key, Value: v2},
	); err != nil {
		t.Fatal(err)
	}
	svc, m := s.service(t, "router", 0)
	stop := run(svc)
	lane := s.readTopics(t, 2, s.topics.Lane("OBSERVE"))
	dlq := s.readTopics(t, 2, s.topics.DLQ)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if id0, id1 := decodeRouted(t, s.codec, lane[0]).Event.EventID, decodeRouted(t, s.codec, lane[1]).Event.EventID; id0 != good1.EventID || id1 != good2.EventID {
		t.Errorf("lane got %s, %s; want %s, %s", id0, id1, good1.EventID, good2.EventID)
	}
	wantValues := [][]byte{garbage, unknownID}
	wantErr := []error{codec.ErrBadMagic, codec.ErrUnknownSchemaID}
	for i, d := range dlq {
		if string(d.Value) != string(wantValues[i]) || string(d.Key) != string(key) {
			t.Errorf("dlq %d: value %q key %q", i, d.Value, d.Key)
		}
		if header(d, kafka.DLQHeaderStage) != "router" || header(d, kafka.DLQHeaderTopic) != s.topics.Events ||
			header(d, kafka.DLQHeaderPartition) != strconv.Itoa(lane[0].Partition) || header(d, kafka.DLQHeaderOffset) == "" ||
			header(d, kafka.DLQHeaderTime) == "" {
			t.Errorf("dlq %d headers %v", i, d.Headers)
		}
		if e := header(d, kafka.DLQHeaderError); e == "" || !containsFold(e, wantErr[i].Error()) {
			t.Errorf("dlq %d error header %q, want it to mention %q", i, e, wantErr[i])
		}
	}
	if header(dlq[0], "origin") != "test" {
		t.Errorf("the original headers were not kept: %v", dlq[0].Headers)
	}
	if off0, off1 := header(dlq[0], kafka.DLQHeaderOffset), header(dlq[1], kafka.DLQHeaderOffset); off0 == off1 {
		t.Errorf("both dead letters name offset %s", off0)
	}
	if n := counterValue(t, m.DeadLettered.WithLabelValues("decode")); n != 2 {
		t.Errorf("dead-lettered (decode) = %v, want 2", n)
	}
}

func containsFold(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (indexFold(s, sub) >= 0)
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// errCrash is what the crash hook returns: the router dies after producing a
// batch and before committing it, the worst moment.
var errCrash = errors.New("simulated crash")

// TestServiceCrashLosesNothing crashes the router after it produced a batch
// but before it committed it, then restarts it in the same group: every
// input event reaches a lane at least once (the uncommitted batch twice),
// and one principal's events, first occurrences taken, keep their order.
func TestServiceCrashLosesNothing(t *testing.T) {
	s := startStack(t)
	var evs []schemas.IdentityEvent
	for i := range 120 {
		evs = append(evs, signIn("carol@example.com", i))
		evs = append(evs, signIn(fmt.Sprintf("user%d@example.com", i%17), i))
	}
	s.push(t, evs)

	svc, _ := s.service(t, "router", 20)
	var batches int
	var mu sync.Mutex
	svc.beforeCommit = func() error {
		mu.Lock()
		defer mu.Unlock()
		batches++
		if batches == 4 {
			return errCrash
		}
		return nil
	}
	if err := svc.Run(bounded(t)); !errors.Is(err, errCrash) {
		t.Fatalf("Run = %v, want the simulated crash", err)
	}
	if err := svc.Ready(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Ready after the crash = %v", err)
	}

	restarted, _ := s.service(t, "router", 20)
	stop := run(restarted)
	// Wait until every event id was seen; duplicates make the count larger.
	seen := map[string]int{}
	var carol []string
	all := s.readUntilDistinct(t, len(evs), s.topics.LaneTopics()...)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, msg := range all {
		rv := decodeRouted(t, s.codec, msg)
		seen[rv.Event.EventID]++
		if rv.Event.Subject.ID == "carol@example.com" && seen[rv.Event.EventID] == 1 {
			carol = append(carol, rv.Event.Attributes["seq"])
		}
	}
	dups := 0
	for i := range evs {
		n := seen[evs[i].EventID]
		if n == 0 {
			t.Errorf("event %s lost", evs[i].EventID)
		}
		dups += max(n-1, 0)
	}
	if dups == 0 {
		t.Error("no duplicates: the crashed batch was committed, so the crash did not happen where it should")
	}
	t.Logf("%d events, %d records in lanes (%d redelivered after the crash)", len(evs), len(all), dups)
	for i, seq := range carol {
		if seq != strconv.Itoa(i) {
			t.Fatalf("carol's events out of order: %v", carol)
		}
	}
}

// readUntilDistinct reads topics until it has seen that many distinct event
// ids (ce_id headers).
func (s *stack) readUntilDistinct(t testing.TB, distinct int, topics ...string) []kafkago.Message {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers: s.cfg.Brokers, GroupID: fmt.Sprintf("reader-%d", time.Now().UnixNano()), GroupTopics: topics,
		StartOffset: kafkago.FirstOffset, MaxWait: 250 * time.Millisecond,
	})
	defer r.Close()
	ctx := bounded(t)
	ids := map[string]bool{}
	var out []kafkago.Message
	for len(ids) < distinct {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read after %d distinct of %d: %v", len(ids), distinct, err)
		}
		out = append(out, m)
		ids[header(m, schemas.HeaderID)] = true
	}
	return out
}
