package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/stacktest"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/broker"
	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// pipeline is ingest wired to the in-process broker and registry, as `tollgate ingest` does.
type pipeline struct {
	cfg    tkafka.Config
	topics tkafka.Topics
	codec  *codec.Codec
	prod   *tkafka.Producer
	srv    *httptest.Server
}

func newPipeline(t *testing.T, b *broker.Broker) *pipeline {
	t.Helper()
	st := stacktest.Start(t, b, tkafka.Config{MaxWait: tkafka.Duration(100 * time.Millisecond)})
	cfg, topics, codec, prod := st.Kafka, st.Topics, st.Codec, st.Producer
	h := ingest.NewHandler(ingest.Config{}, ingest.NewKafkaProducer(codec, prod, topics.Events).WithDeadLetterTopic(topics.DLQ), nil, nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &pipeline{cfg: cfg, topics: topics, codec: codec, prod: prod, srv: srv}
}

func oktaHook(uuids ...string) []byte {
	var events []string
	for i, u := range uuids {
		events = append(events, fmt.Sprintf(`{"uuid":%q,"published":"2025-05-14T09:12:%02d.318Z","eventType":"group.user_membership.add","displayMessage":"Add user to group membership",
 "actor":{"id":"00uAdm1n000000000001","type":"User","alternateId":"ops.admin@example.org","displayName":"Ops Admin"},
 "outcome":{"result":"SUCCESS"},
 "target":[{"id":"00uTgt%04d","type":"User","alternateId":"user%d@example.org","displayName":"User %d"},
           {"id":"00gFin00000000000003","type":"UserGroup","alternateId":"unknown","displayName":"finance-approvers"}],
 "debugContext":{"debugData":{"requestId":"r%d"}}}`, u, i%60, i, i%3, i, i))
	}
	return []byte(`{"eventType":"com.okta.event_hook","data":{"events":[` + strings.Join(events, ",") + `]}}`)
}

func post(t *testing.T, url string, body []byte) *http.Response {
	t.Helper()
	resp, err := http.Post(url+"/v1/ingest/okta", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// readAll reads every record of the events topic with a plain kafka-go reader (no group).
func readAll(t *testing.T, p *pipeline, want int) []schemas.IdentityEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []schemas.IdentityEvent
	for part := 0; part < p.cfg.Partitions; part++ {
		conn, err := kafkago.DialLeader(ctx, "tcp", p.cfg.Brokers[0], p.topics.Events, part)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			continue
		}
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: p.cfg.Brokers, Topic: p.topics.Events, Partition: part, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("partition %d: %v", part, err)
			}
			var ev schemas.IdentityEvent
			if err := p.codec.Decode(ctx, m.Value, &ev); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if string(m.Key) != ev.Key() {
				t.Errorf("record key %q, want subject id %q", m.Key, ev.Key())
			}
			ce := tkafka.ParseCloudEvent(m.Headers)
			if ce.ID != ev.EventID || ce.Type != "tollgate.v1.IdentityEvent" || ce.Subject != ev.Subject.ID {
				t.Errorf("CloudEvents headers %+v do not match event %s", ce, ev.EventID)
			}
			out = append(out, ev)
			if m.Offset+1 >= last {
				break
			}
		}
		r.Close()
	}
	if len(out) != want {
		t.Fatalf("topic holds %d events, want %d", len(out), want)
	}
	return out
}

