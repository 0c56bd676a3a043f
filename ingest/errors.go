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
	// ErrInvalidField means an event carries a field tollgate cannot store as sent: an id
	// that is not valid UTF-8 (decoding would replace the bytes and merge distinct ids), a
	// ticket event without a ticket id.
	ErrInvalidField = errors.New("invalid field")
	// ErrTooLarge means an event cannot become a Kafka record within the broker's message
	// size, even with its raw payload truncated.
	ErrTooLarge = errors.New("event too large for a Kafka record")
	// ErrUnavailable is what a Producer wraps when Kafka cannot take the batch right now;
	// the handler answers 503 with Retry-After.
	ErrUnavailable = errors.New("kafka unavailable")
)

// EventError is a parse failure of one event of a batch; Index is its position in the batch
// (-1 when the failure concerns the whole body) and Raw, for an item of a batch, the item's
// bytes as received (what the dead-letter record carries).
type EventError struct {
	Index int
	Raw   []byte
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

func missing(field string) error { return fmt.Errorf("%w: %s", ErrMissingField, field) }

func invalid(field, why string) error { return fmt.Errorf("%w: %s: %s", ErrInvalidField, field, why) }

// TooLargeError says which event of a Produce call cannot become a record.
type TooLargeError struct {
	Event int // index into the events given to Produce
	Bytes int // the record's size with raw truncated
	Limit int
}

// Error names the event and the sizes.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("event %d: record of %d bytes exceeds the %d-byte Kafka message limit even with raw truncated", e.Event, e.Bytes, e.Limit)
}

// Unwrap returns ErrTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }
