package router

import (
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// Coverage is how a set of events, or a catalogue's entries, spread over the lanes under a
// policy, with every event that fell through to the default, grouped by why.
type Coverage struct {
	// What names the input: a catalogue id or a file.
	What   string
	Total  int
	ByLane map[schemas.Lane]int
	// FallThrough are the default's decisions by reason, most frequent first.
	FallThrough []FallThrough
	// Unreadable counts input items that did not parse (files only).
	Unreadable int
}

// FallThrough is one reason the default decided, with how often and a few examples.
type FallThrough struct {
	Why      string
	Count    int
	Examples []string // event types
	// Deliberate is true when a catalogue entry is UNKNOWN on purpose.
	Deliberate bool
}

// TriageShare is the fraction of the input that landed in TRIAGE.
func (c *Coverage) TriageShare() float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(c.ByLane[schemas.LaneTriage]) / float64(c.Total)
}

// EntryEvent is the canonical event an entry of c describes: its action, category and
// entitlement, with outcome SUCCESS, a human actor and subject, and the catalogue's
// attributes as the parser records them. Coverage checks and tests decide it.
func EntryEvent(c *catalog.Catalogue, e catalog.Entry) schemas.IdentityEvent {
	typ := strings.TrimSuffix(e.Key, "*")
	if strings.HasSuffix(e.Key, "*") {
		typ += "example"
	}
	if i := strings.LastIndexAny(typ, ":/"); i >= 0 && i < len(typ)-1 {
		typ = typ[i+1:] // aws service:Action, entra category/activity: the vendor's own name
	}
	ev := schemas.IdentityEvent{
		EventID: "coverage:" + e.Key, Source: schemas.Source(strings.ToUpper(c.Source)), SourceEventType: typ,
		Category: e.Category, Action: e.CanonicalAction(), Outcome: schemas.OutcomeSuccess,
		OccurredAt: time.Unix(0, 0).UTC(), IngestedAt: time.Unix(0, 0).UTC(),
		Actor:      &schemas.Principal{ID: "coverage-actor@example.com", SourceID: "coverage-actor", Type: schemas.PrincipalHuman},
		Subject:    &schemas.Principal{ID: "coverage-subject@example.com", SourceID: "coverage-subject", Type: schemas.PrincipalHuman},
		TicketRefs: []string{}, Attributes: map[string]string{},
	}
	if e.Kind != "" {
		priv := e.Privilege
		if priv == "" {
			priv = schemas.PrivilegeUnknown
		}
		ev.Entitlement = &schemas.Entitlement{ID: e.Key, Name: typ, Kind: e.Kind, Privilege: priv, System: c.Source}
	}
	if e.Category == schemas.CategoryTicket {
		ev.Ticket = &schemas.Ticket{ID: "coverage", System: c.Source, Kind: schemas.TicketServiceRequest, State: "open", Approval: schemas.ApprovalPending}
	}
	c.Apply(&ev, e.Key)
	return ev
}

// CatalogueCoverage decides the event of every entry of c.
func (p *Policy) CatalogueCoverage(c *catalog.Catalogue) (*Coverage, error) {
	evs := make([]schemas.IdentityEvent, 0, len(c.Entries()))
	for _, e := range c.Entries() {
		evs = append(evs, EntryEvent(c, e))
	}
	return p.EventCoverage(c.ID(), evs)
}

// EventCoverage decides every event and counts lanes and fall-throughs.
func (p *Policy) EventCoverage(what string, evs []schemas.IdentityEvent) (*Coverage, error) {
	cov := &Coverage{What: what, ByLane: map[schemas.Lane]int{}}
	byWhy := map[string]*FallThrough{}
	now := time.Now()
	for i := range evs {
		ev := &evs[i]
		d, idx, err := p.decide(ev, now)
		if err != nil {
			return nil, err
		}
		cov.Total++
		cov.ByLane[d.Lane]++
		if idx < len(p.rules) {
			continue
		}
		why := catalogWhy(ev)
		if why == "" {
			why = "no rule decided " + string(ev.Action)
		}
		ft := byWhy[why]
		if ft == nil {
			ft = &FallThrough{Why: why, Deliberate: ev.Attributes[catalog.AttrClass] == catalog.ClassUnknown}
			byWhy[why] = ft
		}
		ft.Count++
		if len(ft.Examples) < 3 {
			ft.Examples = append(ft.Examples, ev.SourceEventType)
		}
	}
	for _, ft := range byWhy {
		cov.FallThrough = append(cov.FallThrough, *ft)
	}
	sort.Slice(cov.FallThrough, func(i, j int) bool {
		a, b := cov.FallThrough[i], cov.FallThrough[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Why < b.Why
	})
	return cov, nil
}

// Write prints the coverage as a lane table and the fall-through reasons, at most limit of
// them (0: all).
func (c *Coverage) Write(w io.Writer, limit int) error {
	ew := &errWriter{w: w}
	ew.printf("%s: %d events", c.What, c.Total)
	if c.Unreadable > 0 {
		ew.printf(", %d unreadable items", c.Unreadable)
	}
	ew.printf("\n")
	for _, l := range schemas.Lanes {
		pct := 0.0
		if c.Total > 0 {
			pct = 100 * float64(c.ByLane[l]) / float64(c.Total)
		}
		ew.printf("  %-13s %7d  %5.1f%%\n", l, c.ByLane[l], pct)
	}
	if len(c.FallThrough) > 0 {
		ew.printf("fell through to the default:\n")
	}
	for i, ft := range c.FallThrough {
		if limit > 0 && i == limit {
			ew.printf("  … %d more reasons\n", len(c.FallThrough)-limit)
			break
		}
		tag := ""
		if ft.Deliberate {
			tag = " [deliberately unknown]"
		}
		ew.printf("  %6d  %s%s (e.g. %s)\n", ft.Count, ft.Why, tag, strings.Join(ft.Examples, ", "))
	}
	return ew.err
}

// String is Write to a string, every reason included.
func (c *Coverage) String() string {
	var b strings.Builder
	_ = c.Write(&b, 0)
	return b.String()
}
