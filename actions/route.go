package actions

import (
	"path"
	"slices"

	"github.com/tollgate-io/tollgate/schemas"
)

// Route sends the findings it matches to its sinks.
type Route struct {
	Name string
	// Kinds are path.Match patterns of finding kinds; empty matches every kind.
	Kinds []string
	// MinSeverity is the lowest severity matched; empty matches every severity.
	MinSeverity schemas.Severity
	// Events are the events matched; empty matches every event.
	Events []Event
	Sinks  []Sink
}

// Matches reports whether r takes a.
func (r *Route) Matches(a *Action) bool {
	if len(r.Events) > 0 && !slices.Contains(r.Events, a.Event) {
		return false
	}
	if r.MinSeverity != "" && SeverityRank(a.Finding.Severity) < SeverityRank(r.MinSeverity) {
		return false
	}
	if len(r.Kinds) == 0 {
		return true
	}
	return slices.ContainsFunc(r.Kinds, func(p string) bool {
		ok, err := path.Match(p, a.Finding.Kind)
		return err == nil && ok
	})
}

// SeverityRank orders severities, LOW 1 … CRITICAL 4; 0 for an unknown one.
func SeverityRank(s schemas.Severity) int {
	return slices.Index([]schemas.Severity{schemas.SeverityLow, schemas.SeverityMedium, schemas.SeverityHigh, schemas.SeverityCritical}, s) + 1
}

// Router picks the sinks of an action: every route is tried, and an action goes to the
// union of the matching routes' sinks, each once, in the order first named.
type Router struct{ routes []Route }

// NewRouter returns a Router over routes.
func NewRouter(routes []Route) *Router { return &Router{routes: routes} }

// Sinks returns the sinks a goes to.
func (r *Router) Sinks(a *Action) []Sink {
	var out []Sink
	for i := range r.routes {
		if !r.routes[i].Matches(a) {
			continue
		}
		for _, s := range r.routes[i].Sinks {
			if !slices.ContainsFunc(out, func(o Sink) bool { return o.Name() == s.Name() }) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Empty reports whether r has no route.
func (r *Router) Empty() bool { return len(r.routes) == 0 }
