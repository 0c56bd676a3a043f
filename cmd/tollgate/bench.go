package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/internal/bench"
)

func newBenchCmd(g *globals) *cobra.Command {
	var quick, asJSON, quiet bool
	var stages, cpuProfile string
	var grants, snapshotGrants []int
	full := bench.FullOptions()
	opts := full
	cmd := &cobra.Command{
		Use:   "bench [--quick] [--json]",
		Short: "Measure the pipeline against the in-process stack, each stage next to a same-run baseline",
		Long: `bench starts an embedded broker, Schema Registry and ClickHouse engine in this process and
measures ingest (vs a bare handler that only produces the body), the router (vs a passthrough
moving the same bytes), the auditor (vs the engine's bulk insert of the same rows, plus
event-to-visible latency at a steady rate), the auditor sweep over seeded active grants, and
the whole pipeline from gen over HTTP to rows visible in ClickHouse, followed by the detection
check: the open findings against the gen manifest, as precision and recall per kind.

--quick uses small sizes (under a minute on two cores) and fails unless the detection check is
perfect; sizes flags override either preset. See docs/benchmarks.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The components' info logs would drown the progress lines; --log-level brings them back.
			_, log, err := g.load("log.level=warn")
			if err != nil {
				return err
			}
			mode := "full"
			if quick {
				mode = "quick"
				q := bench.QuickOptions()
				// Flags the user set win over the quick preset.
				f := cmd.Flags()
				keep := func(name string, dst *int, v int) {
					if !f.Changed(name) {
						*dst = v
					}
				}
				keep("events", &opts.Events, q.Events)
				keep("identities", &opts.Identities, q.Identities)
				keep("nhis", &opts.NHIs, q.NHIs)
				keep("stage-events", &opts.StageEvents, q.StageEvents)
				keep("ingest-events", &opts.IngestEvents, q.IngestEvents)
				keep("concurrency", &opts.Concurrency, q.Concurrency)
				keep("ingest-rate", &opts.IngestRate, q.IngestRate)
				keep("ingest-seconds", &opts.IngestSeconds, q.IngestSeconds)
				keep("auditor-rate", &opts.AuditorRate, q.AuditorRate)
				keep("auditor-seconds", &opts.AuditorSeconds, q.AuditorSeconds)
				if !f.Changed("violation-rate") {
					opts.ViolationRate = q.ViolationRate
				}
				if !f.Changed("grants") {
					grants = q.Grants
				}
				if !f.Changed("snapshot-grants") {
					snapshotGrants = q.SnapshotGrants
				}
			}
			opts.Grants = grants
			opts.SnapshotGrants = snapshotGrants
			if stages != "" {
				opts.Stages = strings.Split(stages, ",")
			}
			opts.Log = log
			if !quiet {
				opts.Progress = os.Stderr
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("bench: cpu profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("bench: cpu profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			rep, err := bench.Run(cmd.Context(), mode, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				err = rep.WriteJSON(out)
			} else {
				err = rep.WriteTable(out)
			}
			if err != nil {
				return err
			}
			if d := rep.Detection; quick && d != nil && !d.Perfect {
				return fmt.Errorf("bench: the detection check is not perfect: %d missed, %d unexpected", len(d.Report.Missed), len(d.Report.Unexpected))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "small sizes for a CI smoke run; fails unless the detection check is perfect")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON instead of a table")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (Go code only; the engine's C++ threads are not sampled) to this file")
	f.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	f.StringVar(&stages, "stages", "", "comma-separated stages to run: "+strings.Join(bench.AllStages, ",")+" (default all)")
	f.IntVar(&opts.Events, "events", full.Events, "gen payloads of the end-to-end run and detection check")
	f.IntVar(&opts.Identities, "identities", full.Identities, "human identities of the gen runs")
	f.IntVar(&opts.NHIs, "nhis", full.NHIs, "non-human identities of the gen runs")
	f.IntVar(&opts.StageEvents, "stage-events", full.StageEvents, "events the router and auditor stages move")
	f.IntVar(&opts.IngestEvents, "ingest-events", full.IngestEvents, "events per ingest case (batch=1 posts a tenth of them)")
	f.IntVar(&opts.Concurrency, "concurrency", full.Concurrency, "concurrent HTTP senders")
	f.IntVar(&opts.IngestRate, "ingest-rate", full.IngestRate, "requests/s of the paced ingest latency case")
	f.IntVar(&opts.IngestSeconds, "ingest-seconds", full.IngestSeconds, "seconds of the paced ingest latency case")
	f.IntVar(&opts.AuditorRate, "auditor-rate", full.AuditorRate, "events/s of the auditor latency case")
	f.IntVar(&opts.AuditorSeconds, "auditor-seconds", full.AuditorSeconds, "seconds of the auditor latency case")
	f.IntSliceVar(&grants, "grants", full.Grants, "active grants to seed for each sweep measurement")
	f.IntSliceVar(&snapshotGrants, "snapshot-grants", full.SnapshotGrants, "grants of each inventory listing the snapshot stage applies")
	f.Int64Var(&opts.Seed, "seed", full.Seed, "gen seed")
	f.Float64Var(&opts.ViolationRate, "violation-rate", full.ViolationRate, "share of gen scenarios that plant a violation")
	return cmd
}