func TestHTTPBatchReachesKafka(t *testing.T) {
	p := newPipeline(t, broker.StartForTest(t))
	resp := post(t, p.srv.URL, oktaHook("a1", "a2", "a3", "a4", "a5"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	events := readAll(t, p, 5)
	ids := map[string]bool{}
	for _, ev := range events {
		ids[ev.EventID] = true
		if ev.Action != schemas.ActionAccessGrant || ev.Entitlement == nil || ev.Entitlement.Name != "finance-approvers" {
			t.Errorf("event %s: action %s entitlement %+v", ev.EventID, ev.Action, ev.Entitlement)
		}
	}
	for _, id := range []string{"okta:a1", "okta:a5"} {
		if !ids[id] {
			t.Errorf("missing %s in %v", id, ids)
		}
	}
}

// TestBrokerDownThenRetry: with the broker stopped, requests get 503 with Retry-After and
// nothing is acknowledged; after restart the sender's retries succeed, and the topic holds
// every event, duplicates only under the same event_id.
func TestBrokerDownThenRetry(t *testing.T) {
	dir := t.TempDir()
	b := broker.StartForTestWith(t, broker.Options{DataDir: dir})
	addr := b.Addr()
	p := newPipeline(t, b)
	if resp := post(t, p.srv.URL, oktaHook("b1", "b2")); resp.StatusCode != http.StatusOK {
		t.Fatalf("before outage: status %d", resp.StatusCode)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	down := oktaHook("b3", "b4", "b5")
	resp := post(t, p.srv.URL, down)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("broker down: status %d, want 503", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	broker.StartForTestWith(t, broker.Options{Addr: addr, DataDir: dir})
	// The sender retries until accepted, as Okta and at-least-once shippers do.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp := post(t, p.srv.URL, down)
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retries after restart still get %d", resp.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
	events := readAll(t, p, countRecords(t, p))
	byID := map[string]int{}
	for _, ev := range events {
		byID[ev.EventID]++
	}
	for _, id := range []string{"okta:b1", "okta:b2", "okta:b3", "okta:b4", "okta:b5"} {
		if byID[id] == 0 {
			t.Errorf("%s lost", id)
		}
	}
	if len(byID) != 5 {
		t.Errorf("distinct event ids %v, want exactly the 5 sent", byID)
	}
}

// countRecords returns how many records the events topic holds.
func countRecords(t *testing.T, p *pipeline) int {
	t.Helper()
	n := 0
	for part := 0; part < p.cfg.Partitions; part++ {
		conn, err := kafkago.DialLeader(context.Background(), "tcp", p.cfg.Brokers[0], p.topics.Events, part)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		n += int(last)
	}
	return n
}

func TestRawTopicConsumer(t *testing.T) {
	p := newPipeline(t, broker.StartForTest(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rc, err := ingest.NewRawConsumer(p.cfg, "raw-test", p.topics, ingest.NewKafkaProducer(p.codec, p.prod, p.topics.Events), p.prod, ingest.ParserOptions{}, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rc.Run(ctx) }()
	raw := []kafkago.Message{
		{Topic: p.topics.Raw("okta"), Key: []byte("k"), Value: oktaHook("r1", "r2")},
		{Topic: p.topics.Raw("okta"), Key: []byte("k"), Value: []byte(`{"data": not json`)},
		{Topic: p.topics.Raw("okta"), Key: []byte("k"), Value: oktaHook("r3")},
	}
	if err := p.prod.Produce(ctx, raw...); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for countRecords(t, p) < 3 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	events := readAll(t, p, 3)
	for _, ev := range events {
		if !strings.HasPrefix(ev.EventID, "okta:r") {
			t.Errorf("unexpected event %s", ev.EventID)
		}
	}
	// The unparseable record is in the DLQ with its reason and origin.
	var dead *kafkago.Message
	for part := 0; part < p.cfg.Partitions && dead == nil; part++ {
		rr := kafkago.NewReader(kafkago.ReaderConfig{Brokers: p.cfg.Brokers, Topic: p.topics.DLQ, Partition: part, MaxWait: 100 * time.Millisecond})
		rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
		m, err := rr.ReadMessage(rctx)
		rcancel()
		rr.Close()
		if err == nil {
			dead = &m
		}
	}
	if dead == nil {
		t.Fatal("unparseable raw record not dead-lettered")
	}
	h := map[string]string{}
	for _, x := range dead.Headers {
		h[x.Key] = string(x.Value)
	}
	if h[tkafka.DLQHeaderStage] != "ingest" || h[tkafka.DLQHeaderTopic] != p.topics.Raw("okta") || !strings.Contains(h[tkafka.DLQHeaderError], "okta") {
		t.Errorf("dead-letter headers %v", h)
	}
	if !bytes.Equal(dead.Value, raw[1].Value) {
		t.Errorf("dead-letter value %q, want the original bytes", dead.Value)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// readDLQ reads want records of the DLQ topic.
func readDLQ(t *testing.T, p *pipeline, want int) []kafkago.Message {
	t.Helper()
	var out []kafkago.Message
	for part := 0; part < p.cfg.Partitions; part++ {
		rr := kafkago.NewReader(kafkago.ReaderConfig{Brokers: p.cfg.Brokers, Topic: p.topics.DLQ, Partition: part, MaxWait: 100 * time.Millisecond})
		for {
			rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
			m, err := rr.ReadMessage(rctx)
			rcancel()
			if err != nil {
				break
			}
			out = append(out, m)
		}
		rr.Close()
	}
	if len(out) != want {
		t.Fatalf("DLQ holds %d records, want %d", len(out), want)
	}
	return out
}

// TestBatchWithOneBadEventStoresTheRest: against the in-process broker, the good events of
// a delivery are stored and the bad one is in the DLQ with its bytes intact, its index and
// the reason; an event over the message limit is stored with raw truncated.
func TestBatchWithOneBadEventStoresTheRest(t *testing.T) {
	p := newPipeline(t, broker.StartForTest(t))
	bad := `{"uuid":"bad-1","eventType":"","published":"2025-05-14T09:12:44Z"}`
	hook := oktaHook("ok1", "ok2")
	body := bytes.Replace(hook, []byte(`{"uuid":"ok2"`), []byte(bad+`,{"uuid":"ok2"`), 1)
	huge := `{"uuid":"huge","eventType":"user.session.start","published":"2025-05-14T09:12:44Z","actor":{"id":"00u9","type":"User","alternateId":"h@example.org"},"debugContext":{"debugData":{"blob":"` + strings.Repeat("y", 1500<<10) + `"}}}`
	body = bytes.Replace(body, []byte(`]}}`), []byte(","+huge+`]}}`), 1)
	resp, err := http.Post(p.srv.URL+"/v1/ingest/okta", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		Accepted        int   `json:"accepted"`
		Rejected        int   `json:"rejected"`
		RejectedIndexes []int `json:"rejected_indexes"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if resp.StatusCode != 200 || ans.Accepted != 3 || ans.Rejected != 1 || len(ans.RejectedIndexes) != 1 || ans.RejectedIndexes[0] != 1 {
		t.Fatalf("status %d answer %+v", resp.StatusCode, ans)
	}
	events := readAll(t, p, 3)
	for _, ev := range events {
		if ev.EventID == "okta:huge" {
			if ev.Attributes[ingest.AttrRawTruncated] == "" || len(ev.Raw) > tkafka.MaxMessageBytes || !json.Valid(ev.Raw) {
				t.Errorf("huge event: attributes %v, raw %d bytes", ev.Attributes, len(ev.Raw))
			}
		}
	}
	dead := readDLQ(t, p, 1)[0]
	h := map[string]string{}
	for _, x := range dead.Headers {
		h[x.Key] = string(x.Value)
	}
	if string(dead.Value) != bad || h[tkafka.DLQHeaderStage] != "ingest" || h[tkafka.DLQHeaderSource] != "okta" ||
		h[tkafka.DLQHeaderIndex] != "1" || !strings.Contains(h[tkafka.DLQHeaderError], "eventType") {
		t.Errorf("dead letter %q headers %v", dead.Value, h)
	}
}
