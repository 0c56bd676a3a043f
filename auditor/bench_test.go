package auditor

import (
	"context"
	"fmt"
	"testing"
	"time"
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
			a, err := New(s, DefaultConfig(), Options{Clock: func() time.Time { return t0 }})
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
