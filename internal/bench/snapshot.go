package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/internal/gen"
	"github.com/tollgate-io/tollgate/schemas"
)

// SnapshotResult is one inventory listing of n grants applied by the auditor, against the
// engine's bulk insert of as many grant rows, and the sweep after it.
type SnapshotResult struct {
	Grants  int `json:"grants"`
	Holders int `json:"holders"`
	Events  int `json:"events"`
	// Seconds and CPUSeconds are the listing's events through the auditor (WriteBatch in
	// batches of the auditor's default size): the ledgers, keyed state and findings.
	Seconds      float64 `json:"seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	GrantsPerSec float64 `json:"grants_per_sec"`
	BulkPerSec   float64 `json:"bulk_insert_grants_per_sec"`
	Ratio        float64 `json:"ratio"`
	HeapInuseMiB float64 `json:"heap_inuse_mib"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	SweepSeconds float64 `json:"sweep_seconds"`
	// SweepOpened are the findings the sweep opened (the batches open most themselves);
	// FindingsOpen all open after it.
	SweepOpened  int `json:"sweep_opened"`
	FindingsOpen int `json:"findings_open"`
}

// snapshotBatch is the auditor's default batch size (auditor.batch_size).
const snapshotBatchEvents = 10_000

// holdings are n grants of an organization's existing access: ten groups per holder,
// granted over the two years before sweepAt, 19 in 20 with a review date in the next six
// months (the rest overdue from their grant date), one holder in 50 an administrator and
// one in 500 suspended, so the sweep has overdue reviews, over-broad and orphaned grants
// to find.
func holdings(n int) []connectors.Holding {
	out := make([]connectors.Holding, 0, n/10+1)
	for h := 0; h*10 < n; h++ {
		id := fmt.Sprintf("holder%06d@corp.example", h)
		hd := connectors.Holding{Principal: schemas.Principal{ID: id, SourceID: fmt.Sprintf("00u%06d", h), Type: schemas.PrincipalHuman}, Status: connectors.StatusActive}
		if h%500 == 3 {
			hd.Status = connectors.StatusSuspended
		}
		for g := 0; g < 10 && h*10+g < n; g++ {
			granted := sweepAt.Add(-time.Duration((h*7+g*13)%730) * 24 * time.Hour)
			priv := schemas.PrivilegeRead
			if g == 0 && h%50 == 1 {
				priv = schemas.PrivilegeAdmin
			}
			gr := connectors.Grant{GrantedAt: &granted}
			if (h+g)%20 != 0 { // most grants carry the review date their system records
				due := sweepAt.Add(time.Duration((h*11+g*17)%180+1) * 24 * time.Hour)
				gr.ReviewDue = &due
			}
			gr.Entitlement = schemas.Entitlement{
				ID: fmt.Sprintf("00g%03d", (h+g*31)%400), Name: fmt.Sprintf("group-%03d", (h+g*31)%400), Kind: schemas.EntitlementGroup,
				Privilege: priv, System: "okta", Wildcard: priv == schemas.PrivilegeAdmin}
			hd.Grants = append(hd.Grants, gr)
		}
		out = append(out, hd)
	}
	return out
}

func (r *runner) benchSnapshot(ctx context.Context) error {
	for _, n := range r.opts.SnapshotGrants {
		if err := r.snapshotOnce(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) snapshotOnce(ctx context.Context, n int) error {
	// Baseline: the engine's own bulk insert of n grant rows, in a database of its own.
	base, err := r.stack.NewEnv(ctx, fmt.Sprintf("snapbase%d", n))
	if err != nil {
		return err
	}
	bstore, _, err := base.Store(ctx)
	if err != nil {
		base.Close()
		return err
	}
	began := time.Now()
	if err := bstore.Exec(ctx, seedGrantsSQL(n)); err != nil {
		base.Close()
		return fmt.Errorf("bench: bulk insert %d grants: %w", n, err)
	}
	bulk := float64(n) / time.Since(began).Seconds()
	base.Close()

	env, err := r.stack.NewEnv(ctx, fmt.Sprintf("snapshot%d", n))
	if err != nil {
		return err
	}
	defer env.Close()
	store, _, err := env.Store(ctx)
	if err != nil {
		return err
	}
	a, err := auditor.New(store, gen.DetectionConfig(), auditor.Options{Clock: func() time.Time { return sweepAt }, Logger: r.log})
	if err != nil {
		return fmt.Errorf("bench: auditor: %w", err)
	}
	hs := holdings(n)
	l := connectors.NewListing(schemas.SourceOkta, "okta", schemas.OriginSnapshot, sweepAt)
	res := SnapshotResult{Grants: n, Holders: len(hs)}
	cpu0 := processCPU()
	began = time.Now()
	batch := make([]schemas.RoutedEvent, 0, snapshotBatchEvents+16)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := a.WriteBatch(ctx, batch); err != nil {
			return fmt.Errorf("bench: snapshot batch: %w", err)
		}
		res.Events += len(batch)
		batch = batch[:0]
		return nil
	}
	for _, h := range hs {
		for _, e := range l.Events(h, sweepAt) {
			lane := schemas.LaneObserve
			batch = append(batch, schemas.RoutedEvent{Event: e, Decision: schemas.Decision{Lane: lane, Impact: schemas.ImpactLow, RuleID: "inventory-observation", DecidedAt: sweepAt}})
		}
		if len(batch) >= snapshotBatchEvents {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	res.Seconds = time.Since(began).Seconds()
	res.CPUSeconds = (processCPU() - cpu0).Seconds()
	res.GrantsPerSec = float64(n) / res.Seconds
	res.BulkPerSec = bulk
	res.Ratio = res.GrantsPerSec / bulk
	res.HeapInuseMiB = heapInuseMiB()
	began = time.Now()
	opened, err := a.Sweep(ctx, sweepAt)
	if err != nil {
		return fmt.Errorf("bench: sweep after the snapshot: %w", err)
	}
	res.SweepSeconds = time.Since(began).Seconds()
	res.SweepOpened = len(opened)
	open, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen, Limit: 10 * n})
	if err != nil {
		return fmt.Errorf("bench: findings after the snapshot: %w", err)
	}
	res.FindingsOpen = len(open)
	if len(open) == 0 {
		return fmt.Errorf("bench: a snapshot of %d grants with stale and suspended holders opened no findings", n)
	}
	res.PeakRSSMiB = peakRSSMiB()
	r.report.Snapshots = append(r.report.Snapshots, res)
	r.progress("snapshot %d grants: %.0f grants/s (bulk insert %.0f, ratio %.2f), sweep %.2fs, %d findings open", n, res.GrantsPerSec, bulk, res.Ratio, res.SweepSeconds, res.FindingsOpen)
	return nil
}
