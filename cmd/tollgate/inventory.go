package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/schemas"
)

func newImportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import existing access from files"}
	var format string
	var dryRun, quiet bool
	grants := &cobra.Command{
		Use:   "grants FILE",
		Short: "Import who holds what in a system tollgate has no connector for (JSON lines or CSV)",
		Long: `import grants reads canonical grants — principal, principal_status, principal_type,
entitlement, privilege, system, granted_at, review_due, expires_at — as JSON lines (one object
per line) or CSV with a header row, and produces them to Kafka as the current state of each
system the file names. The auditor records them as grants with origin import and judges them
at its next sweep (REVIEW_OVERDUE, EXPIRED_NOT_REVOKED, ORPHANED_GRANT for a suspended
holder, OVER_BROAD_GRANT, SOD_CONFLICT). A file is a complete listing of each of its systems:
importing it again without a grant revokes that grant. Every problem is reported with its line,
and a file with any problem imports nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("import grants: %w", err)
			}
			defer f.Close()
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(args[0])), ".")
			}
			holdings, err := connectors.ParseImport(f, format, ingest.PrivilegeOf)
			if err != nil {
				return fmt.Errorf("import grants: %s: %w", args[0], err)
			}
			evs := connectors.ImportListings(holdings, time.Now())
			grants, holders := 0, 0
			for _, hs := range holdings {
				holders += len(hs)
				for _, h := range hs {
					grants += len(h.Grants)
				}
			}
			if dryRun {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d grants of %d holders in %d systems, valid (nothing imported: --dry-run)\n", args[0], grants, holders, len(holdings))
				return nil
			}
			deps, err := app.NewDeps(cmd.Context(), cfg, log, app.NewAdmin())
			if err != nil {
				return err
			}
			defer deps.Producer.Close()
			sink := ingest.NewKafkaProducer(deps.Codec, deps.Producer, deps.Topics.Events)
			bar := newBar(quiet, len(evs), "events")
			if err := produceAll(cmd.Context(), sink, evs, bar); err != nil {
				return fmt.Errorf("import grants: %w", err)
			}
			bar.done()
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d grants of %d holders in %d systems (%d events)\n", grants, holders, len(holdings), len(evs))
			return nil
		},
	}
	grants.Flags().StringVar(&format, "format", "", "jsonl or csv (default: from the file's extension)")
	grants.Flags().BoolVar(&dryRun, "dry-run", false, "validate the file, import nothing")
	grants.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.AddCommand(grants)
	return cmd
}

// produceAll produces evs in batches, reporting each to bar.
func produceAll(ctx context.Context, sink connectors.Sink, evs []schemas.IdentityEvent, bar *bar) error {
	for len(evs) > 0 {
		n := min(len(evs), 500)
		if err := sink.Produce(ctx, evs[:n]); err != nil {
			return err
		}
		bar.Add(n)
		evs = evs[n:]
	}
	return nil
}

// bar is a one-line progress bar on stderr (a connectors.Progress).
type bar struct {
	quiet  bool
	target int
	unit   string
	n      int
	start  time.Time
}

func newBar(quiet bool, target int, unit string) *bar {
	return &bar{quiet: quiet, target: target, unit: unit, start: time.Now()}
}

// Add counts n more done and redraws.
func (b *bar) Add(n int) {
	b.n += n
	if b.quiet {
		return
	}
	rate := float64(b.n) / max(time.Since(b.start).Seconds(), 1e-3)
	if b.target <= 0 {
		fmt.Fprintf(os.Stderr, "\r%d %s  %.0f/s ", b.n, b.unit, rate)
		return
	}
	width := 30
	done := min(width, b.n*width/b.target)
	fmt.Fprintf(os.Stderr, "\r[%s%s] %d/%d %s  %.0f/s ", strings.Repeat("=", done), strings.Repeat(" ", width-done), b.n, b.target, b.unit, rate)
}

func (b *bar) done() {
	if !b.quiet && b.n > 0 {
		fmt.Fprintln(os.Stderr)
	}
}

func newSyncCmd(g *globals) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "sync SOURCE",
		Short: "List a source's inventory now (" + strings.Join(app.ConnectorNames, ", ") + ") and produce it as the current state",
		Long: `sync runs one inventory listing of a configured connector (connectors.<source>): every
holder with their account state, grants and credentials, produced to Kafka as observed state.
Grants the source no longer lists, and that no event confirmed after the listing began, are
revoked; a suspended or deprovisioned holder is disabled. A listing that fails part-way
revokes nothing for the holders it did not reach.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			c, err := app.BuildConnector(cmd.Context(), &cfg.Connectors, args[0], time.Time{})
			if err != nil {
				return err
			}
			if c.Snapshotter == nil {
				return fmt.Errorf("sync: connectors.%s.snapshot is false", c.Name)
			}
			deps, err := app.NewDeps(cmd.Context(), cfg, log, app.NewAdmin())
			if err != nil {
				return err
			}
			defer deps.Producer.Close()
			bar := newBar(quiet, 0, "events")
			res, err := connectors.RunSnapshot(cmd.Context(), c.Snapshotter, ingest.NewKafkaProducer(deps.Codec, deps.Producer, deps.Topics.Events), time.Now, bar)
			bar.done()
			if err != nil {
				return fmt.Errorf("sync %s: %w", c.Name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: listed %d holders, %d grants, %d credentials (%d events)\n", c.Name, res.Holders, res.Grants, res.Credentials, res.Events)
			return nil
		},
	}
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func newPullCmd(g *globals) *cobra.Command {
	var since string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "pull SOURCE --since TIME",
		Short: "Backfill a source's audit log from a time (" + strings.Join(app.ConnectorNames, ", ") + ")",
		Long: `pull reads a configured connector's audit log from --since (an RFC 3339 time, a date, or a
duration ago such as 72h or 30d) until it is caught up, through the same normalizers as the
HTTP receivers, and produces the events to Kafka. It keeps its own cursor in memory and does
not move the running connectors' durable cursor; events both read are stored once (the
auditor drops duplicates by event id).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			var from time.Time
			if since != "" {
				if from, err = parseSince(since, time.Now()); err != nil {
					return fmt.Errorf("pull: --since: %w", err)
				}
			}
			c, err := app.BuildConnector(cmd.Context(), &cfg.Connectors, args[0], from)
			if err != nil {
				return err
			}
			if c.Puller == nil {
				return fmt.Errorf("pull: connectors.%s.pull is false", c.Name)
			}
			deps, err := app.NewDeps(cmd.Context(), cfg, log, app.NewAdmin())
			if err != nil {
				return err
			}
			defer deps.Producer.Close()
			bar := newBar(quiet, 0, "events")
			err = connectors.RunPull(cmd.Context(), c.Puller, &connectors.MemoryCursors{}, ingest.NewKafkaProducer(deps.Codec, deps.Producer, deps.Topics.Events),
				connectors.PullOptions{Name: c.Name, Once: true, Log: log, Prog: bar})
			bar.done()
			if err != nil {
				return fmt.Errorf("pull %s: %w", c.Name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: pulled %d events\n", c.Name, bar.n)
			return nil
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "start: an RFC 3339 time, a date, or a duration ago (72h, 30d); default the connector's start or backfill")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}
