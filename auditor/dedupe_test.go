package auditor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

var countedViews = []string{"open_findings", "grants_review_overdue", "lane_volume", "help_desk_access_changes",
	"breakglass_timeline", "nhi_secret_age"}

func (h *harness) viewCounts() map[string]int64 {
	h.t.Helper()
	out := map[string]int64{}
	for _, v := range countedViews {
		q := "SELECT count() AS n FROM " + v
		if v == "lane_volume" {
			q = "SELECT toInt64(sum(events)) AS n FROM lane_volume"
		}
		rows, err := h.s.Query(context.Background(), q)
		if err != nil {
			h.t.Fatalf("count %s: %v", v, err)
		}
		out[v] = rows[0].Int("n")
	}
	for _, tbl := range []string{"events", "grants", "tickets", "credentials", "findings"} {
		rows, err := h.s.Query(context.Background(), "SELECT count() AS n FROM "+tbl+" FINAL")
		if err != nil {
			h.t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = rows[0].Int("n")
	}
	return out
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
