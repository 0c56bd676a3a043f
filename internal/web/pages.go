package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/schemas"
)

// The console's SQL: every statement is built here from quoted values and run through
// the read-only path (Options.Query), like an analyst's query.

const evidenceColumns = "event_id, occurred_at, source, source_event_type, action, outcome, lane, rule_id, reasons," +
	" actor_id, subject_id, entitlement_name, entitlement_system, entitlement_privilege, ticket_id, ticket_refs, raw"

// maxEvidence bounds the evidence rows a finding page shows.
const maxEvidence = 50

func evidenceSQL(ids []string) string {
	return "SELECT " + evidenceColumns + " FROM events FINAL WHERE event_id IN " + clickhouse.QuoteList(ids) + " ORDER BY occurred_at"
}

func ticketSQL(id string) string {
	return "SELECT ticket_id, system, kind, state, approval, approver_id, requester_id, requested_for_id, requested_entitlement," +
		" justification, emergency, identity_verified, review_due, access_expires, opened_at, updated_at FROM tickets FINAL WHERE ticket_id = " +
		clickhouse.Quote(id)
}

// grantLabel is the entitlement as findings name it (auditor's grant.label).
const grantLabel = "if(entitlement_system != '', concat(entitlement_system, ':', if(entitlement_name != '', entitlement_name, entitlement_id))," +
	" if(entitlement_name != '', entitlement_name, entitlement_id))"

const grantColumns = "entitlement_key, " + grantLabel + " AS entitlement, entitlement_privilege, state, lane, granted_at, revoked_at," +
	" ticket_id, approver, review_due, expires_at, last_reviewed_at, disabled_at, grant_event_id"

// grantSQL finds the grant a finding names: by the finding's label (system:name), else by
// the bare name or id (SELF_APPROVED names the ticket's requested entitlement).
func grantSQL(principal, label string) string {
	l := clickhouse.Quote(label)
	return "SELECT " + grantColumns + " FROM grants FINAL WHERE principal = " + clickhouse.Quote(principal) +
		" AND (" + grantLabel + " = " + l + " OR entitlement_name = " + l + " OR entitlement_id = " + l + ")" +
		" ORDER BY " + grantLabel + " = " + l + " DESC, granted_at DESC LIMIT 1"
}

func principalGrantsSQL(principal string) string {
	return "SELECT " + grantColumns + " FROM grants FINAL WHERE principal = " + clickhouse.Quote(principal) +
		" ORDER BY state, granted_at DESC LIMIT 500"
}

func principalCredentialsSQL(principal string) string {
	return "SELECT credential_id, kind, owner, created_at, rotated_at, deleted_at, expires_at FROM credentials FINAL WHERE principal = " +
		clickhouse.Quote(principal) + " ORDER BY credential_id LIMIT 500"
}

func principalTicketsSQL(principal string) string {
	p := clickhouse.Quote(principal)
	return "SELECT ticket_id, system, kind, state, approval, approver_id, requester_id, requested_entitlement, opened_at FROM tickets FINAL" +
		" WHERE requested_for_id = " + p + " OR requester_id = " + p +
		" OR ticket_id IN (SELECT ticket_id FROM grants FINAL WHERE principal = " + p + " AND ticket_id != '')" +
		" ORDER BY opened_at DESC LIMIT 200"
}

func principalEventsSQL(principal string) string {
	return "SELECT event_id, occurred_at, source, source_event_type, action, outcome, lane, actor_id, entitlement_name FROM events FINAL" +
		" WHERE principal = " + clickhouse.Quote(principal) + " ORDER BY occurred_at DESC LIMIT 100"
}

// laneVolumeSQL counts events per lane and hour over the two days up to the newest event.
const laneVolumeSQL = "SELECT lane, toStartOfHour(occurred_at) AS hour, uniqExact(event_id) AS events FROM events" +
	" WHERE occurred_at >= (SELECT max(occurred_at) FROM events) - INTERVAL 47 HOUR GROUP BY lane, hour ORDER BY hour, lane"

const triageQueueSQL = "SELECT event_id, occurred_at, source, source_event_type, rule_id, reasons, principal, actor_id FROM events FINAL" +
	" WHERE lane = 'TRIAGE' ORDER BY occurred_at DESC LIMIT 200"

// row is one result row with its values formatted for a page.
type row map[string]any

// Str is a column's value as text ("" for NULL).
func (r row) Str(col string) string { return format(r[col]) }

func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.UTC().Format("2006-01-02 15:04:05")
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = format(e)
		}
		return strings.Join(parts, ", ")
	case *bool:
		if x == nil {
			return ""
		}
		return fmt.Sprint(*x)
	}
	return fmt.Sprint(v)
}

func (s *Server) rows(ctx context.Context, sql string) ([]row, error) {
	res, err := s.o.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := make([]row, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = row(r)
	}
	return out, nil
}

// listed is a finding with its triage state, for the list and the principal page.
type listed struct {
	schemas.Finding
	Triage auditor.TriageState
}

// severityRank orders severities, most severe first.
var severityRank = map[schemas.Severity]int{schemas.SeverityCritical: 0, schemas.SeverityHigh: 1, schemas.SeverityMedium: 2, schemas.SeverityLow: 3}

