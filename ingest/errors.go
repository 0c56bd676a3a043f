package ingest

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on. The HTTP layer maps them to status codes.
var (
	// ErrMalformed means the body or an event is not valid JSON.
	ErrMalformed = errors.New("malformed JSON")
	// ErrShape means the JSON is valid but not a shape the source sends.
	ErrShape = errors.New("unexpected payload shape")
	// ErrMissingField means an event lacks a field the source always sends.
	ErrMissingField = errors.New("missing required field")
	// ErrUnknownSource means no parser is registered under the name.
	ErrUnknownSource = errors.New("unknown source")
	// ErrEmpty means the payload holds no events.
	ErrEmpty = errors.New("payload holds no events")
	// ErrUnavailable is what a Producer wraps when Kafka cannot take the batch right now;
	// the handler answers 503 with Retry-After.
	ErrUnavailable = errors.New("kafka unavailable")
)

// EventError is a parse failure of one event of a batch; Index is its position in the batch
// (-1 when the failure concerns the whole body).
type EventError struct {
	Index int
	Err   error
}

// Error names the offending event.
func (e *EventError) Error() string {
	if e.Index < 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("event %d: %v", e.Index, e.Err)
}

// Unwrap returns the cause, so errors.Is finds the sentinel.
func (e *EventError) Unwrap() error { return e.Err }

func bodyErr(err error) error { return &EventError{Index: -1, Err: err} }

func eventErr(i int, err error) error { return &EventError{Index: i, Err: err} }

func missing(field string) error { return fmt.Errorf("%w: %s", ErrMissingField, field) }
