package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/schemas"
)

// storeFindings reads findings from the configured store directly.
func storeFindings(cmd *cobra.Command, cfg *app.Config, filter auditor.FindingFilter) ([]schemas.Finding, error) {
	s, err := app.OpenStore(cmd.Context(), cfg, nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	a, err := auditor.New(s, cfg.Auditor.Detections, auditor.Options{})
	if err != nil {
		return nil, err
	}
	return a.Findings(cmd.Context(), filter)
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
			var fs []schemas.Finding
			if console := app.FindConsole(cmd.Context(), cfg); console != nil {
				fs, err = console.Findings(cmd.Context(), filter)
			} else {
				fs, err = storeFindings(cmd, cfg, filter)
			}
			if err != nil {
				return err
			}
			return writeFindings(cmd.OutOrStdout(), format, fs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "all", "open, resolved or all")
	f.StringVar(&kind, "kind", "", "only this kind, e.g. UNTICKETED_ACCESS_CHANGE")
	f.StringVar(&principal, "principal", "", "only this principal id")
	f.StringVar(&since, "since", "", "detected at or after: RFC 3339 time or a duration ago like 24h or 30d")
	f.StringVar(&format, "format", "table", "table, json or csv")
	f.IntVar(&limit, "limit", 1000, "at most this many findings")
	return cmd
}

// parseSince reads an RFC 3339 time, a date, or a duration ago (Go syntax, or Nd for days).
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time (2026-01-02, RFC 3339) or a duration (24h, 30d)", s)
	}
	return now.Add(-d), nil
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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DETECTED\tSEVERITY\tSTATUS\tKIND\tPRINCIPAL\tSUMMARY")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.DetectedAt.UTC().Format("2006-01-02 15:04"), f.Severity, f.Status, f.Kind, f.Principal, f.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d findings\n", len(fs))
	return nil
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
			if err := auditor.CheckReadOnly(sql); err != nil {
				return err
			}
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("query: --format %q is not table, json or csv", format)
			}
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			var res *app.QueryResult
			if console := app.FindConsole(cmd.Context(), cfg); console != nil {
				res, err = console.Query(cmd.Context(), sql)
			} else {
				var s *app.Store
				if s, err = app.OpenQueryStore(cmd.Context(), cfg, log); err != nil {
					return err
				}
				defer s.Close()
				res, err = app.ReadOnlyQuery(cmd.Context(), s, sql, log)
			}
			if err != nil {
				return err
			}
			return writeRows(cmd.OutOrStdout(), format, res.Columns, res.Rows)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	return cmd
}

func writeRows(w io.Writer, format string, cols []string, rows []auditor.Row) error {
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