// withTriage pairs findings with their triage states, sorted by severity then newest first.
func (s *Server) withTriage(ctx context.Context, fs []schemas.Finding) ([]listed, error) {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.FindingID
	}
	states := map[string]auditor.TriageState{}
	for chunk := range slices.Chunk(ids, 1000) {
		st, err := s.o.Auditor.Triages(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for k, v := range st {
			states[k] = v
		}
	}
	out := make([]listed, len(fs))
	for i, f := range fs {
		out[i] = listed{Finding: f, Triage: states[f.FindingID]}
	}
	slices.SortStableFunc(out, func(a, b listed) int {
		if c := severityRank[a.Severity] - severityRank[b.Severity]; c != 0 {
			return c
		}
		return b.DetectedAt.Compare(a.DetectedAt)
	})
	return out, nil
}

// laneChart is the lane-volume chart: one stacked bar per hour.
type laneChart struct {
	Lanes  []laneTotal
	Bars   []laneBar
	Width  int
	Height int
	Max    int64
	From   string
	To     string
}

type laneTotal struct {
	Lane   string
	Events int64
	Class  string
}

type laneBar struct {
	X, Width int
	Hour     string
	Segments []laneSegment
}

type laneSegment struct {
	Y, Height int
	Class     string
	Title     string
}

// lanes in the order the chart stacks them.
var chartLanes = []string{"SERVICE_DESK", "HELP_DESK", "BREAK_GLASS", "NHI", "OBSERVE", "TRIAGE"}

func laneClass(l string) string { return "lane-" + strings.ToLower(strings.ReplaceAll(l, "_", "-")) }

func buildLaneChart(rows []row) laneChart {
	type bucket struct {
		at     time.Time
		counts map[string]int64
	}
	var hours []*bucket
	byHour := map[string]*bucket{}
	totals := map[string]int64{}
	for _, r := range rows {
		h := r.Str("hour")
		b := byHour[h]
		if b == nil {
			b = &bucket{at: asTime(r["hour"]), counts: map[string]int64{}}
			byHour[h] = b
			hours = append(hours, b)
		}
		n := toInt(r["events"])
		b.counts[r.Str("lane")] += n
		totals[r.Str("lane")] += n
	}
	slices.SortFunc(hours, func(a, b *bucket) int { return a.at.Compare(b.at) })
	c := laneChart{Width: 720, Height: 160}
	for _, l := range chartLanes {
		c.Lanes = append(c.Lanes, laneTotal{Lane: l, Events: totals[l], Class: laneClass(l)})
	}
	for _, b := range hours {
		var sum int64
		for _, n := range b.counts {
			sum += n
		}
		c.Max = max(c.Max, sum)
	}
	if len(hours) == 0 || c.Max == 0 {
		return c
	}
	c.From = hours[0].at.UTC().Format("2006-01-02 15:00")
	c.To = hours[len(hours)-1].at.UTC().Format("2006-01-02 15:00")
	slot := c.Width / 48
	for i, b := range hours {
		bar := laneBar{X: i * slot, Width: slot - 2, Hour: b.at.UTC().Format("2006-01-02 15:00")}
		y := c.Height
		for _, l := range chartLanes {
			n := b.counts[l]
			if n == 0 {
				continue
			}
			h := max(1, int(int64(c.Height)*n/c.Max))
			y -= h
			bar.Segments = append(bar.Segments, laneSegment{Y: y, Height: h, Class: laneClass(l), Title: fmt.Sprintf("%s %s: %d", bar.Hour, l, n)})
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}

// asTime reads a time column, as the engine's driver types it or as text.
func asTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x
	case *time.Time:
		if x != nil {
			return *x
		}
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if t, err := time.ParseInLocation(layout, x, time.UTC); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	case int:
		return int64(x)
	case uint32:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	var n int64
	fmt.Sscan(fmt.Sprint(v), &n)
	return n
}

// timelineEntry is one moment of a finding's story.
type timelineEntry struct {
	At   time.Time
	What string
	Who  string
}

func timeline(f schemas.Finding, evidence []row, t auditor.TriageState) []timelineEntry {
	var out []timelineEntry
	for _, e := range evidence {
		at := asTime(e["occurred_at"])
		what := e.Str("source") + " " + e.Str("source_event_type")
		if n := e.Str("entitlement_name"); n != "" {
			what += " (" + n + ")"
		}
		out = append(out, timelineEntry{At: at, What: what + " → " + e.Str("lane"), Who: e.Str("actor_id")})
	}
	out = append(out, timelineEntry{At: f.DetectedAt, What: "finding raised: " + f.Kind, Who: "tollgate"})
	if f.ResolvedAt != nil {
		out = append(out, timelineEntry{At: *f.ResolvedAt, What: "finding resolved", Who: "tollgate"})
	}
	for _, d := range t.Decision {
		out = append(out, timelineEntry{At: d.At, What: "triage: " + decisionText(d), Who: d.Actor})
	}
	slices.SortStableFunc(out, func(a, b timelineEntry) int { return a.At.Compare(b.At) })
	return out
}

func decisionText(d auditor.TriageDecision) string {
	s := string(d.Action)
	if d.Assignee != "" {
		s += " to " + d.Assignee
	}
	if d.Owner != "" && d.Owner != d.Actor {
		s += ", owner " + d.Owner
	}
	if d.Until != nil {
		s += " until " + d.Until.UTC().Format(time.RFC3339)
	}
	if d.Reason != "" {
		s += ": " + d.Reason
	}
	return s
}
