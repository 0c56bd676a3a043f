package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/schemas"
)

// storeFindings reads findings from the configured store directly.
func storeFindings(cmd *cobra.Command, cfg *app.Config, filter auditor.FindingFilter) ([]schemas.Finding, error) {
	var out []schemas.Finding
	err := withStoreAuditor(cmd, cfg, func(a *auditor.Auditor) (err error) {
		out, err = a.Findings(cmd.Context(), filter)
		return err
	})
	return out, err
}

// withStoreAuditor runs fn with an auditor over the configured store, closed after.
func withStoreAuditor(cmd *cobra.Command, cfg *app.Config, fn func(*auditor.Auditor) error) error {
	s, err := app.OpenStore(cmd.Context(), cfg, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := auditor.New(s, cfg.Auditor.Detections, auditor.Options{})
	if err != nil {
		return err
	}
	return fn(a)
}

// viaConsole runs onConsole against the running tollgate up's console when one answers (the
// embedded engine is then locked by it), else onStore against an auditor over the
// configured store.
func viaConsole(cmd *cobra.Command, cfg *app.Config, onConsole func(*app.Console) error, onStore func(*auditor.Auditor) error) error {
	if console := app.FindConsole(cmd.Context(), cfg); console != nil {
		return onConsole(console)
	}
	return withStoreAuditor(cmd, cfg, onStore)
}

func openStore(cmd *cobra.Command, g *globals) (*app.Config, *app.Store, error) {
	cfg, _, err := g.load()
	if err != nil {
		return nil, nil, err
	}
	s, err := app.OpenStore(cmd.Context(), cfg, nil)
	if err != nil {
		return nil, nil, err
	}
	return cfg, s, nil
}

func newMigrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the ClickHouse migrations (idempotent; refuses a database from a newer version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, s, err := openStore(cmd, g)
			if err != nil {
				return err
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			applied, err := app.MigrateStore(ctx, cfg, s)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "database %s is up to date\n", cfg.ClickHouse.Database)
			}
			for _, v := range applied {
				fmt.Fprintf(cmd.OutOrStdout(), "applied migration %04d\n", v)
			}
			return nil
		},
	}
}

func newFindingsCmd(g *globals) *cobra.Command {
	var status, kind, principal, since, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "List findings (latest state per finding) as a table, JSON or CSV",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter := auditor.FindingFilter{Kind: strings.ToUpper(kind), Principal: principal, Limit: limit}
			if filter.Kind != "" && !slices.Contains(auditor.Kinds(), filter.Kind) {
				return fmt.Errorf("findings: --kind %q is not a finding kind; the kinds are %s", kind, strings.Join(auditor.Kinds(), ", "))
			}
			switch strings.ToUpper(status) {
			case "", "ALL":
			case "OPEN":
				filter.Status = schemas.FindingOpen
			case "RESOLVED":
				filter.Status = schemas.FindingResolved
			default:
				return fmt.Errorf("findings: --status %q is not open, resolved or all", status)
			}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return fmt.Errorf("findings: --since: %w", err)
				}
				filter.Since = t
			}
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("findings: --format %q is not table, json or csv", format)
			}
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			fs, err := readFindings(cmd, cfg, filter)
			if err != nil {
				return err
			}
			return writeFindings(cmd.OutOrStdout(), format, fs)
		},
	}
	cmd.AddCommand(newFindingShowCmd(g))
	cmd.AddCommand(newTriageCmds(g)...)
	f := cmd.Flags()
	f.StringVar(&status, "status", "all", "open, resolved or all")
	f.StringVar(&kind, "kind", "", "only this kind, e.g. UNTICKETED_ACCESS_CHANGE")
	f.StringVar(&principal, "principal", "", "only this principal id")
	f.StringVar(&since, "since", "", "detected at or after: RFC 3339 time or a duration ago like 24h or 30d")
	f.StringVar(&format, "format", "table", "table, json or csv")
	f.IntVar(&limit, "limit", 1000, "at most this many findings")
	return cmd
}

// readFindings reads findings from the running process's console when one answers (the
// embedded engine is then locked by it), else from the configured store.
func readFindings(cmd *cobra.Command, cfg *app.Config, filter auditor.FindingFilter) ([]schemas.Finding, error) {
	if console := app.FindConsole(cmd.Context(), cfg); console != nil {
		return console.Findings(cmd.Context(), filter)
	}
	return storeFindings(cmd, cfg, filter)
}

