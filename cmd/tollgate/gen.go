package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/gen"
)

func newGenCmd(g *globals) *cobra.Command {
	var opts gen.Options
	var outDir, url, manifest, sources, now string
	var toKafka, quiet bool
	cmd := &cobra.Command{
		Use:   "gen [--out DIR | --url URL | --kafka]",
		Short: "Generate deterministic identity operations with planted violations and a manifest of them",
		Long: `gen plays a company's identity operations as Okta, Entra ID, CloudTrail, Google Workspace,
ServiceNow and Jira Service Management deliver them, with a share of planted violations of
every finding kind. Events are dated up to now (--span back from it), so that an auditor
running at today's time, as under tollgate up, sees each planted violation and nothing else;
--now pins that time, and the same --seed and --now give byte-identical output. Write files
for tollgate send (--out), post to a running ingest (--url), or produce canonical events to
Kafka (--kafka, using the configured brokers and registry). The manifest lists what was
planted; score a run with the auditor's findings (tollgate bench does this end to end).

Violations are planted for the configured auditor.detections (the same --config and --set
as tollgate up): SOD_CONFLICT with its sod_pairs, MFA_RESET_THEN_PRIVILEGE with its
privileged_entitlements or, when there are none, with an administrator grant that is also
planted as an OVER_BROAD_GRANT.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{outDir != "", url != "", toKafka} {
				if set {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("gen: choose exactly one output: --out DIR, --url URL or --kafka")
			}
			if sources != "" {
				opts.Sources = strings.Split(sources, ",")
			}
			if now != "" {
				t, err := time.Parse(time.RFC3339, now)
				if err != nil {
					return fmt.Errorf("gen: --now: %w", err)
				}
				opts.Now = t
			}
			cfg, log, err := g.load()
			if err != nil {
				return err
			}
			opts.Detections = &cfg.Auditor.Detections
			var sink gen.Sink
			switch {
			case outDir != "":
				fs, err := gen.NewFileSink(outDir)
				if err != nil {
					return err
				}
				sink = fs
			case url != "":
				sink = &gen.HTTPSink{BaseURL: url, Client: &http.Client{Timeout: 30 * time.Second}}
			default:
				deps, err := app.NewDeps(cmd.Context(), cfg, log, app.NewAdmin())
				if err != nil {
					return err
				}
				defer deps.Producer.Close()
				sink = &gen.EventSink{Producer: ingest.NewKafkaProducer(deps.Codec, deps.Producer, deps.Topics.Events), BatchSize: 500}
			}
			if !quiet {
				opts.Progress = progressBar(cmd, opts.Events)
			}
			m, err := gen.Run(cmd.Context(), opts, sink)
			if !quiet {
				fmt.Fprintln(os.Stderr)
			}
			if err != nil {
				return err
			}
			if manifest != "" {
				if err := m.WriteFile(manifest); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "generated %d events, %d planted violations (now = %s)\n", m.Events, len(m.Entries), m.Now.UTC().Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same output")
	f.IntVar(&opts.Humans, "humans", 1000, "human identities")
	f.IntVar(&opts.NHIs, "nhis", 100, "non-human identities")
	f.IntVar(&opts.Events, "events", 10000, "events to generate")
	f.Float64Var(&opts.ViolationRate, "violation-rate", 0.05, "share of scenarios that plant a violation")
	f.DurationVar(&opts.Span, "span", gen.DefaultSpan, "simulated time the run covers, ending at --now")
	f.StringVar(&now, "now", "", "RFC 3339 time the run ends at and its findings hold (default the current time)")
	f.Float64Var(&opts.Rate, "rate", 0, "events per second to emit (0 = as fast as possible)")
	f.StringVar(&sources, "sources", "", "comma-separated sources to include (default all six)")
	f.StringVar(&outDir, "out", "", "write one JSONL file per source into DIR (for tollgate send)")
	f.StringVar(&url, "url", "", "post to a running ingest at URL")
	f.BoolVar(&toKafka, "kafka", false, "produce canonical events to the configured Kafka")
	f.StringVar(&manifest, "manifest", "", "write the manifest of planted violations to this JSON file")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

// progressBar draws a one-line progress bar on stderr.
func progressBar(cmd *cobra.Command, target int) func(gen.Progress) {
	return func(p gen.Progress) {
		if p.Target > 0 {
			target = p.Target
		}
		frac := 0.0
		if target > 0 {
			frac = float64(p.Sent) / float64(target)
		}
		width := 30
		done := int(frac * float64(width))
		rate := 0.0
		if p.Elapsed > 0 {
			rate = float64(p.Sent) / p.Elapsed.Seconds()
		}
		fmt.Fprintf(os.Stderr, "\r[%s%s] %d/%d events  %.0f/s ", strings.Repeat("=", done), strings.Repeat(" ", width-done), p.Sent, target, rate)
	}
}
