package kafka

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/segmentio/kafka-go"
)

// ErrUnavailable means Kafka could not be reached or could not accept the
// request in time (connection refused, broker down, leader moving, not
// enough in-sync replicas, deadline passed). Nothing was acknowledged; the
// same request may succeed later. HTTP callers answer 503 with Retry-After.
var ErrUnavailable = errors.New("kafka unavailable")

// ErrRejected means the broker refused the request for what it is (record
// too large, unknown topic, not authorized, invalid record). Retrying the
// same request will not help.
var ErrRejected = errors.New("kafka rejected the request")

// Retryable reports whether err is worth retrying later. It is the one
// place that decides retryable versus fatal for Kafka errors.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	if errors.Is(err, ErrRejected) {
		return false
	}
	// Caller cancellation is not Kafka's fault but the request did not
	// happen, so it can be retried.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// classify wraps err with ErrUnavailable or ErrRejected. kafka.WriteErrors
// (one error per message) count as unavailable when any message failed for
// a retryable reason: the batch as a whole was not acknowledged.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRejected) {
		return err
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		for _, e := range werrs {
			if e != nil && Retryable(e) {
				return errors.Join(ErrUnavailable, err)
			}
		}
		return errors.Join(ErrRejected, err)
	}
	if Retryable(err) {
		return errors.Join(ErrUnavailable, err)
	}
	return errors.Join(ErrRejected, err)
}
