package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/actions"
	"github.com/tollgate-io/tollgate/actions/actionstest"
	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/auditortest"
	auditorsvc "github.com/tollgate-io/tollgate/auditor/service"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/stacktest"
	"github.com/tollgate-io/tollgate/schemas"
)

// produceLane writes routed events to their lane topics as the router does.
func produceLane(ctx context.Context, t *testing.T, st *stacktest.Stack, evs ...schemas.RoutedEvent) {
	t.Helper()
	msgs := make([]kafkago.Message, len(evs))
	for i := range evs {
		b, err := st.Codec.Encode(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		e := &evs[i].Event
		msgs[i] = kafkago.Message{Topic: st.Topics.Lane(string(evs[i].Decision.Lane)), Key: []byte(e.Key()), Value: b,
			Headers: kafka.CloudEventHeaders(schemas.CloudEvent{ID: e.EventID, Source: "/tollgate/router", Type: schemas.TypeName(schemas.NameRoutedEvent),
				Time: e.OccurredAt, Subject: e.Key()})}
	}
	if err := st.Producer.Produce(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
}

// TestGraceWithheldFindingSendsNothing, end to end — lane topics → auditor → tollgate.findings
// → actions → ServiceNow: of two unticketed grants, the one whose request arrives inside the
// grace is never announced and so opens no incident; the other, announced when its grace
// ends, opens exactly one, which its late request then resolves.
func TestGraceWithheldFindingSendsNothing(t *testing.T) {
	ctx := bounded(t)
	st := newStack(t)
	store := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(auditortest.T0.Add(time.Minute).UnixNano())
	a, err := auditor.New(store, auditor.DefaultConfig(), auditor.Options{Clock: func() time.Time { return time.Unix(0, now.Load()).UTC() },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	acfg := auditorsvc.Config{Kafka: st.Kafka, Group: "auditor", Topics: st.Topics, BatchSize: 50, FlushInterval: 50 * time.Millisecond,
		SweepInterval: 50 * time.Millisecond, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, DrainTimeout: 5 * time.Second,
		Grace: map[string]time.Duration{auditor.KindUnticketedAccessChange: 10 * time.Minute}}
	auditorCtx, stopAuditor := context.WithCancel(ctx)
	auditorDone := make(chan error, 1)
	go func() {
		auditorDone <- auditorsvc.New(acfg, a, st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler)).Run(auditorCtx)
	}()
	t.Cleanup(func() { stopAuditor(); <-auditorDone })

	fake := actionstest.NewServiceNow(t, "incident", "tollgate", "pw")
	snow, err := actions.NewServiceNow(actions.ServiceNowConfig{Name: "snow", URL: fake.URL, Username: "tollgate", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	router := actions.NewRouter([]actions.Route{{Name: "tickets", Kinds: []string{auditor.KindUnticketedAccessChange}, Sinks: []actions.Sink{snow}}})
	svc := New(testConfig(st, "actions"), router, st.Codec, st.Producer, nil, slog.New(slog.DiscardHandler))
	run(t, svc)

	var ev auditortest.Events
	carol, dan := auditortest.Human("carol@corp.example"), auditortest.Human("dan@corp.example")
	read := auditortest.Group("reporting", schemas.PrivilegeRead)
	produceLane(ctx, t, st,
		ev.IAM(schemas.ActionAccessGrant, auditortest.T0, schemas.LaneServiceDesk, auditortest.Admin, carol, read),
		ev.IAM(schemas.ActionAccessGrant, auditortest.T0, schemas.LaneServiceDesk, auditortest.Admin, dan, read))
	ids := map[string]string{}
	eventually(ctx, t, "both grants unticketed", func() error {
		fs, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen, Kind: auditor.KindUnticketedAccessChange})
		if err != nil || len(fs) != 2 {
			return fmt.Errorf("%d open, %v", len(fs), err)
		}
		for _, f := range fs {
			ids[f.Principal] = f.FindingID
		}
		return nil
	})
	// Dan's request, approved a minute after the grant, arrives inside the grace.
	now.Store(auditortest.T0.Add(3 * time.Minute).UnixNano())
	produceLane(ctx, t, st, ev.Ticket(schemas.ActionTicketApproved, auditortest.T0.Add(time.Minute), auditortest.ApprovedRequest("RITM9", dan, "reporting", auditortest.Admin)))
	eventually(ctx, t, "dan's finding resolved", func() error {
		fs, err := a.Findings(ctx, auditor.FindingFilter{ID: ids[dan.ID]})
		if err != nil || len(fs) != 1 || fs[0].Status != schemas.FindingResolved {
			return fmt.Errorf("%+v %v", fs, err)
		}
		return nil
	})
	// Past carol's grace the sweep announces her finding: one incident, hers.
	now.Store(auditortest.T0.Add(20 * time.Minute).UnixNano())
	eventually(ctx, t, "carol's incident", func() error {
		if in := fake.Incidents(); len(in) != 1 || in[0].CorrelationID != ids[carol.ID] {
			return fmt.Errorf("incidents %+v", in)
		}
		return nil
	})
	// Her request, approved late but inside the ticket window, resolves the finding and the
	// incident.
	now.Store(auditortest.T0.Add(21 * time.Minute).UnixNano())
	produceLane(ctx, t, st, ev.Ticket(schemas.ActionTicketApproved, auditortest.T0.Add(21*time.Minute), auditortest.ApprovedRequest("RITM10", carol, "reporting", auditortest.Admin)))
	eventually(ctx, t, "carol's incident resolved", func() error {
		if in := fake.Incidents(); len(in) != 1 || in[0].State != "6" {
			return fmt.Errorf("incidents %+v", in)
		}
		return nil
	})
	if fake.Creates() != 1 {
		t.Fatalf("%d incidents created, want carol's only", fake.Creates())
	}
	for _, in := range fake.Incidents() {
		if in.CorrelationID == ids[dan.ID] {
			t.Fatalf("dan's finding, resolved inside its grace, opened %+v", in)
		}
	}
	if got := counterValue(svc.m.sent.WithLabelValues("snow", string(actions.EventOpened))); got != 1 {
		t.Fatalf("%v opened actions sent, want 1", got)
	}
}
