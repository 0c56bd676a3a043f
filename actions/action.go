package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Event is what happened to a finding, as outbound actions name it (the webhook's "type").
type Event string

// The events of a finding.
const (
	// EventOpened: the finding was announced open, for the first time or again after it
	// resolved.
	EventOpened Event = "finding.opened"
	// EventUpdated: an open finding was announced again with a changed summary, severity,
	// ticket or proving events.
	EventUpdated Event = "finding.updated"
	// EventResolved: the finding resolved itself.
	EventResolved Event = "finding.resolved"
)

// Events lists every event, in the order of a finding's life.
func Events() []Event { return []Event{EventOpened, EventUpdated, EventResolved} }

// Action is one thing to tell the sinks: a finding's state change.
type Action struct {
	// Event is what happened.
	Event Event
	// ID is the findings record's ce_id (`<finding_id>.<open|resolved>.<unix ms>`): one per
	// state change, the same when the same state is delivered again. Webhooks carry it as
	// their idempotency key.
	ID string
	// Finding is the record's value.
	Finding schemas.Finding
}

// Sink is one outbound destination.
//
// Contract: Send returns nil once the destination has taken the action, and may be called
// again with the same action (a redelivery, a retry after a timeout whose request did
// arrive): a ticket sink must not open a second ticket then; a notification sink may notify
// again, with the same idempotency key. An error says why; Retryable decides whether
// another attempt may succeed. Send must honour ctx.
type Sink interface {
	// Name is the sink's name in configuration, metrics and dead letters.
	Name() string
	Send(ctx context.Context, a Action) error
}

// Fingerprint is what an update changes: status, severity, summary, ticket and the proving
// event ids. The same finding published twice with equal fingerprints is a republish.
func Fingerprint(f *schemas.Finding) string {
	h := sha256.New()
	ids := slices.Clone(f.EventIDs)
	slices.Sort(ids)
	ticket := ""
	if f.TicketID != nil {
		ticket = *f.TicketID
	}
	for _, s := range append([]string{string(f.Status), string(f.Severity), f.Summary, ticket}, ids...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Tracker remembers the last state of each finding this process acted on, so a findings
// record can be told apart as opened, updated, resolved or a republish with nothing new.
// It lives in memory only: after a restart the first record of each finding counts as new,
// and the ticket sinks' lookups on the vendor keep that from opening a second ticket.
type Tracker struct {
	mu   sync.Mutex
	max  int
	last map[string]tracked // by finding_id
}

type tracked struct {
	status      schemas.FindingStatus
	fingerprint string
}

// DefaultTrackerSize bounds how many findings a Tracker remembers.
const DefaultTrackerSize = 200_000

// NewTracker returns a Tracker remembering up to max findings (DefaultTrackerSize if ≤ 0);
// past that it forgets an arbitrary half, which costs at most a repeated notification.
func NewTracker(max int) *Tracker {
	if max <= 0 {
		max = DefaultTrackerSize
	}
	return &Tracker{max: max, last: map[string]tracked{}}
}

// Classify returns the action a findings record is, and false for a republish of the state
// last acted on (nothing to do).
func (t *Tracker) Classify(f *schemas.Finding, id string) (Action, bool) {
	fp := Fingerprint(f)
	t.mu.Lock()
	prev, seen := t.last[f.FindingID]
	t.mu.Unlock()
	if seen && prev.fingerprint == fp {
		return Action{}, false
	}
	a := Action{ID: id, Finding: *f}
	switch {
	case f.Status == schemas.FindingResolved:
		a.Event = EventResolved
	case seen && prev.status == schemas.FindingOpen:
		a.Event = EventUpdated
	default: // never seen, or seen resolved: (re-)opened
		a.Event = EventOpened
	}
	return a, true
}

// Done records that the action's record was given its fate (sent, or dead-lettered).
func (t *Tracker) Done(a Action) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.last) >= t.max {
		n := 0
		for k := range t.last {
			delete(t.last, k)
			if n++; n >= t.max/2 {
				break
			}
		}
	}
	t.last[a.Finding.FindingID] = tracked{status: a.Finding.Status, fingerprint: Fingerprint(&a.Finding)}
}

// Forget drops what the tracker knows of the findings ids: their next record counts as new.
func (t *Tracker) Forget(ids ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		delete(t.last, id)
	}
}

// stateTime is when f entered its status.
func stateTime(f *schemas.Finding) time.Time {
	if f.Status == schemas.FindingResolved && f.ResolvedAt != nil {
		return *f.ResolvedAt
	}
	return f.DetectedAt
}

// title is the one-line description of an action, for ticket summaries and chat.
func title(a Action) string {
	f := &a.Finding
	return fmt.Sprintf("[%s] %s: %s", f.Severity, f.Kind, f.Principal)
}

// describe is the plain-text body of a comment about a: the finding and the change.
func describe(a Action) string {
	return describeFinding(&a.Finding) + fmt.Sprintf("Change: %s (%s)\n", a.Event, a.ID)
}

// describeFinding is the plain-text description of a ticket about f: the same for the
// same state of the finding, so a ticket sink can tell a redelivery from an update by
// comparing it with the ticket's.
func describeFinding(f *schemas.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", f.Summary)
	fmt.Fprintf(&b, "Finding: %s\nKind: %s\nSeverity: %s\nStatus: %s\nPrincipal: %s\n", f.FindingID, f.Kind, f.Severity, f.Status, f.Principal)
	if f.Entitlement != nil {
		fmt.Fprintf(&b, "Entitlement: %s\n", *f.Entitlement)
	}
	if f.TicketID != nil {
		fmt.Fprintf(&b, "Ticket: %s\n", *f.TicketID)
	}
	fmt.Fprintf(&b, "Detected: %s\n", f.DetectedAt.UTC().Format(time.RFC3339))
	if f.ResolvedAt != nil {
		fmt.Fprintf(&b, "Resolved: %s\n", f.ResolvedAt.UTC().Format(time.RFC3339))
	}
	if len(f.EventIDs) > 0 {
		fmt.Fprintf(&b, "Events: %s\n", strings.Join(f.EventIDs, ", "))
	}
	if len(f.Controls) > 0 {
		fmt.Fprintf(&b, "Controls: %s\n", strings.Join(f.Controls, ", "))
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
