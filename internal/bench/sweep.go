package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/gen"
)

// sweepAt is the time every sweep runs at: grants are seeded relative to it.
var sweepAt = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// seedGrantsSQL fills the grants ledger with n ACTIVE grants from numbers():
// ten grants per principal, granted over the 300 days before sweepAt, review
// due over the next 99 days with 1 in 100 already overdue, 1 in 500 past
// its expiry, 1 in 1000 a break-glass elevation and 1 in 2000 held by a
// disabled principal, so that about 1.4% qualify for a finding.
func seedGrantsSQL(n int) string {
	at := sweepAt.UnixMilli()
	return fmt.Sprintf(`INSERT INTO grants (principal, principal_type, entitlement_key, entitlement_id, entitlement_name,
	entitlement_system, entitlement_privilege, entitlement_wildcard, state, lane, granted_at, revoked_at, grant_event_id,
	revoke_event_id, ticket_id, approver, review_due, expires_at, last_reviewed_at, review_event_id, disabled_at,
	disable_event_id, version)
SELECT
	concat('seed', toString(intDiv(number, 10)), '@corp.example') AS p, 'HUMAN',
	concat('okta|grp', toString(number %% 10)), concat('grp', toString(number %% 10)), concat('grp', toString(number %% 10)),
	'okta', 'WRITE', false, 'ACTIVE', if(number %% 1000 = 7, 'BREAK_GLASS', 'SERVICE_DESK'),
	fromUnixTimestamp64Milli(toInt64(%[1]d - (sipHash64(number) %% 300) * 86400000), 'UTC') AS g, NULL,
	concat('OKTA:seed', toString(number)), '', concat('RITM', toString(number)), 'approver@corp.example',
	fromUnixTimestamp64Milli(toInt64(%[1]d + ((sipHash64(number, 2) %% 100) - 1) * 86400000), 'UTC'),
	if(number %% 500 = 3, g + toIntervalDay(1), NULL), NULL, '',
	if(number %% 2000 = 5, g + toIntervalDay(2), NULL), if(number %% 2000 = 5, 'OKTA:disable', ''), 1
FROM numbers(%[2]d)`, at, n)
}

// benchSweep seeds each grant count into its own database and times the
// first sweep (which opens the findings) and a second, steady one.
func (r *runner) benchSweep(ctx context.Context) error {
	for _, n := range r.opts.Grants {
		if err := r.sweepOnce(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) sweepOnce(ctx context.Context, n int) error {
	env, err := r.stack.NewEnv(ctx, fmt.Sprintf("sweep%d", n))
	if err != nil {
		return err
	}
	defer env.Close()
	store, _, err := env.Store(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	if err := store.Exec(ctx, seedGrantsSQL(n)); err != nil {
		return fmt.Errorf("bench: seed %d grants: %w", n, err)
	}
	seed := time.Since(began)
	a, err := auditor.New(store, gen.DetectionConfig(), auditor.Options{Clock: func() time.Time { return sweepAt }, Logger: r.log})
	if err != nil {
		return fmt.Errorf("bench: auditor: %w", err)
	}
	began = time.Now()
	opened, err := a.Sweep(ctx, sweepAt)
	if err != nil {
		return fmt.Errorf("bench: sweep %d grants: %w", n, err)
	}
	first := time.Since(began)
	if len(opened) == 0 {
		return fmt.Errorf("bench: the sweep over %d seeded grants opened no findings", n)
	}
	began = time.Now()
	changed, err := a.Sweep(ctx, sweepAt)
	if err != nil {
		return fmt.Errorf("bench: second sweep %d grants: %w", n, err)
	}
	steady := time.Since(began)
	if len(changed) != 0 {
		return fmt.Errorf("bench: second sweep over %d grants changed %d findings", n, len(changed))
	}
	r.report.Sweeps = append(r.report.Sweeps, SweepResult{Grants: n, SeedSeconds: seed.Seconds(), FirstSeconds: first.Seconds(),
		SteadySeconds: steady.Seconds(), FindingsOpened: len(opened), PeakRSSMiB: peakRSSMiB()})
	r.progress("sweep %d grants: first %.3fs steady %.3fs, %d findings", n, first.Seconds(), steady.Seconds(), len(opened))
	return nil
}
