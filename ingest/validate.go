package ingest

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgate-io/tollgate/schemas"
)

// Attributes the validation sets when it corrects an event instead of refusing it.
const (
	// AttrOccurredAtRejected holds the vendor's timestamp (RFC 3339) when it was outside
	// the sane range and occurred_at fell back to the receive time.
	AttrOccurredAtRejected = "occurred_at_rejected"
	// AttrDroppedPrefix prefixes the attribute that keeps an optional timestamp the store
	// cannot hold (e.g. "dropped_ticket.access_expires": "9999-12-31T00:00:00Z"); the field
	// itself is cleared.
	AttrDroppedPrefix = "dropped_"
)

// The range of occurred_at that tollgate takes as the time an identity event happened.
// None of the sources existed before 2000, and a time more than a day ahead of the
// receiver's clock is a broken clock or a placeholder, not skew.
var (
	MinOccurredAt      = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxOccurredAtAhead = 24 * time.Hour
)

// The range ClickHouse's DateTime64(3) stores; optional timestamps outside it are dropped.
var (
	minStorableTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxStorableTime = time.Date(2299, 12, 31, 23, 59, 59, 0, time.UTC)
)

// validateEvent is the one check every parsed event of every source passes before ingest
// acknowledges it, so that nothing answered 2xx is later refused by the auditor (which
// requires an event_id, an occurred_at and a ticket id on ticket events, and stores times as
// DateTime64(3)). It corrects what can be corrected without losing the event and refuses
// the rest with ErrInvalidField or ErrMissingField:
//
//   - occurred_at outside [MinOccurredAt, now+MaxOccurredAtAhead] (0001-01-01, epoch
//     zero, year 9999) falls back to the receive time with the occurred_at_fallback
//     attribute, keeping the vendor's value in occurred_at_rejected. The event is real and
//     its order among its neighbours is roughly its arrival order, so storing it with an
//     honest "we do not know exactly when" beats refusing it; rules that need the exact time
//     can test the attribute.
//   - an optional timestamp (credential.expires_at, ticket.review_due, ticket.access_expires,
//     ticket.approved_at) outside what DateTime64(3) holds is cleared and kept as a
//     dropped_<field> attribute: "9999-12-31" is how ITSM tools write "never".
//   - an id that is not valid UTF-8, or holds U+FFFD (what decoding made of invalid bytes or
//     a lone surrogate escape), is refused: silently replacing the bytes would merge two
//     different vendor ids into one event_id or principal.
//   - a ticket event without a ticket id is refused: the ledgers key tickets by it.
func validateEvent(ev *schemas.IdentityEvent, now time.Time) error {
	if ev.EventID == "" {
		return missing("event_id")
	}
	if err := validID("event_id", ev.EventID); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		p    *schemas.Principal
	}{{"actor.id", ev.Actor}, {"subject.id", ev.Subject}} {
		if p.p != nil {
			if err := validID(p.name, p.p.ID); err != nil {
				return err
			}
		}
	}
	if e := ev.Entitlement; e != nil {
		if err := validID("entitlement.id", e.ID); err != nil {
			return err
		}
	}
	if c := ev.Credential; c != nil {
		if err := validID("credential.id", c.ID); err != nil {
			return err
		}
		if c.Owner != nil {
			if err := validID("credential.owner.id", c.Owner.ID); err != nil {
				return err
			}
		}
		dropUnstorable(ev, "credential.expires_at", &c.ExpiresAt)
	}
	if t := ev.Ticket; t != nil {
		if err := validID("ticket.id", t.ID); err != nil {
			return err
		}
		for name, p := range map[string]*schemas.Principal{"ticket.approver.id": t.Approver, "ticket.requester.id": t.Requester, "ticket.requested_for.id": t.RequestedFor} {
			if p != nil {
				if err := validID(name, p.ID); err != nil {
					return err
				}
			}
		}
		dropUnstorable(ev, "ticket.review_due", &t.ReviewDue)
		dropUnstorable(ev, "ticket.access_expires", &t.AccessExpires)
		dropUnstorable(ev, "ticket.approved_at", &t.ApprovedAt)
	}
	if ev.Category == schemas.CategoryTicket && (ev.Ticket == nil || strings.TrimSpace(ev.Ticket.ID) == "") {
		return missing("ticket.id (a TICKET event must name its ticket)")
	}
	if ev.Attributes == nil {
		ev.Attributes = map[string]string{}
	}
	if ev.TicketRefs == nil {
		ev.TicketRefs = []string{}
	}
	if ev.IngestedAt.IsZero() {
		ev.IngestedAt = now.UTC()
	}
	if t := ev.OccurredAt; t.Before(MinOccurredAt) || t.After(now.Add(MaxOccurredAtAhead)) {
		ev.Attributes[AttrOccurredAtRejected] = t.UTC().Format(time.RFC3339Nano)
		ev.OccurredAt = now.UTC()
		ev.Attributes[AttrOccurredAtFallback] = "true"
	}
	return nil
}

// validID refuses an id whose bytes decoding replaced or that is not UTF-8 at all.
func validID(field, id string) error {
	if !utf8.ValidString(id) || strings.ContainsRune(id, utf8.RuneError) {
		return invalid(field, "not valid UTF-8 (an id with replaced bytes could merge with another)")
	}
	return nil
}

// dropUnstorable clears *t when ClickHouse cannot store it, keeping the value as an
// attribute.
func dropUnstorable(ev *schemas.IdentityEvent, field string, t **time.Time) {
	if *t == nil || (!(*t).Before(minStorableTime) && !(*t).After(maxStorableTime)) {
		return
	}
	if ev.Attributes == nil {
		ev.Attributes = map[string]string{}
	}
	ev.Attributes[AttrDroppedPrefix+field] = (*t).UTC().Format(time.RFC3339Nano)
	*t = nil
}
