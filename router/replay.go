package router

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// LaneChange counts the replayed events that one policy sends to From and the
// other to To.
type LaneChange struct {
	From, To schemas.Lane
	Count    int
	// Examples are up to ReplayOptions.Examples event ids.
	Examples []string
}

// ReplayReport is the what-if of a policy change over a history of events.
type ReplayReport struct {
	OldVersion, NewVersion string
	// Events is how many events were replayed.
	Events int
	// Changed is how many changed lane.
	Changed int
	// RuleChanged is how many kept their lane but were decided by another rule
	// or with another impact.
	RuleChanged int
	// Errors counts events either policy failed to evaluate; ErrorExamples
	// holds a few of their ids with the error.
	Errors        int
	ErrorExamples []string
	// Changes lists lane changes, largest first.
	Changes []LaneChange
}

// ReplayOptions tunes Replay.
type ReplayOptions struct {
	// Examples is the number of example event ids kept per lane pair (default 5).
	Examples int
}

// Replay re-evaluates events under the old and new policies and counts how
// many would change lane, by from→to pair. An error yielded by the sequence
// stops the replay and is returned with the report so far.
func Replay(events iter.Seq2[*schemas.IdentityEvent, error], oldP, newP *Policy, opts ReplayOptions) (ReplayReport, error) {
	if opts.Examples <= 0 {
		opts.Examples = 5
	}
	rep := ReplayReport{OldVersion: oldP.Version(), NewVersion: newP.Version()}
	byPair := map[[2]schemas.Lane]*LaneChange{}
	now := time.Now()
	for ev, err := range events {
		if err != nil {
			return finish(rep, byPair), fmt.Errorf("replay: read event %d: %w", rep.Events+1, err)
		}
		rep.Events++
		before, errOld := oldP.Decide(ev, now)
		after, errNew := newP.Decide(ev, now)
		if errOld != nil || errNew != nil {
			rep.Errors++
			if len(rep.ErrorExamples) < opts.Examples {
				rep.ErrorExamples = append(rep.ErrorExamples, fmt.Sprintf("%s: %v", ev.EventID, firstErr(errOld, errNew)))
			}
			continue
		}
		if before.Lane == after.Lane {
			if before.RuleID != after.RuleID || before.Impact != after.Impact {
				rep.RuleChanged++
			}
			continue
		}
		rep.Changed++
		key := [2]schemas.Lane{before.Lane, after.Lane}
		c := byPair[key]
		if c == nil {
			c = &LaneChange{From: before.Lane, To: after.Lane}
			byPair[key] = c
		}
		c.Count++
		if len(c.Examples) < opts.Examples {
			c.Examples = append(c.Examples, ev.EventID)
		}
	}
	return finish(rep, byPair), nil
}

func finish(rep ReplayReport, byPair map[[2]schemas.Lane]*LaneChange) ReplayReport {
	for _, c := range byPair {
		rep.Changes = append(rep.Changes, *c)
	}
	slices.SortFunc(rep.Changes, func(a, b LaneChange) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.From != b.From {
			return cmpString(string(a.From), string(b.From))
		}
		return cmpString(string(a.To), string(b.To))
	})
	return rep
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// String renders the report for people.
func (r ReplayReport) String() string {
	s := fmt.Sprintf("replayed %d events: old policy %s, new policy %s\n", r.Events, r.OldVersion, r.NewVersion)
	s += fmt.Sprintf("%d would change lane, %d would keep the lane under another rule or impact, %d could not be evaluated\n",
		r.Changed, r.RuleChanged, r.Errors)
	for _, c := range r.Changes {
		s += fmt.Sprintf("  %-12s -> %-12s %6d  e.g. %v\n", c.From, c.To, c.Count, c.Examples)
	}
	for _, e := range r.ErrorExamples {
		s += "  error: " + e + "\n"
	}
	return s
}
