package auditor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/schemas"
)

// viewCounts returns the row counts of the store's views and tables.
func (h *harness) viewCounts() map[string]int64 {
	h.t.Helper()
	return auditortest.Counts(h.t, h.s)
}

func TestDuplicateDeliveryChangesNoCount(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.now = t0.Add(100 * 24 * time.Hour) // everything below is overdue by now
	bg := human("breakglass-01@corp.example")
	svc := nhiP("svc-x")
	cred := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, admin, svc, nil)
	cred.Event.Credential = &schemas.Credential{ID: "k", Kind: schemas.CredentialAccessKey}
	batch := []schemas.RoutedEvent{
		h.ev(schemas.ActionAccessGrant, t0, schemas.LaneHelpDesk, admin, alice, group("vpn", schemas.PrivilegeRead)),
		h.ev(schemas.ActionAccessGrant, t0, schemas.LaneBreakGlass, bg, bg, group("root", schemas.PrivilegeAdmin)),
		h.ev(schemas.ActionSignIn, t0, schemas.LaneObserve, bob, bob, nil),
		cred,
		h.tk(schemas.ActionTicketOpened, t0, schemas.Ticket{ID: "INC1", Kind: schemas.TicketIncident, RequestedFor: alice}),
	}
	h.write(batch...)
	h.sweep(h.clock.now)
	before := h.viewCounts()
	if before["open_findings"] == 0 || before["events"] != int64(len(batch)) {
		t.Fatalf("scenario planted too little: %v", before)
	}
	for i := 0; i < 2; i++ {
		if got := h.write(batch...); len(got) != 0 {
			t.Fatalf("redelivery %d changed findings %+v", i, got)
		}
		if got := h.sweep(h.clock.now); len(got) != 0 {
			t.Fatalf("sweep after redelivery changed %+v", got)
		}
	}
	after := h.viewCounts()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("counts changed by duplicate delivery:\n before %v\n after  %v", before, after)
	}
}

// BenchmarkWriteBatch reports auditor rows/s against the engine's own bulk
// insert of the same event rows in the same run.
func BenchmarkWriteBatch(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		b.Fatal(err)
	}
	a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	mk := func(round int) []schemas.RoutedEvent {
		out := make([]schemas.RoutedEvent, n)
		for i := range out {
			p := human(fmt.Sprintf("user%05d@corp.example", i%2000))
			out[i] = schemas.RoutedEvent{Event: schemas.IdentityEvent{
				EventID: fmt.Sprintf("OKTA:%d-%d", round, i), Source: schemas.SourceOkta, Category: schemas.CategoryIAM,
				Action: schemas.ActionSignIn, OccurredAt: t0.Add(time.Duration(i) * time.Second), IngestedAt: t0,
				Outcome: schemas.OutcomeSuccess, Subject: p, Actor: p,
			}, Decision: schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, DecidedAt: t0}}
			if i%10 == 0 {
				out[i].Event.Action = schemas.ActionAccessGrant
				out[i].Event.Entitlement = group(fmt.Sprintf("g%d", i%50), schemas.PrivilegeRead)
				out[i].Decision.Lane = schemas.LaneServiceDesk
			}
		}
		return out
	}
	var auditorNs, rawNs int64
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		batch := mk(r)
		start := time.Now()
		if _, err := a.WriteBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		auditorNs += time.Since(start).Nanoseconds()
		rows := make([][]any, len(batch))
		for i := range batch {
			batch[i].Event.EventID += "-raw"
			rows[i] = eventRow(&batch[i])
		}
		start = time.Now()
		if err := s.Insert(ctx, "events", eventColumns, rows); err != nil {
			b.Fatal(err)
		}
		rawNs += time.Since(start).Nanoseconds()
	}
	aRate := float64(n*b.N) / (float64(auditorNs) / 1e9)
	rRate := float64(n*b.N) / (float64(rawNs) / 1e9)
	b.ReportMetric(aRate, "auditor_rows/s")
	b.ReportMetric(rRate, "bulk_rows/s")
	b.ReportMetric(aRate/rRate, "ratio")
}

