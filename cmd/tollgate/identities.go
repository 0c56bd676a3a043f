package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
)

// newIdentitiesCmd is `tollgate identities [list [ACCOUNT]] | map ACCOUNT IDENTITY | unmap
// ACCOUNT`: the accounts the auditor joins into one person, and an analyst's corrections
// (through the running tollgate up's console, or straight into the configured store).
func newIdentitiesCmd(g *globals) *cobra.Command {
	var format string
	list := func(cmd *cobra.Command, args []string) error {
		if format != "table" && format != "json" {
			return fmt.Errorf("identities: --format %q is not table or json", format)
		}
		cfg, _, err := g.load()
		if err != nil {
			return err
		}
		account := ""
		if len(args) == 1 {
			account = args[0]
		}
		var ps []auditor.Principal
		err = viaConsole(cmd, cfg, func(c *app.Console) (err error) {
			ps, err = c.Principals(cmd.Context(), account)
			return err
		}, func(a *auditor.Auditor) (err error) {
			ps, err = a.Principals(cmd.Context(), account)
			return err
		})
		if err != nil {
			return fmt.Errorf("identities: %w", err)
		}
		return writePrincipals(cmd.OutOrStdout(), format, ps)
	}
	cmd := &cobra.Command{
		Use:   "identities",
		Short: "List the accounts joined into one identity, and correct the joins",
		Long: "The auditor joins one person's accounts (configured aliases and rules, inventory listings and events that\n" +
			"name an id with its email) for ticket matching, SELF_APPROVED, MFA_RESET_THEN_PRIVILEGE and SOD_CONFLICT.\n" +
			"map and unmap record an analyst's correction, which beats every other source; the auditor re-audits the\n" +
			"accounts it moves at its next sweep.",
		Args: cobra.MaximumNArgs(1),
		RunE: list,
	}
	cmd.PersistentFlags().StringVar(&format, "format", "table", "table or json")
	cmd.AddCommand(&cobra.Command{
		Use:   "list [ACCOUNT]",
		Short: "List identities that join accounts, or the one holding ACCOUNT",
		Args:  cobra.MaximumNArgs(1),
		RunE:  list,
	})
	change := func(use, short string, args cobra.PositionalArgs, build func([]string) auditor.IdentityChange) *cobra.Command {
		var reason, by string
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  args,
			RunE: func(cmd *cobra.Command, args []string) error {
				cfg, _, err := g.load()
				if err != nil {
					return err
				}
				ch := build(args)
				ch.Reason, ch.Actor = reason, by
				var stored auditor.IdentityChange
				err = viaConsole(cmd, cfg, func(c *app.Console) (err error) {
					stored, err = c.ChangeIdentity(cmd.Context(), ch)
					return err
				}, func(a *auditor.Auditor) (err error) {
					stored, err = a.ChangeIdentity(cmd.Context(), ch)
					return err
				})
				if err != nil {
					return fmt.Errorf("identities: %w", err)
				}
				if stored.Clear {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: the analyst's mapping is withdrawn by %s; the auditor re-audits it at its next sweep\n", stored.Account, stored.Actor)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is mapped to %s by %s; the auditor re-audits it at its next sweep\n", stored.Account, stored.Identity, stored.Actor)
				}
				return nil
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "why (required; kept with the mapping)")
		c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who decides (default: $USER)")
		return c
	}
	cmd.AddCommand(
		change("map ACCOUNT IDENTITY --reason TEXT", "Map ACCOUNT to IDENTITY (the account itself detaches it from any identity)", cobra.ExactArgs(2),
			func(a []string) auditor.IdentityChange { return auditor.IdentityChange{Account: a[0], Identity: a[1]} }),
		change("unmap ACCOUNT --reason TEXT", "Withdraw the analyst's mapping of ACCOUNT: the other sources decide again", cobra.ExactArgs(1),
			func(a []string) auditor.IdentityChange { return auditor.IdentityChange{Account: a[0], Clear: true} }),
	)
	return cmd
}

// writePrincipals prints identities as a table (one account a line) or JSON.
func writePrincipals(w io.Writer, format string, ps []auditor.Principal) error {
	if format == "json" {
		if ps == nil {
			ps = []auditor.Principal{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "no identity joins accounts yet")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTITY\tACCOUNT\tSOURCE\tWHY")
	for _, p := range ps {
		for i, a := range p.Accounts {
			id := p.Identity
			if i > 0 {
				id = ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termText(id), termText(a.Account), termText(a.Source), termText(a.Reason))
		}
	}
	return tw.Flush()
}

// termText is s, quoted when it holds a control character (an account or reason learned
// from an event must not drive the analyst's terminal).
func termText(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) {
		return strconv.Quote(s)
	}
	return s
}
