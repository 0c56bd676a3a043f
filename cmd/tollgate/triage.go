package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
)

// newTriageCmds are `tollgate findings ack|assign|false-positive|accept|reopen ID`: each
// records one decision about a finding (kept in ClickHouse with who and when) through the
// running tollgate up's console, or straight into the configured store.
func newTriageCmds(g *globals) []*cobra.Command {
	type spec struct {
		use, short string
		action     auditor.TriageAction
		flags      func(*cobra.Command, *auditor.TriageDecision, *string)
	}
	specs := []spec{
		{"ack FINDING_ID", "Acknowledge a finding: someone is on it", auditor.TriageAcknowledge, func(c *cobra.Command, d *auditor.TriageDecision, _ *string) {
			c.Flags().StringVar(&d.Reason, "note", "", "a note kept with the decision")
		}},
		{"assign FINDING_ID --to WHO", "Assign a finding to a person or team", auditor.TriageAssign, func(c *cobra.Command, d *auditor.TriageDecision, _ *string) {
			c.Flags().StringVar(&d.Assignee, "to", "", "who resolves it (required)")
			c.Flags().StringVar(&d.Reason, "note", "", "a note kept with the decision")
		}},
		{"false-positive FINDING_ID --reason TEXT", "Mark a finding a false positive", auditor.TriageFalsePositive, func(c *cobra.Command, d *auditor.TriageDecision, _ *string) {
			c.Flags().StringVar(&d.Reason, "reason", "", "why the finding is wrong (required)")
		}},
		{"accept FINDING_ID --reason TEXT --until DATE", "Accept a finding's risk until a date; it comes back after", auditor.TriageAcceptRisk, func(c *cobra.Command, d *auditor.TriageDecision, until *string) {
			c.Flags().StringVar(&d.Reason, "reason", "", "why the risk is accepted (required)")
			c.Flags().StringVar(until, "until", "", "expiry: a date (2026-12-31), RFC 3339 time or a duration from now (30d, 72h) (required)")
			c.Flags().StringVar(&d.Owner, "owner", "", "who owns the accepted risk (default: --by)")
		}},
		{"reopen FINDING_ID", "Reopen a finding: earlier decisions no longer hold", auditor.TriageReopen, func(c *cobra.Command, d *auditor.TriageDecision, _ *string) {
			c.Flags().StringVar(&d.Reason, "note", "", "a note kept with the decision")
		}},
	}
	var out []*cobra.Command
	for _, sp := range specs {
		var d auditor.TriageDecision
		var until string
		c := &cobra.Command{
			Use:   sp.use,
			Short: sp.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				verb := "findings " + strings.Fields(sp.use)[0]
				cfg, _, err := g.load()
				if err != nil {
					return err
				}
				f, err := findOne(cmd, cfg, verb, args[0])
				if err != nil {
					return err
				}
				dec := d
				dec.FindingID, dec.Action = f.FindingID, sp.action
				if until != "" {
					t, err := parseUntil(until, time.Now())
					if err != nil {
						return fmt.Errorf("%s: --until: %w", verb, err)
					}
					dec.Until = &t
				}
				stored, err := writeTriage(cmd, cfg, dec)
				if err != nil {
					return fmt.Errorf("%s: %w", verb, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s by %s at %s\n", stored.FindingID, stored.Action, stored.Actor, stored.At.UTC().Format(time.RFC3339))
				return nil
			},
		}
		sp.flags(c, &d, &until)
		c.Flags().StringVar(&d.Actor, "by", os.Getenv("USER"), "who decides (default: $USER)")
		out = append(out, c)
	}
	return out
}

// parseUntil reads an expiry: a date, an RFC 3339 time, or a duration from now (Go
// syntax, or Nd for days).
func parseUntil(s string, now time.Time) (time.Time, error) {
	t, err := parseWhen(s, now, +1)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2026-12-31), RFC 3339 time or a duration from now (30d, 72h)", s)
	}
	return t, nil
}

// writeTriage records d through the running tollgate up's console, or in the store.
func writeTriage(cmd *cobra.Command, cfg *app.Config, d auditor.TriageDecision) (auditor.TriageDecision, error) {
	var out auditor.TriageDecision
	err := viaConsole(cmd, cfg, func(c *app.Console) (err error) {
		out, err = c.Triage(cmd.Context(), d)
		return err
	}, func(a *auditor.Auditor) (err error) {
		out, err = a.Triage(cmd.Context(), d)
		return err
	})
	return out, err
}

// readTriage reads a finding's triage state the same way.
func readTriage(cmd *cobra.Command, cfg *app.Config, id string) (auditor.TriageState, error) {
	var st map[string]auditor.TriageState
	err := viaConsole(cmd, cfg, func(c *app.Console) (err error) {
		st, err = c.Triages(cmd.Context(), []string{id})
		return err
	}, func(a *auditor.Auditor) (err error) {
		st, err = a.Triages(cmd.Context(), []string{id})
		return err
	})
	return st[id], err
}

// triageLine is a finding's triage state in words.
func triageLine(st auditor.TriageState) string {
	switch {
	case st.Latest == nil:
		return "untriaged"
	case st.Expired:
		return fmt.Sprintf("untriaged again: the risk acceptance by %s expired %s", st.Latest.Owner, st.Latest.Until.UTC().Format(time.RFC3339))
	case st.State == "":
		return fmt.Sprintf("reopened by %s at %s", st.Latest.Actor, st.Latest.At.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s by %s at %s %s", st.State, st.Latest.Actor, st.Latest.At.UTC().Format(time.RFC3339), decisionDetail(*st.Latest))
}

// decisionDetail is what a decision names beside its action.
func decisionDetail(d auditor.TriageDecision) string {
	var parts []string
	if d.Assignee != "" {
		parts = append(parts, "to "+d.Assignee)
	}
	if d.Owner != "" {
		parts = append(parts, "owner "+d.Owner)
	}
	if d.Until != nil {
		parts = append(parts, "until "+d.Until.UTC().Format(time.RFC3339))
	}
	if d.Reason != "" {
		parts = append(parts, fmt.Sprintf("%q", d.Reason))
	}
	return strings.Join(parts, ", ")
}