// TestOneEventIDOneRow delivers one event three times with differing receive-time
// occurred_at (an event that carried no vendor timestamp, retried by the vendor) and once
// more with another principal (a later normalizer): events FINAL and every view count it
// once, and FINAL keeps the first delivery.
func TestOneEventIDOneRow(t *testing.T) {
	h := newHarness(t, nil)
	var first map[string]int64
	for i := 0; i < 3; i++ {
		ev := h.ev(schemas.ActionAccessGrant, t0.Add(time.Duration(i)*time.Hour), schemas.LaneHelpDesk, admin, alice, group("vpn", schemas.PrivilegeRead))
		ev.Event.EventID = "okta:no-timestamp-1"
		ev.Event.IngestedAt = t0.Add(time.Duration(i) * time.Hour)
		ev.Event.Attributes = map[string]string{"occurred_at_fallback": "true"}
		h.write(ev)
		if i == 0 {
			first = h.viewCounts()
		}
	}
	if got := h.viewCounts(); fmt.Sprint(got) != fmt.Sprint(first) || got["events"] != 1 || got["lane_volume"] != 1 {
		t.Fatalf("three deliveries with differing fallback timestamps count\n %v\nafter one delivery\n %v", got, first)
	}
	// A copy that a later normalizer attributes to another principal is still the same event.
	other := h.ev(schemas.ActionAccessGrant, t0.Add(5*time.Hour), schemas.LaneHelpDesk, admin, bob, group("vpn", schemas.PrivilegeRead))
	other.Event.EventID = "okta:no-timestamp-1"
	other.Event.IngestedAt = t0.Add(5 * time.Hour)
	h.write(other)
	if got := h.viewCounts(); got["events"] != 1 || got["lane_volume"] != 1 || got["help_desk_access_changes"] != 1 {
		t.Fatalf("a copy with another principal counts %v, want one row in events, lane_volume and help_desk_access_changes", got)
	}
	rows, err := h.s.Query(context.Background(), "SELECT toUnixTimestamp64Milli(occurred_at) AS at, principal FROM events FINAL")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Int("at") != t0.UnixMilli() || rows[0].String("principal") != alice.ID {
		t.Fatalf("FINAL kept %v, want the first delivery (%d, %s)", rows, t0.UnixMilli(), alice.ID)
	}
}

// TestEventsMigrationKeepsRows upgrades a v1 database holding duplicates that v1 could not
// collapse: every event_id survives once, and a migration interrupted after the exchange
// finishes on the next run without losing a row.
func TestEventsMigrationKeepsRows(t *testing.T) {
	ctx := context.Background()
	for _, crash := range []bool{false, true} {
		s := newStore(t)
		if _, err := Migrate(ctx, s, MigrateOptions{UpTo: 1}); err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		for i := 0; i < 50; i++ {
			for copyN := 0; copyN < 1+i%3; copyN++ {
				at := t0.Add(time.Duration(copyN) * time.Hour)
				ev := schemas.RoutedEvent{Event: schemas.IdentityEvent{
					EventID: fmt.Sprintf("okta:%d", i), Source: schemas.SourceOkta, Category: schemas.CategoryIAM,
					Action: schemas.ActionSignIn, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess,
					Subject: human(fmt.Sprintf("u%d@corp.example", i)), Actor: alice,
				}, Decision: schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, DecidedAt: at}}
				rows = append(rows, eventRow(&ev))
			}
		}
		if err := s.Insert(ctx, "events", eventColumns, rows); err != nil {
			t.Fatal(err)
		}
		if crash {
			// What a crash right after the exchange leaves: the rows copied, the tables
			// exchanged, the old layout not dropped, version 2 not recorded.
			for _, st := range []string{
				"CREATE TABLE events_by_event_id AS events ENGINE = ReplacingMergeTree ORDER BY event_id",
				"INSERT INTO events_by_event_id SELECT * FROM events",
				"EXCHANGE TABLES events AND events_by_event_id",
			} {
				if err := s.Exec(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
			t.Fatalf("crash=%v: migrate to latest: %v", crash, err)
		}
		got, err := s.Query(ctx, "SELECT count() AS n, uniqExact(event_id) AS ids, (SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'events') AS k, (SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'events_by_event_id') AS leftover FROM events FINAL")
		if err != nil {
			t.Fatal(err)
		}
		if r := got[0]; r.Int("n") != 50 || r.Int("ids") != 50 || r.String("k") != "event_id" || r.Int("leftover") != 0 {
			t.Fatalf("crash=%v: after the upgrade %v, want 50 rows for 50 ids, sorted by event_id, no leftover table", crash, r)
		}
	}
}
