package ingest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// WrapFixture wraps one vendor event the way its source delivers it over HTTP: an Okta
// LogEvent in an event-hook body {"data":{"events":[…]}}, an Entra record in an Event Hubs
// message {"records":[…]}; other sources post the event bare.
func WrapFixture(source string, event json.RawMessage) ([]byte, error) {
	switch source {
	case SourceOkta:
		return json.Marshal(map[string]any{"data": map[string]any{"events": []json.RawMessage{event}}})
	case SourceEntra:
		return json.Marshal(map[string]any{"records": []json.RawMessage{event}})
	default:
		return event, nil
	}
}

// ParseFixture parses one labelled sample event (testdata/fixtures/labelled-events.jsonl:
// its "source" and "event") through the same path an HTTP delivery takes.
func ParseFixture(source string, event json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	p, ok := Parsers(ParserOptions{})[source]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSource, source)
	}
	body, err := WrapFixture(source, event)
	if err != nil {
		return nil, fmt.Errorf("wrap %s fixture: %w", source, err)
	}
	evs, err := p.Parse(body, now)
	if err != nil {
		return nil, fmt.Errorf("parse %s fixture: %w", source, err)
	}
	return evs, nil
}
