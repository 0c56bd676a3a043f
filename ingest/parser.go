package ingest

import (
	"sort"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Parser turns one request body from a source (a batch: one or many vendor events) into
// canonical events. It returns an *EventError wrapping ErrMalformed, ErrShape or
// ErrMissingField for bad input, and never panics. now is the receive time: ingested_at, and
// occurred_at of events without a usable timestamp.
type Parser interface {
	Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error)
}

// ParserFunc adapts a function to Parser.
type ParserFunc func(body []byte, now time.Time) ([]schemas.IdentityEvent, error)

// Parse calls f.
func (f ParserFunc) Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return f(body, now)
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
}

// Parsers returns the parser of every source, keyed by source name.
func Parsers(opts ParserOptions) map[string]Parser {
	if opts.JiraRequestTypeField == "" {
		opts.JiraRequestTypeField = DefaultJiraRequestTypeField
	}
	return map[string]Parser{
		SourceOkta:            ParserFunc(ParseOkta),
		SourceEntra:           ParserFunc(ParseEntra),
		SourceCloudTrail:      ParserFunc(ParseCloudTrail),
		SourceGoogleWorkspace: ParserFunc(ParseWorkspace),
		SourceServiceNow:      ParserFunc(ParseServiceNow),
		SourceJiraSM:          JiraParser{RequestTypeField: opts.JiraRequestTypeField},
		SourceGeneric:         ParserFunc(ParseGeneric),
	}
}

// SourceNames lists the vendor sources served under /v1/ingest/{source}, sorted.
func SourceNames() []string {
	names := []string{SourceOkta, SourceEntra, SourceCloudTrail, SourceGoogleWorkspace, SourceServiceNow, SourceJiraSM}
	sort.Strings(names)
	return names
}

// eachItem decodes a batch whose events are items and parses each with one, wrapping
// failures with the item's index. An empty batch is ErrEmpty.
func eachItem[T any](items []T, now time.Time, one func(T, time.Time) ([]schemas.IdentityEvent, error)) ([]schemas.IdentityEvent, error) {
	if len(items) == 0 {
		return nil, bodyErr(ErrEmpty)
	}
	out := make([]schemas.IdentityEvent, 0, len(items))
	for i, it := range items {
		evs, err := one(it, now)
		if err != nil {
			return nil, eventErr(i, err)
		}
		out = append(out, evs...)
	}
	return out, nil
}
