package auditor

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// seedGrants fills the grants ledger with n ACTIVE grants straight from
// numbers(): one principal per 10 grants, granted over the last 300 days,
// reviews due over the next 99 days except 1 in 100 due yesterday, 1 in 500
// expired, 1 in 2000 of a disabled principal and 1 in 1000 break-glass, so
// about 1.4% of the grants qualify for a finding at t0.
func seedGrants(b *testing.B, s Store, n int) {
	b.Helper()
	q := fmt.Sprintf(`INSERT INTO grants (principal, principal_type, entitlement_key, entitlement_id, entitlement_name,
		entitlement_system, entitlement_privilege, entitlement_wildcard, state, lane, granted_at, revoked_at, grant_event_id,
		revoke_event_id, ticket_id, approver, review_due, expires_at, last_reviewed_at, review_event_id, disabled_at,
		disable_event_id, version)
	SELECT concat('user', toString(intDiv(number, 10)), '@corp.example') AS principal, 'HUMAN',
		concat('okta|g', toString(number %% 10)), concat('g', toString(number %% 10)), concat('g', toString(number %% 10)),
		'okta', 'READ', false, 'ACTIVE', if(number %% 1000 = 0, 'BREAK_GLASS', 'SERVICE_DESK'),
		fromUnixTimestamp64Milli(toInt64(%d - (cityHash64(number) %% 300) * 86400000), 'UTC') AS granted_at, NULL,
		concat('OKTA:g', toString(number)), '', concat('RITM', toString(number)), 'mgr@corp.example',
		fromUnixTimestamp64Milli(toInt64(%d + ((cityHash64(number, 1) %% 100) - 1) * 86400000), 'UTC'),
		if(number %% 500 = 1, granted_at + toIntervalDay(1), NULL),
		NULL, '', if(number %% 2000 = 2, granted_at + toIntervalDay(1), NULL), if(number %% 2000 = 2, 'OKTA:d', ''), 1
	FROM numbers(%d)`, t0.UnixMilli(), t0.UnixMilli(), n)
	if err := s.Exec(context.Background(), q); err != nil {
		b.Fatalf("seed %d grants: %v", n, err)
	}
}

// BenchmarkSweep reports the duration of one Sweep over 100k and 1M active
// grants: the first sweep, which opens the findings of every qualifying
// grant, and a steady-state sweep that finds nothing new.
func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b)
			if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
				b.Fatal(err)
			}
			seedGrants(b, s, n)
			a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			opened, err := a.Sweep(ctx, t0)
			if err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			if len(opened) == 0 {
				b.Fatal("first sweep opened no findings")
			}
			b.ResetTimer()
			for b.Loop() {
				changed, err := a.Sweep(ctx, t0)
				if err != nil {
					b.Fatal(err)
				}
				if len(changed) != 0 {
					b.Fatalf("steady-state sweep changed %d findings", len(changed))
				}
			}
			b.ReportMetric(first.Seconds(), "first_sweep_s")
			b.ReportMetric(float64(len(opened)), "findings_opened")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "steady_sweep_s")
		})
	}
}

// mixedBatch is n events of a working day: mostly sign-ins (OBSERVE), some
// grants and revokes, MFA resets, credential rotations and ITSM tickets that
// approve some of the grants. round keeps event ids and times apart between
// batches; principals repeat across batches, as they do in production.
func mixedBatch(round, n int) []schemas.RoutedEvent {
	out := make([]schemas.RoutedEvent, n)
	base := t0.Add(time.Duration(round) * time.Hour)
	for i := range out {
		user := human(fmt.Sprintf("user%05d@corp.example", (round*7919+i)%20000))
		at := base.Add(time.Duration(i) * time.Millisecond * 300)
		ev := schemas.IdentityEvent{
			EventID: fmt.Sprintf("OKTA:%d-%d", round, i), Source: schemas.SourceOkta, SourceEventType: "user.session.start",
			Category: schemas.CategoryIAM, Action: schemas.ActionSignIn, OccurredAt: at, IngestedAt: at,
			Outcome: schemas.OutcomeSuccess, Actor: user, Subject: user, Attributes: map[string]string{"ip": "10.0.0.1"},
			Raw: []byte(`{"eventType":"user.session.start"}`),
		}
		dec := schemas.Decision{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, RuleID: "observe", DecidedAt: at}
		switch i % 100 {
		case 1, 2, 3:
			ev.Action, ev.Actor = schemas.ActionAccessGrant, admin
			ev.Entitlement = group(fmt.Sprintf("app-%d", i%40), schemas.PrivilegeRead)
			ev.TicketRefs = []string{fmt.Sprintf("RITM%d-%d", round, i)}
			dec.Lane, dec.Impact = schemas.LaneServiceDesk, schemas.ImpactMedium
		case 4:
			ev.Action, ev.Actor = schemas.ActionAccessRevoke, admin
			ev.Entitlement = group(fmt.Sprintf("app-%d", (i+1)%40), schemas.PrivilegeRead)
			dec.Lane = schemas.LaneServiceDesk
		case 5:
			ev.Action, ev.Actor = schemas.ActionMFAReset, admin
			dec.Lane = schemas.LaneHelpDesk
		case 6:
			svc := nhiP(fmt.Sprintf("svc-%d", i%500))
			ev.Action, ev.Actor, ev.Subject = schemas.ActionCredentialRotate, svc, svc
			ev.Credential = &schemas.Credential{ID: fmt.Sprintf("key-%d", i%500), Kind: schemas.CredentialAccessKey, Owner: admin}
			dec.Lane = schemas.LaneNHI
		case 7:
			// The approved request behind grant i-6 of this batch.
			ev = schemas.IdentityEvent{
				EventID: fmt.Sprintf("SERVICENOW:%d-%d", round, i), Source: schemas.SourceServiceNow, SourceEventType: "sc_req_item",
				Category: schemas.CategoryTicket, Action: schemas.ActionTicketApproved, OccurredAt: at, IngestedAt: at,
				Outcome: schemas.OutcomeSuccess, Ticket: &schemas.Ticket{
					ID: fmt.Sprintf("RITM%d-%d", round, i-6), System: "servicenow", Kind: schemas.TicketServiceRequest,
					State: "approved", Approval: schemas.ApprovalApproved, Approver: human("mgr@corp.example"),
					RequestedFor:  human(fmt.Sprintf("user%05d@corp.example", (round*7919+i-6)%20000)),
					Justification: str("project"), ReviewDue: tp(at.Add(90 * 24 * time.Hour)),
				},
			}
			dec.Lane = schemas.LaneServiceDesk
		}
		out[i] = schemas.RoutedEvent{Event: ev, Decision: dec}
	}
	return out
}

// mixedAuditor is an auditor over a fresh migrated store, its clock two days after t0.
func mixedAuditor(b *testing.B) (*Auditor, Store) {
	b.Helper()
	s := newStore(b)
	if _, err := Migrate(context.Background(), s, MigrateOptions{}); err != nil {
		b.Fatal(err)
	}
	a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return t0.Add(48 * time.Hour) },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return a, s
}

// bulkInsert is the engine's bulk insert of batch's event rows under new event ids (the
// baseline the auditor's rate is a ratio to), timed without building the rows.
func bulkInsert(b *testing.B, s Store, batch []schemas.RoutedEvent) time.Duration {
	b.Helper()
	rows := make([][]any, len(batch))
	for i := range batch {
		batch[i].Event.EventID += "-raw"
		rows[i] = eventRow(&batch[i])
	}
	start := time.Now()
	if err := s.Insert(context.Background(), "events", eventColumns, rows); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkWriteBatchMixed reports auditor rows/s for 10k-event batches of
// mixedBatch against the engine's own bulk insert of the same event rows
// (timed without building them), their ratio, the bytes allocated per
// batch and the largest live heap seen after a batch.
func BenchmarkWriteBatchMixed(b *testing.B) {
	ctx := context.Background()
	a, s := mixedAuditor(b)
	const n = 10_000
	var auditorNs, rawNs int64
	var peak uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		b.StopTimer()
		batch := mixedBatch(r, n)
		b.StartTimer()
		start := time.Now()
		if _, err := a.WriteBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		auditorNs += time.Since(start).Nanoseconds()
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		rawNs += bulkInsert(b, s, batch).Nanoseconds()
		b.StartTimer()
	}
	aRate := float64(n*b.N) / (float64(auditorNs) / 1e9)
	rRate := float64(n*b.N) / (float64(rawNs) / 1e9)
	b.ReportMetric(aRate, "auditor_rows/s")
	b.ReportMetric(rRate, "bulk_rows/s")
	b.ReportMetric(aRate/rRate, "ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
}

// BenchmarkWriteBatchGrowth writes 100 batches of 10,000 mixedBatch events (1M events
// over the same 20,000 humans and 500 NHIs) and reports the auditor's time per batch over
// the first and the last ten batches, their ratio (1.0: cost flat as history grows), and
// the auditor's rows/s over the engine's bulk insert of the same rows in the same run.
func BenchmarkWriteBatchGrowth(b *testing.B) {
	ctx := context.Background()
	const rounds, n = 100, 10_000
	for b.Loop() {
		a, s := mixedAuditor(b)
		var first, last, total, bulk time.Duration
		for r := range rounds {
			batch := mixedBatch(r, n)
			start := time.Now()
			if _, err := a.WriteBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			d := time.Since(start)
			total += d
			switch {
			case r < 10:
				first += d
			case r >= rounds-10:
				last += d
			}
			bulk += bulkInsert(b, s, batch)
		}
		b.ReportMetric(float64(first.Milliseconds())/10, "first10_ms/batch")
		b.ReportMetric(float64(last.Milliseconds())/10, "last10_ms/batch")
		b.ReportMetric(last.Seconds()/first.Seconds(), "growth")
		b.ReportMetric(bulk.Seconds()/total.Seconds(), "ratio")
	}
}
