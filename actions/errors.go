package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrRefused marks a failure another attempt cannot fix: the vendor refused the request for
// what it is (bad credentials, missing permission, invalid payload, a transition that does
// not exist), or answered something that is not its documented answer.
var ErrRefused = errors.New("refused")

// SinkError is a sink's failed request: which sink, what it asked, what came back.
type SinkError struct {
	// Sink is the sink's name; Op the request ("POST /api/now/table/incident").
	Sink, Op string
	// Status is the HTTP status, 0 when no answer came.
	Status int
	// RetryAfter is the wait the vendor asked for (Retry-After, X-RateLimit-Reset), if any.
	RetryAfter time.Duration
	// Detail is the vendor's error text, bounded.
	Detail string
	// Err is the transport error when no answer came, or ErrRefused.
	Err error
}

func (e *SinkError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sink %s: %s", e.Sink, e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Err != nil && e.Err != ErrRefused {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *SinkError) Unwrap() error { return e.Err }

// Retryable reports whether another attempt of the failed send may succeed, and the wait
// the vendor asked for (0: the caller's own backoff). It is the one place that decides:
// no answer (network, timeout), 408, 429 and 5xx are transient; every other answer, and
// ErrRefused, is not.
func Retryable(err error) (bool, time.Duration) {
	if err == nil {
		return false, 0
	}
	if errors.Is(err, ErrRefused) {
		return false, 0
	}
	var se *SinkError
	if errors.As(err, &se) && se.Status != 0 {
		switch {
		case se.Status == http.StatusTooManyRequests, se.Status == http.StatusRequestTimeout, se.Status >= 500:
			return true, se.RetryAfter
		default:
			return false, 0
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true, 0
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true, 0
	}
	return se != nil, 0 // a SinkError without an answer is a transport failure
}

// RetryAfter parses the wait a rate-limited answer asks for: Retry-After in seconds or as
// an HTTP date, else X-RateLimit-Reset as a Unix timestamp (ServiceNow) or an ISO 8601 time
// (Atlassian). 0 when none is given or it is in the past; at most a day.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	d := time.Duration(0)
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			d = time.Duration(min(max(secs, 0), 86400)) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	} else if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if unix, err := strconv.ParseInt(v, 10, 64); err == nil && unix > 0 && unix < 1<<40 {
			d = time.Unix(unix, 0).Sub(now)
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			d = t.Sub(now)
		} else if t, err := time.Parse("2006-01-02T15:04Z07:00", v); err == nil {
			d = t.Sub(now)
		}
	}
	return min(max(d, 0), 24*time.Hour)
}
