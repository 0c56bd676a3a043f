package router

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// RuleTrace is one rule's verdict on one event, as shown by `tollgate policy
// explain`.
type RuleTrace struct {
	RuleID      string
	Description string
	Lane        schemas.Lane
	Impact      schemas.Impact
	// Matched is true when the rule's condition held.
	Matched bool
	// Decisive is true for the rule that decided the event (the first match).
	Decisive bool
	// Err is the evaluation error, if the condition failed to evaluate.
	Err error
	// Terms are the top-level `&&` terms of the condition with their values;
	// the first false one is why the rule did not match. Empty for a single-term
	// condition.
	Terms []TermTrace
}

// TermTrace is one `&&` term of a rule's condition and its value.
type TermTrace struct {
	Expr  string
	Value string
}

// Explain evaluates every rule against ev (not stopping at the first match)
// and reports each rule's verdict. The last trace is the default, which is
// decisive only when no rule matched.
func (p *Policy) Explain(ev *schemas.IdentityEvent) []RuleTrace {
	act := p.activation(ev)
	traces := make([]RuleTrace, 0, len(p.rules)+1)
	decided := false
	for _, r := range p.rules {
		t := RuleTrace{RuleID: r.id, Description: r.description, Lane: r.lane, Impact: r.impact}
		t.Matched, t.Err = r.eval(ev, act)
		if t.Err == nil && t.Matched && !decided {
			t.Decisive, decided = true, true
		}
		if t.Err != nil && !decided {
			decided = true // Decide stops here with an error.
		}
		for _, c := range r.conjuncts {
			out, _, err := c.program.Eval(act)
			v := fmt.Sprint(out)
			if err != nil {
				v = "error: " + err.Error()
			}
			t.Terms = append(t.Terms, TermTrace{Expr: c.text, Value: v})
		}
		traces = append(traces, t)
	}
	traces = append(traces, RuleTrace{
		RuleID: DefaultRuleID, Description: "no rule matched",
		Lane: p.deflt.lane, Impact: p.deflt.impact, Matched: true, Decisive: !decided,
	})
	return traces
}

// WriteExplanation writes traces as a human-readable report: one line per
// rule with its verdict, and for rules that did not match, the terms of the
// condition with their values.
func WriteExplanation(w io.Writer, ev *schemas.IdentityEvent, traces []RuleTrace) error {
	ew := &errWriter{w: w}
	ew.printf("event %s (%s %s, action %s, outcome %s)\n", ev.EventID, ev.Source, ev.SourceEventType, ev.Action, ev.Outcome)
	a := ev.Attributes
	switch {
	case a[catalog.AttrMiss] != "":
		ew.printf("catalogue: %s\n", a[catalog.AttrMiss])
	case a[catalog.AttrEntry] != "":
		class := a[catalog.AttrClass]
		if class == "" {
			class = "-"
		}
		ew.printf("catalogue: %s entry %q, class %s", a[catalog.AttrCatalog], a[catalog.AttrEntry], class)
		if note := a[catalog.AttrNote]; note != "" {
			ew.printf(" (%s)", note)
		}
		ew.printf("\n")
	default:
		ew.printf("catalogue: none consulted\n")
	}
	var meta []string
	for k, v := range a {
		if !strings.HasPrefix(k, "catalog") && len(v) <= 120 {
			meta = append(meta, k+"="+v)
		}
	}
	if len(meta) > 0 {
		sort.Strings(meta)
		ew.printf("metadata:  %s\n", strings.Join(meta, " "))
	}
	for _, t := range traces {
		mark := "  "
		if t.Decisive {
			mark = "=>"
		}
		verdict := "not matched"
		switch {
		case t.Err != nil:
			verdict = "ERROR: " + t.Err.Error()
		case t.Matched:
			verdict = "matched"
		}
		ew.printf("%s %-32s %-12s %-8s %s\n", mark, t.RuleID, t.Lane, t.Impact, verdict)
		if !t.Matched || t.Err != nil {
			for _, term := range t.Terms {
				ew.printf("      %-6s %s\n", term.Value, term.Expr)
			}
		}
		if t.RuleID == DefaultRuleID && t.Decisive {
			if why := catalogWhy(ev); why != "" {
				ew.printf("      because %s\n", why)
			}
		}
	}
	return ew.err
}

// errWriter keeps the first write error so a report can be written without
// checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