// readQuery runs one read-only query the same way.
func readQuery(cmd *cobra.Command, cfg *app.Config, sql string, log *slog.Logger) (*app.QueryResult, error) {
	if console := app.FindConsole(cmd.Context(), cfg); console != nil {
		return console.Query(cmd.Context(), sql)
	}
	s, err := app.OpenQueryStore(cmd.Context(), cfg, log)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return app.ReadOnlyQuery(cmd.Context(), s, sql, log)
}

func newFindingShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show FINDING_ID",
		Short: "Show one finding: its evidence events, ticket, controls and what to do",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			f, err := findOne(cmd, cfg, "findings show", args[0])
			if err != nil {
				return err
			}
			var evidence *app.QueryResult
			if len(f.EventIDs) > 0 {
				evidence, err = readQuery(cmd, cfg, auditor.EvidenceSQL(f.EventIDs), log)
				if err != nil {
					return fmt.Errorf("findings show: evidence: %w", err)
				}
			}
			triage, err := readTriage(cmd, cfg, f.FindingID)
			if err != nil {
				return fmt.Errorf("findings show: triage: %w", err)
			}
			return writeFindingDetail(cmd.OutOrStdout(), f, evidence, triage)
		},
	}
}

// findOne is the finding whose id starts with prefix (at least 6 characters), for verb.
func findOne(cmd *cobra.Command, cfg *app.Config, verb, prefix string) (schemas.Finding, error) {
	if len(prefix) < 6 {
		return schemas.Finding{}, fmt.Errorf("%s: %q is too short; give at least 6 characters of the id", verb, prefix)
	}
	fs, err := readFindings(cmd, cfg, auditor.FindingFilter{ID: strings.ToLower(prefix), Limit: 2})
	if err != nil {
		return schemas.Finding{}, err
	}
	switch len(fs) {
	case 0:
		return schemas.Finding{}, fmt.Errorf("%s: no finding %q (tollgate findings lists their ids)", verb, prefix)
	case 2:
		return schemas.Finding{}, fmt.Errorf("%s: %q is the start of more than one finding id; give more of it", verb, prefix)
	}
	return fs[0], nil
}

