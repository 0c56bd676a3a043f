package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/actions/actionstest"
	auditorsvc "github.com/tollgate-io/tollgate/auditor/service"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stacktest"
	"github.com/tollgate-io/tollgate/schemas"
)

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newStack(t *testing.T) *stacktest.Stack {
	return stacktest.Start(t, nil, kafka.Config{TopicPrefix: "tg", Partitions: 1, BatchTimeout: kafka.Duration(time.Millisecond)})
}

// publish writes findings to the findings topic as the auditor does: key finding_id,
// CloudEvents headers with the ce_id of the state change.
func publish(ctx context.Context, t *testing.T, st *stacktest.Stack, fs ...schemas.Finding) {
	t.Helper()
	msgs := make([]kafkago.Message, len(fs))
	for i := range fs {
		b, err := st.Codec.Encode(&fs[i])
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = kafkago.Message{Topic: st.Topics.Findings, Key: []byte(fs[i].FindingID), Value: b,
			Headers: kafka.CloudEventHeaders(schemas.CloudEvent{ID: auditorsvc.FindingEventID(&fs[i]), Source: "/tollgate/auditor",
				Type: schemas.TypeName(schemas.NameFinding), Time: fs[i].DetectedAt, Subject: fs[i].Principal})}
	}
	if err := st.Producer.Produce(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
}

func finding(id string, status schemas.FindingStatus, summary string) schemas.Finding {
	f := schemas.Finding{FindingID: id, Kind: "UNTICKETED_ACCESS_CHANGE", Severity: schemas.SeverityHigh, Status: status,
		Principal: "carol@corp.example", EventIDs: []string{"okta:1"}, Summary: summary, DetectedAt: t0, Controls: []string{}}
	if status == schemas.FindingResolved {
		f.ResolvedAt = new(t0.Add(time.Hour))
	}
	return f
}

func testConfig(st *stacktest.Stack, group string) Config {
	return Config{Kafka: st.Kafka, Group: group, Topics: st.Topics, MaxAttempts: 3, RetryMin: 5 * time.Millisecond,
		RetryMax: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond, BatchSize: 1, Linger: 5 * time.Millisecond, DrainTimeout: 5 * time.Second}
}

// run runs svc in the background; stop cancels it and returns Run's error, which done
// also delivers when Run ends on its own.
func run(t *testing.T, svc *Service) (stop func() error, done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	finished := make(chan struct{})
	var err error
	go func() {
		err = svc.Run(ctx)
		close(finished)
		ch <- err
	}()
	stop = func() error {
		cancel()
		<-finished
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop, ch
}

func eventually(ctx context.Context, t *testing.T, what string, cond func() error) {
	t.Helper()
	for {
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ticketSinks returns new ServiceNow and JSM sinks on the fakes: new caches, as after a
// restart.
func ticketSinks(t *testing.T, snow *actionstest.ServiceNow, jsm *actionstest.JSM) *actions.Router {
	s, err := actions.NewServiceNow(actions.ServiceNowConfig{Name: "snow", URL: snow.URL, Username: "tollgate", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := actions.NewJSM(actions.JSMConfig{Name: "jsm", URL: jsm.URL, Email: "bot@corp.example", APIToken: "tok", ServiceDeskID: "1", RequestTypeID: "10"})
	if err != nil {
		t.Fatal(err)
	}
	return actions.NewRouter([]actions.Route{{Name: "all", Sinks: []actions.Sink{s, j}}})
}

// TestServiceOneTicketAcrossCrashAndRestart: the stage opens a ServiceNow incident and a JSM
// request for a finding, then dies before committing; restarted with fresh sinks, it gets
// the record again and finds both tickets on the vendors instead of opening second ones,
// rides out a 429 and a 503, comments the update, ignores the republish and closes both
// tickets on the resolution.
func TestServiceOneTicketAcrossCrashAndRestart(t *testing.T) {
	ctx := bounded(t)
	st := newStack(t)
	snow := actionstest.NewServiceNow(t, "incident", "tollgate", "pw")
	jsm := actionstest.NewJSM(t, "bot@corp.example", "tok")
	open := finding("f00d", schemas.FindingOpen, "grant without a ticket")
	publish(ctx, t, st, open)

	crash := errors.New("crash before commit")
	cfg := testConfig(st, "actions-restart")
	cfg.BeforeCommit = func() error { return crash }
	_, done := run(t, New(cfg, ticketSinks(t, snow, jsm), st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler)))
	select {
	case err := <-done:
		if !errors.Is(err, crash) {
			t.Fatalf("first run: %v, want the crash", err)
		}
	case <-ctx.Done():
		t.Fatal("the first run never reached its commit")
	}
	if snow.Creates() != 1 || jsm.Creates() != 1 {
		t.Fatalf("before the restart: %d incidents, %d requests", snow.Creates(), jsm.Creates())
	}

	updated := open
	updated.Summary = "grant without a ticket, and a second one"
	updated.EventIDs = []string{"okta:1", "okta:2"}
	publish(ctx, t, st, open, updated, finding("f00d", schemas.FindingResolved, "grant without a ticket, and a second one"))
	snow.Next(actionstest.RateLimited("1"), actionstest.Fault{Status: 503, Body: "<html>hibernating</html>"})
	jsm.Next(actionstest.Fault{Status: 429, Header: http.Header{"Retry-After": {"1"}}})
	cfg.BeforeCommit = nil
	svc := New(cfg, ticketSinks(t, snow, jsm), st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler))
	stop, _ := run(t, svc)
	eventually(ctx, t, "both tickets closed", func() error {
		in, req := snow.Incidents(), jsm.Requests()
		if len(in) != 1 || len(req) != 1 || in[0].State != "6" || !req[0].Done() {
			return fmt.Errorf("incidents %+v requests %+v", in, req)
		}
		return nil
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if snow.Creates() != 1 || jsm.Creates() != 1 {
		t.Fatalf("after the restart: %d incidents, %d requests created, want 1 each", snow.Creates(), jsm.Creates())
	}
	in, req := snow.Incidents()[0], jsm.Requests()[0]
	if len(in.WorkNotes) != 1 || !strings.Contains(in.WorkNotes[0], "okta:2") || in.CorrelationID != "f00d" {
		t.Fatalf("incident %+v: want one work note, the update's", in)
	}
	if len(req.Comments) != 2 || !strings.Contains(req.Comments[0], "okta:2") || !strings.Contains(req.Comments[1], "Resolved") {
		t.Fatalf("request %+v: want the update's comment and the resolution's", req)
	}
	if got := counterValue(svc.m.unchanged); got != 1 {
		t.Fatalf("%v records unchanged, want the republish", got)
	}
}

// TestServiceDeadLettersWhatASinkDoesNotTake: a sink answering 401 has the record
// dead-lettered at once with the vendor's answer; one that is down has it dead-lettered after
// MaxAttempts, and is then paused so the next record is not held by it; a sink failing once
// takes every record; and the records are committed.
func TestServiceDeadLettersWhatASinkDoesNotTake(t *testing.T) {
	ctx := bounded(t)
	st := newStack(t)
	var flakyCalls, downCalls atomic.Int32
	hook := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	sink := func(name, url string) actions.Sink {
		w, err := actions.NewWebhook(actions.WebhookConfig{Name: name, URL: url, Secret: []byte("k")})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	unauthorized := sink("siem", hook(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
	}))
	down := sink("down", hook(func(w http.ResponseWriter, r *http.Request) {
		downCalls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	flaky := sink("flaky", hook(func(w http.ResponseWriter, r *http.Request) {
		if flakyCalls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	router := actions.NewRouter([]actions.Route{{Name: "all", Sinks: []actions.Sink{unauthorized, down, flaky}}})
	cfg := testConfig(st, "actions-dlq")
	cfg.Pause = time.Hour
	svc := New(cfg, router, st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler))
	publish(ctx, t, st, finding("f1", schemas.FindingOpen, "one"), finding("f2", schemas.FindingOpen, "two"))
	stop, _ := run(t, svc)

	r, err := kafka.NewReader(st.Kafka, "dlq-check", []string{st.Topics.DLQ})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var dead []string
	for len(dead) < 2 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("dead letters: %v (have %q)", err, dead)
		}
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		if h[kafka.DLQHeaderStage] != DLQStage || h[kafka.DLQHeaderTopic] != st.Topics.Findings {
			t.Fatalf("dead letter headers %v", h)
		}
		dead = append(dead, string(m.Key)+": "+h[kafka.DLQHeaderError])
	}
	for _, want := range []string{"f1: ", "sink siem: POST <sink url>: 401 Unauthorized", "invalid token", "(not retried)", "sink down", "502", "(gave up after 3 attempts)"} {
		if !strings.Contains(dead[0], want) {
			t.Errorf("first dead letter %q lacks %q", dead[0], want)
		}
	}
	for _, want := range []string{"f2: ", "sink siem", "sink down not tried: paused"} {
		if !strings.Contains(dead[1], want) {
			t.Errorf("second dead letter %q lacks %q", dead[1], want)
		}
	}
	if strings.Contains(dead[0], "flaky") || strings.Contains(dead[1], "flaky") {
		t.Errorf("the flaky sink's records were dead-lettered: %q", dead)
	}
	eventually(ctx, t, "flaky took both", func() error {
		if got := counterValue(svc.m.sent.WithLabelValues("flaky", string(actions.EventOpened))); got != 2 {
			return fmt.Errorf("flaky took %v", got)
		}
		return nil
	})
	if got := downCalls.Load(); got != 3 {
		t.Fatalf("the down sink was tried %d times, want 3 (then paused)", got)
	}
	if got := counterValue(svc.m.dead.WithLabelValues("siem", string(actions.EventOpened))); got != 2 {
		t.Fatalf("siem dead letters %v", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Committed: restarted, the same group starts after both records — the flaky sink gets
	// the third finding only.
	again := New(cfg, router, st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler))
	stop2, _ := run(t, again)
	publish(ctx, t, st, finding("f3", schemas.FindingOpen, "three"))
	eventually(ctx, t, "flaky took the third", func() error {
		if got := counterValue(again.m.sent.WithLabelValues("flaky", string(actions.EventOpened))); got != 1 {
			return fmt.Errorf("flaky took %v", got)
		}
		return nil
	})
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	if got := flakyCalls.Load(); got != 4 {
		t.Fatalf("flaky called %d times in all, want 4: f1 twice (503, then taken), f2, f3 — not f1 and f2 again", got)
	}
}
