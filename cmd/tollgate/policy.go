package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/ingest"
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
func nativeParser(jiraField string) router.ParseFunc {
	parsers := ingest.Parsers(ingest.ParserOptions{JiraRequestTypeField: jiraField})
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
			sum, err := router.RunPolicyTests(path, router.TestOptions{Policy: p, Parse: nativeParser(cfg.Ingest.JiraRequestTypeField)})
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
			} else if events, err = nativeParser(cfg.Ingest.JiraRequestTypeField)(source, data); err != nil {
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
	cmd.AddCommand(explain, newReplayCmd(g, &policyPath))
	return cmd
}
