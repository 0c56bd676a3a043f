package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// loadPolicy reads the policy at path; empty means the configured policy file, then the
// default policy built into the binary.
func loadPolicy(path, configured string) (*router.Policy, string, error) {
	if path == "" {
		path = configured
	}
	if path == "" {
		p, err := router.DefaultPolicy()
		return p, "built-in default policy", err
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("policy: %w", err)
	}
	p, err := router.LoadPolicy(text)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return p, path, nil
}

// nativeParser normalizes a vendor payload with ingest's parsers, for policy tests and
// explain on native events.
func nativeParser(opts ingest.ParserOptions) router.ParseFunc {
	parsers := ingest.Parsers(opts)
	return func(source string, payload []byte) ([]schemas.IdentityEvent, error) {
		p, ok := parsers[source]
		if !ok {
			return nil, fmt.Errorf("unknown source %q (want one of %v)", source, ingest.SourceNames())
		}
		return p.Parse(payload, time.Now())
	}
}

func newPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Test, explain and replay routing policies"}
	var policyPath string
	cmd.PersistentFlags().StringVar(&policyPath, "policy", "", "policy file (default: router.policy_file, else the built-in default)")

	cmd.AddCommand(&cobra.Command{
		Use:   "test [DIR|FILE]",
		Short: "Run policy test files (*_test.yaml) and print failures as expected/got diffs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			p, name, err := loadPolicy(policyPath, cfg.Router.PolicyFile)
			if err != nil {
				return err
			}
			path := "."
			if len(args) == 1 {
				path = args[0]
			}
			sum, err := router.RunPolicyTests(path, router.TestOptions{Policy: p, Parse: nativeParser(cfg.Ingest.Config.ParserOptions())})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "policy %s (version %s)\n", name, p.Version())
			if err := sum.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if !sum.OK() {
				return fmt.Errorf("policy tests failed")
			}
			return nil
		},
	})

	var source string
	explain := &cobra.Command{
		Use:   "explain EVENT.json",
		Short: "Show which rules match an event and why (canonical JSON, or a vendor payload with --source)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			p, _, err := loadPolicy(policyPath, cfg.Router.PolicyFile)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var events []schemas.IdentityEvent
			if source == "" {
				ev, err := router.DecodeEventJSON(data)
				if err != nil {
					return fmt.Errorf("%s: %w (for a vendor payload pass --source)", args[0], err)
				}
				events = []schemas.IdentityEvent{*ev}
			} else if events, err = nativeParser(cfg.Ingest.Config.ParserOptions())(source, data); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			for i := range events {
				if err := router.WriteExplanation(cmd.OutOrStdout(), &events[i], p.Explain(&events[i])); err != nil {
					return err
				}
			}
			return nil
		},
	}
	explain.Flags().StringVar(&source, "source", "", "the file is a vendor payload of this source (okta, entra, cloudtrail, google_workspace, servicenow, jira_sm)")
	cmd.AddCommand(explain, newReplayCmd(g, &policyPath), newCoverageCmd(g, &policyPath))
	return cmd
}

// newCoverageCmd is `tollgate policy coverage`: how a source's catalogue, or a file of its
// events, spreads over the lanes, and what falls through to TRIAGE and why.
func newCoverageCmd(g *globals, policyPath *string) *cobra.Command {
	var source string
	var limit int
	var failOver float64
	cmd := &cobra.Command{
		Use:   "coverage [--source S] [FILE…]",
		Short: "Report how many events (of a catalogue, or of vendor payload files) map to each lane and which fall through",
		Long: `Without FILE, decides the event every catalogue entry of --source describes (every
catalogue without --source). With FILEs, parses each as a vendor payload of --source and
decides its events. Either way it prints the count per lane and every reason the policy's
default decided, so a new feed can be checked before it is turned on. --fail-over PCT exits
non-zero when more than PCT percent land in TRIAGE.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			p, name, err := loadPolicy(*policyPath, cfg.Router.PolicyFile)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "policy %s (version %s)\n", name, p.Version())
			var covs []*router.Coverage
			if len(args) == 0 {
				cats := catalog.ForSource(source)
				if source == "" {
					for _, c := range catalog.All() {
						if c.Source != "example" {
							cats = append(cats, c)
						}
					}
					sort.Slice(cats, func(i, j int) bool { return cats[i].Name < cats[j].Name })
				}
				if len(cats) == 0 {
					return fmt.Errorf("policy coverage: no catalogue for source %q (sources with one: %s)", source, strings.Join(catalogueSources(), ", "))
				}
				for _, c := range cats {
					cov, err := p.CatalogueCoverage(c)
					if err != nil {
						return err
					}
					covs = append(covs, cov)
				}
			} else {
				if source == "" {
					return fmt.Errorf("policy coverage: FILE needs --source (one of %s)", strings.Join(ingest.SourceNames(), ", "))
				}
				parser, ok := ingest.Parsers(cfg.Ingest.Config.ParserOptions())[source]
				if !ok {
					return fmt.Errorf("policy coverage: unknown source %q (want one of %s)", source, strings.Join(ingest.SourceNames(), ", "))
				}
				for _, f := range args {
					data, err := os.ReadFile(f)
					if err != nil {
						return err
					}
					b, err := parser.ParseBatch(data, time.Now())
					if err != nil {
						return fmt.Errorf("%s: %w", f, err)
					}
					cov, err := p.EventCoverage(f, b.Events)
					if err != nil {
						return err
					}
					cov.Unreadable = len(b.Failed)
					covs = append(covs, cov)
				}
			}
			worst := 0.0
			for _, cov := range covs {
				if err := cov.Write(out, limit); err != nil {
					return err
				}
				worst = max(worst, 100*cov.TriageShare())
			}
			if failOver > 0 && worst > failOver {
				return fmt.Errorf("policy coverage: %.1f%% of events land in TRIAGE, more than --fail-over %.1f%%", worst, failOver)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "the source: okta, entra, cloudtrail, google_workspace, servicenow, jira_sm")
	cmd.Flags().IntVar(&limit, "limit", 20, "fall-through reasons to print per input (0: all)")
	cmd.Flags().Float64Var(&failOver, "fail-over", 0, "exit non-zero when more than this percentage lands in TRIAGE")
	return cmd
}

// catalogueSources lists the sources that have a catalogue.
func catalogueSources() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range catalog.All() {
		if !seen[c.Source] && c.Source != "example" {
			seen[c.Source] = true
			out = append(out, c.Source)
		}
	}
	sort.Strings(out)
	return out
}
