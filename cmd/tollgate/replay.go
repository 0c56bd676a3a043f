package main

import (
	"bufio"
	"fmt"
	"iter"
	"os"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// replaySources holds the history sources a replay can read.
type replaySources struct {
	file string
}

func newReplayCmd(g *globals, policyPath *string) *cobra.Command {
	var src replaySources
	var newPolicy string
	var examples int
	cmd := &cobra.Command{
		Use:   "replay --policy NEW.yaml",
		Short: "Re-evaluate history under a new policy and report how many events would change lane",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := g.load()
			if err != nil {
				return err
			}
			if newPolicy == "" {
				newPolicy = *policyPath
			}
			if newPolicy == "" {
				return fmt.Errorf("policy replay: --policy NEW.yaml is required (the current policy is router.policy_file or the built-in default)")
			}
			oldP, _, err := loadPolicy("", cfg.Router.PolicyFile)
			if err != nil {
				return err
			}
			newP, _, err := loadPolicy(newPolicy, "")
			if err != nil {
				return err
			}
			var events iter.Seq2[*schemas.IdentityEvent, error]
			switch {
			case src.file != "":
				events = eventsFromFile(src.file)
			default:
				return fmt.Errorf("policy replay: name a history source (--events FILE)")
			}
			rep, err := router.Replay(events, oldP, newP, router.ReplayOptions{Examples: examples})
			fmt.Fprint(cmd.OutOrStdout(), rep.String())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&src.file, "events", "", "read history from a JSONL file of canonical events")
	f.IntVar(&examples, "examples", 5, "example event ids per lane change")
	cmd.Flags().StringVar(&newPolicy, "new", "", "the new policy (same as --policy)")
	return cmd
}

// eventsFromFile yields canonical events from a JSONL file.
func eventsFromFile(path string) iter.Seq2[*schemas.IdentityEvent, error] {
	return func(yield func(*schemas.IdentityEvent, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(nil, err)
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for line := 1; sc.Scan(); line++ {
			if len(sc.Bytes()) == 0 {
				continue
			}
			ev, err := router.DecodeEventJSON(sc.Bytes())
			if err != nil {
				yield(nil, fmt.Errorf("%s:%d: %w", path, line, err))
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(nil, err)
		}
	}
}
