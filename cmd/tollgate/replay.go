package main

import (
	"bufio"
	"fmt"
	"iter"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"

	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// replaySources holds the history sources a replay can read.
type replaySources struct {
	file         string
	clickhouse   bool
	from, to     string
	byOccurredAt bool
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
			var history *router.KafkaHistory
			now := time.Now()
			from, err := parseSinceOrZero(src.from, now)
			if err != nil {
				return fmt.Errorf("policy replay: --from: %w", err)
			}
			to, err := parseSinceOrZero(src.to, now)
			if err != nil {
				return fmt.Errorf("policy replay: --to: %w", err)
			}
			switch {
			case src.file != "":
				events = eventsFromFile(src.file)
			case src.clickhouse:
				// The events table keeps history longer than the topic's retention.
				store, err := app.OpenStore(cmd.Context(), cfg, nil)
				if err != nil {
					return err
				}
				defer store.Close()
				events = auditor.History(cmd.Context(), store, from, to, 0)
			default:
				// The events topic is the history: every event ingest accepted, in order.
				codec, _, err := app.NewCodec(cfg.Registry)
				if err != nil {
					return err
				}
				history = &router.KafkaHistory{Kafka: cfg.Kafka, Codec: codec, ByOccurredAt: src.byOccurredAt, From: from, To: to}
				events = history.Events(cmd.Context())
			}
			rep, err := router.Replay(events, oldP, newP, router.ReplayOptions{Examples: examples})
			fmt.Fprint(cmd.OutOrStdout(), rep.String())
			if history != nil && history.Skipped > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%d records did not decode and were left out (the router dead-lettered them)\n", history.Skipped)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&src.file, "events", "", "read history from a JSONL file of canonical events instead of the events topic")
	f.BoolVar(&src.clickhouse, "from-clickhouse", false, "read history from ClickHouse's events table (kept longer than the topic) instead of the events topic")
	f.StringVar(&src.from, "from", "", "replay events from this time: RFC 3339, a date, or a duration ago like 24h or 7d (default: the oldest kept)")
	f.StringVar(&src.to, "to", "", "replay events before this time (default: now)")
	f.BoolVar(&src.byOccurredAt, "by-occurred-at", false, "select by the event's occurred_at instead of the record time")
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

// parseSinceOrZero is parseSince with "" meaning the zero time (no bound).
func parseSinceOrZero(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseSince(s, now)
}
