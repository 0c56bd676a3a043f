package auditor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

var findingColumns = []string{"finding_id", "kind", "severity", "status", "principal", "entitlement", "ticket_id",
	"event_ids", "summary", "controls", "detected_at", "resolved_at", "updated_at", "version"}

// storedFinding is a finding with the version of its stored row.
type storedFinding struct {
	schemas.Finding
	Version uint64
}

func findingFromRow(r Row) storedFinding {
	f := schemas.Finding{
		FindingID: r.String("finding_id"), Kind: r.String("kind"), Severity: schemas.Severity(r.String("severity")),
		Status: schemas.FindingStatus(r.String("status")), Principal: r.String("principal"),
		EventIDs: r.Strings("event_ids"), Summary: r.String("summary"), Controls: r.Strings("controls"),
		DetectedAt: r.Time("detected_at"), ResolvedAt: r.NullTime("resolved_at"),
	}
	if s := r.String("entitlement"); s != "" {
		f.Entitlement = &s
	}
	if s := r.String("ticket_id"); s != "" {
		f.TicketID = &s
	}
	return storedFinding{Finding: f, Version: uint64(r.Int("version"))}
}

func findingRow(f *schemas.Finding, now time.Time, version uint64) []any {
	return []any{f.FindingID, f.Kind, string(f.Severity), string(f.Status), f.Principal, deref(f.Entitlement),
		deref(f.TicketID), f.EventIDs, f.Summary, f.Controls, f.DetectedAt, f.ResolvedAt, now, version}
}

// reconcile compares the findings the facts imply (desired) with the stored
// ones in scope and returns the rows to write and the changed findings:
// new ones OPEN, stored ones no longer implied RESOLVED, resolved ones implied
// again re-OPENED. Unchanged findings produce nothing, which is what makes a
// repeated batch a no-op.
func reconcile(desired []schemas.Finding, stored map[string]storedFinding, now time.Time) ([][]any, []schemas.Finding) {
	var rows [][]any
	var changed []schemas.Finding
	nowMs := uint64(now.UnixMilli())
	next := func(prev uint64) uint64 { return max(prev+1, nowMs) }
	seen := map[string]bool{}
	for _, d := range desired {
		if seen[d.FindingID] {
			continue
		}
		seen[d.FindingID] = true
		old, ok := stored[d.FindingID]
		switch {
		case !ok:
			d.DetectedAt = now
			rows = append(rows, findingRow(&d, now, next(0)))
			changed = append(changed, d)
		case old.Status == schemas.FindingResolved:
			d.DetectedAt = now // detected again: each state change has its own time
			rows = append(rows, findingRow(&d, now, next(old.Version)))
			changed = append(changed, d)
		}
	}
	for id, old := range stored {
		if seen[id] || old.Status != schemas.FindingOpen {
			continue
		}
		f := old.Finding
		f.Status = schemas.FindingResolved
		f.ResolvedAt = &now
		rows = append(rows, findingRow(&f, now, next(old.Version)))
		changed = append(changed, f)
	}
	return rows, changed
}

// FindingFilter selects findings for Findings. Zero fields match everything.
type FindingFilter struct {
	// ID is a finding id, or a prefix of one (the CLI's table shows the first 10 characters).
	ID        string
	Status    schemas.FindingStatus
	Kind      string
	Principal string
	Since     time.Time // detected at or after
	// UpdatedSince selects findings whose state last changed at or after it.
	UpdatedSince time.Time
	Limit        int
}

// Findings returns the latest state of the findings matching filter, newest
// first; it backs `tollgate findings`.
func (a *Auditor) Findings(ctx context.Context, filter FindingFilter) ([]schemas.Finding, error) {
	var where []string
	if filter.ID != "" {
		where = append(where, "startsWith(finding_id, "+quote(filter.ID)+")")
	}
	if filter.Status != "" {
		where = append(where, "status = "+quote(string(filter.Status)))
	}
	if filter.Kind != "" {
		where = append(where, "kind = "+quote(filter.Kind))
	}
	if filter.Principal != "" {
		where = append(where, "principal = "+quote(filter.Principal))
	}
	if !filter.Since.IsZero() {
		where = append(where, fmt.Sprintf("detected_at >= fromUnixTimestamp64Milli(%d, 'UTC')", filter.Since.UnixMilli()))
	}
	if !filter.UpdatedSince.IsZero() {
		where = append(where, fmt.Sprintf("updated_at >= fromUnixTimestamp64Milli(%d, 'UTC')", filter.UpdatedSince.UnixMilli()))
	}
	q := "SELECT " + findingSelect + " FROM findings FINAL"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY detected_at DESC, finding_id"
	if filter.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", filter.Limit)
	}
	q += aliasSafe
	rows, err := a.store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("auditor: list findings: %w", err)
	}
	out := make([]schemas.Finding, len(rows))
	for i, r := range rows {
		out[i] = findingFromRow(r).Finding
	}
	return out, nil
}

// EvidenceSQL is the read-only query for a finding's evidence events, oldest first: what
// `tollgate findings show` prints beside the finding.
func EvidenceSQL(eventIDs []string) string {
	return "SELECT event_id, occurred_at, source, source_event_type, action, outcome, lane, actor_id, subject_id, entitlement_name, ticket_refs" +
		" FROM events FINAL WHERE event_id IN " + quoteList(eventIDs) + " ORDER BY occurred_at"
}
