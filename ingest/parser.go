package ingest

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Parser turns one request body from a source (a batch: one or many vendor events) into
// canonical events, item by item, and never panics. now is the receive time: ingested_at,
// and occurred_at of events without a usable timestamp.
//
// ParseBatch returns an error (an *EventError with Index -1 wrapping ErrMalformed, ErrShape
// or ErrEmpty) only when the body as a whole is unusable: not JSON, not a shape the source
// sends, or no items at all. Otherwise every item of the batch has exactly one fate: its
// events, each passed through the one validation of every source (validateEvent), are in
// Batch.Events, or the item is in Batch.Failed with its index, its bytes as received and
// the reason. One bad item never costs the others.
//
// Parse is the all-or-nothing form for tools and tests (policy test, fixtures, generators):
// the events of every item, or the first item's failure as an *EventError.
type Parser interface {
	ParseBatch(body []byte, now time.Time) (Batch, error)
	Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error)
}

// Batch is what a Parser made of one body.
type Batch struct {
	// Items is the number of items (vendor events or deliveries) the body held.
	Items int
	// Events are the good events, in batch order; Origin[i] is the index of the item
	// Events[i] came from (one Workspace activity can hold several events).
	Events []schemas.IdentityEvent
	Origin []int
	// Failed are the items that could not become events, in batch order, each with its
	// index, its raw bytes as received (Raw) and the cause (wrapping ErrMalformed,
	// ErrShape, ErrMissingField or ErrInvalidField).
	Failed []*EventError

	raws []json.RawMessage // the items, for rejecting an item after parsing
}

// reject moves item index from the events to Failed with cause: every event of the item
// goes, because the item is the unit a sender is told about and the DLQ holds.
func (b *Batch) reject(index int, cause error) {
	events, origin := b.Events[:0], b.Origin[:0]
	for i := range b.Events {
		if b.Origin[i] != index {
			events = append(events, b.Events[i])
			origin = append(origin, b.Origin[i])
		}
	}
	b.Events, b.Origin = events, origin
	var raw []byte
	if index >= 0 && index < len(b.raws) {
		raw = b.raws[index]
	}
	b.Failed = append(b.Failed, &EventError{Index: index, Raw: raw, Err: cause})
	sort.SliceStable(b.Failed, func(i, j int) bool { return b.Failed[i].Index < b.Failed[j].Index })
}

// Source names, as they appear in /v1/ingest/{source} and in configuration.
const (
	SourceOkta            = "okta"
	SourceEntra           = "entra"
	SourceCloudTrail      = "cloudtrail"
	SourceGoogleWorkspace = "google_workspace"
	SourceServiceNow      = "servicenow"
	SourceJiraSM          = "jira_sm"
	SourceGeneric         = "generic"
)

// DefaultJiraRequestTypeField is the Jira custom field that most sites use for the
// Service Management request type.
const DefaultJiraRequestTypeField = "customfield_10010"

// ParserOptions are the per-site settings some parsers need.
type ParserOptions struct {
	// JiraRequestTypeField is the id of the sd-customerrequesttype custom field
	// (default customfield_10010). Fields whose value has the request-type shape are found
	// even when this id is wrong.
	JiraRequestTypeField string
	// RequestTypes classify ServiceNow catalog items and categories and JSM request types,
	// before DefaultRequestTypes.
	RequestTypes []RequestTypeRule
}

// Parsers returns the parser of every source, keyed by source name.
func Parsers(opts ParserOptions) map[string]Parser {
	if opts.JiraRequestTypeField == "" {
		opts.JiraRequestTypeField = DefaultJiraRequestTypeField
	}
	jira := JiraParser{RequestTypeField: opts.JiraRequestTypeField}
	rules := append(append([]RequestTypeRule(nil), opts.RequestTypes...), DefaultRequestTypes...)
	return map[string]Parser{
		SourceOkta:            oktaParser,
		SourceEntra:           entraParser,
		SourceCloudTrail:      cloudTrailParser,
		SourceGoogleWorkspace: workspaceParser,
		SourceServiceNow:      requestTypeParser{inner: serviceNowParser, rules: rules},
		SourceJiraSM:          requestTypeParser{inner: itemParser{split: jiraItems, one: jira.event}, rules: rules},
		SourceGeneric:         genericParser,
	}
}

// SourceNames lists the vendor sources served under /v1/ingest/{source}, sorted.
func SourceNames() []string {
	names := []string{SourceOkta, SourceEntra, SourceCloudTrail, SourceGoogleWorkspace, SourceServiceNow, SourceJiraSM}
	sort.Strings(names)
	return names
}

// itemParser is the Parser of every source: split finds the items of a body (or fails for
// the whole body), one normalizes one item.
type itemParser struct {
	split func(body []byte) ([]json.RawMessage, error)
	one   func(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error)
}

// ParseBatch splits body and normalizes and validates every item on its own.
func (p itemParser) ParseBatch(body []byte, now time.Time) (Batch, error) {
	items, err := p.split(body)
	if err != nil {
		return Batch{}, err
	}
	return parseItems(body, items, now, p.one)
}

// Parse is ParseBatch, all or nothing.
func (p itemParser) Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return allOrNothing(p.ParseBatch(body, now))
}

func allOrNothing(b Batch, err error) ([]schemas.IdentityEvent, error) {
	if err != nil {
		return nil, err
	}
	if len(b.Failed) > 0 {
		return nil, b.Failed[0]
	}
	return b.Events, nil
}

// parseItems parses each item with one and validates its events. An empty batch is
// ErrEmpty. A split may hand back a bare body as its only item without validating it
// (decoding validates the success path for free); when that item fails and is not JSON,
// the body as a whole is malformed.
func parseItems(body []byte, items []json.RawMessage, now time.Time, one func(json.RawMessage, time.Time) ([]schemas.IdentityEvent, error)) (Batch, error) {
	if len(items) == 0 {
		return Batch{}, bodyErr(ErrEmpty)
	}
	b := Batch{Items: len(items), Events: make([]schemas.IdentityEvent, 0, len(items)), Origin: make([]int, 0, len(items)), raws: items}
	for i, it := range items {
		evs, err := one(it, now)
		if err == nil {
			for k := range evs {
				if err = validateEvent(&evs[k], now); err != nil {
					break
				}
			}
		}
		if err != nil {
			if len(items) == 1 && len(it) == len(body) && !json.Valid(body) {
				return Batch{}, bodyErr(ErrMalformed)
			}
			b.Failed = append(b.Failed, &EventError{Index: i, Raw: it, Err: err})
			continue
		}
		for range evs {
			b.Origin = append(b.Origin, i)
		}
		b.Events = append(b.Events, evs...)
	}
	return b, nil
}