// writeFindingDetail prints one finding, its evidence rows (nil: none read), its triage
// and advice.
func writeFindingDetail(w io.Writer, f schemas.Finding, evidence *app.QueryResult, triage auditor.TriageState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("finding", f.FindingID)
	row("kind", f.Kind)
	row("severity", string(f.Severity))
	row("status", string(f.Status))
	row("principal", f.Principal)
	row("entitlement", deref(f.Entitlement))
	row("ticket", deref(f.TicketID))
	row("detected", f.DetectedAt.UTC().Format(time.RFC3339))
	row("resolved", timeOrEmpty(f.ResolvedAt))
	row("controls", strings.Join(f.Controls, ", "))
	row("summary", f.Summary)
	row("what to do", auditor.Advice(f.Kind))
	row("triage", triageLine(triage))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(triage.Decision) > 0 {
		fmt.Fprintf(w, "\ntriage decisions (%d)\n", len(triage.Decision))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  AT\tACTION\tBY\tDETAIL")
		for _, d := range triage.Decision {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.At.UTC().Format(time.RFC3339), d.Action, d.Actor, decisionDetail(d))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nevidence (%d events)\n", len(f.EventIDs))
	if evidence == nil || len(evidence.Rows) == 0 {
		for _, id := range f.EventIDs {
			fmt.Fprintf(w, "  %s (not stored)\n", id)
		}
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  OCCURRED\tSOURCE\tEVENT\tACTION\tOUTCOME\tLANE\tACTOR\tSUBJECT\tENTITLEMENT")
	for _, r := range evidence.Rows {
		fmt.Fprintf(tw, "  %v\t%v\t%v\t%v\t%v\t%v\t%v\t%v\t%v\n", r["occurred_at"], r["source"], r["source_event_type"], r["action"], r["outcome"], r["lane"], r["actor_id"], r["subject_id"], r["entitlement_name"])
	}
	return tw.Flush()
}

// parseSince reads an RFC 3339 time, a date, or a duration ago (Go syntax, or Nd for days).
func parseSince(s string, now time.Time) (time.Time, error) {
	t, err := parseWhen(s, now, -1)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time (2026-01-02, RFC 3339) or a duration (24h, 30d)", s)
	}
	return t, nil
}

// parseWhen reads an RFC 3339 time, a date, or a duration (Go syntax, or Nd for days)
// before now (sign -1) or after it (+1). A duration ahead must be positive.
func parseWhen(s string, now time.Time, sign int) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && (n > 0 || (n == 0 && sign < 0)) {
			return now.AddDate(0, 0, sign*n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || (sign > 0 && d <= 0) {
		return time.Time{}, fmt.Errorf("%q is not a time or a duration", s)
	}
	return now.Add(time.Duration(sign) * d), nil
}

func writeFindings(w io.Writer, format string, fs []schemas.Finding) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if fs == nil {
			fs = []schemas.Finding{}
		}
		return enc.Encode(fs)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"finding_id", "kind", "severity", "status", "principal", "entitlement", "ticket_id", "detected_at", "resolved_at", "event_ids", "controls", "summary"})
		for _, f := range fs {
			_ = cw.Write([]string{f.FindingID, f.Kind, string(f.Severity), string(f.Status), f.Principal, deref(f.Entitlement), deref(f.TicketID),
				f.DetectedAt.UTC().Format(time.RFC3339), timeOrEmpty(f.ResolvedAt), strings.Join(f.EventIDs, " "), strings.Join(f.Controls, " "), f.Summary})
		}
		cw.Flush()
		return cw.Error()
	}
	sorted := slices.Clone(fs)
	slices.SortStableFunc(sorted, func(a, b schemas.Finding) int {
		if c := severityRank(b.Severity) - severityRank(a.Severity); c != 0 {
			return c
		}
		return b.DetectedAt.Compare(a.DetectedAt)
	})
	// One line a finding, fitting 120 columns; the id's first 10 characters are enough for
	// findings show.
	fmt.Fprintf(w, "%-10s %-4s %-4s %-27s %-28s %-11s %s\n", "ID", "SEV", "ST", "KIND", "PRINCIPAL", "DETECTED", "SUMMARY")
	for _, f := range sorted {
		line := fmt.Sprintf("%-10s %-4s %-4s %-27s %-28s %-11s %s", f.FindingID[:min(10, len(f.FindingID))], severityAbbrev(f.Severity), statusAbbrev(f.Status),
			clip(f.Kind, 27), clip(f.Principal, 28), f.DetectedAt.UTC().Format("01-02 15:04"), f.Summary)
		fmt.Fprintln(w, clip(line, tableWidth))
	}
	fmt.Fprintf(w, "%d findings\n", len(fs))
	return nil
}

// tableWidth is the widest line the findings table prints.
const tableWidth = 120

// severityRanks order severities for the table, most severe highest; severityAbbrevs are
// their short names where they differ.
var (
	severityRanks   = map[schemas.Severity]int{schemas.SeverityCritical: 4, schemas.SeverityHigh: 3, schemas.SeverityMedium: 2, schemas.SeverityLow: 1}
	severityAbbrevs = map[schemas.Severity]string{schemas.SeverityCritical: "CRIT", schemas.SeverityMedium: "MED"}
)

func severityRank(s schemas.Severity) int { return severityRanks[s] }

func severityAbbrev(s schemas.Severity) string {
	if a, ok := severityAbbrevs[s]; ok {
		return a
	}
	return string(s)
}

func statusAbbrev(s schemas.FindingStatus) string {
	if s == schemas.FindingResolved {
		return "RES"
	}
	return string(s)
}

// clip cuts s to n runes, ending in … when it was longer.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func timeOrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func newQueryCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   `query "SELECT …"`,
		Short: "Run one read-only SELECT against the audit store (anything else is refused)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sql := args[0]
			if err := clickhouse.CheckReadOnly(sql); err != nil {
				return err
			}
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("query: --format %q is not table, json or csv", format)
			}
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			res, err := readQuery(cmd, cfg, sql, log)
			if err != nil {
				return err
			}
			return writeRows(cmd.OutOrStdout(), format, res.Columns, res.Rows)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	return cmd
}

func writeRows(w io.Writer, format string, cols []string, rows []clickhouse.Row) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(cols)
		for _, r := range rows {
			rec := make([]string, len(cols))
			for i, c := range cols {
				rec[i] = cell(r[c])
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = cell(r[c])
		}
		fmt.Fprintln(tw, strings.Join(rec, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d rows\n", len(rows))
	return nil
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []string:
		return "[" + strings.Join(x, ",") + "]"
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
