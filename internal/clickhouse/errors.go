package clickhouse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
)

// ErrBadSQL reports SQL text that cannot be scanned: an unterminated quote or comment.
var ErrBadSQL = errors.New("clickhouse: malformed SQL")

// ErrNotReadOnly reports a query that CheckReadOnly refuses.
var ErrNotReadOnly = errors.New("clickhouse: only a single SELECT statement is allowed")

// ErrSchemaTooNew reports a database migrated by a newer tollgate than this one.
var ErrSchemaTooNew = errors.New("clickhouse: database schema is newer than this build")

// ErrInvalidConfig reports a store or migration setting that fails validation.
var ErrInvalidConfig = errors.New("clickhouse: invalid configuration")

// ErrUnavailable marks a store error that is worth retrying: ClickHouse could not be
// reached, timed out, or reported a transient condition. Errors without it (bad SQL,
// unknown table, type mismatch) will fail again the same way. Test with IsUnavailable.
var ErrUnavailable = errors.New("clickhouse unavailable")

// Exception is an error ClickHouse raised for a statement, in the one form both backends
// report it: every error a backend returns for an engine or server exception wraps one,
// so Code and the read-only guard need no driver. The driver's own error stays reachable
// with errors.As through Unwrap.
type Exception struct {
	// Code is ClickHouse's error code (62 SYNTAX_ERROR, 60 UNKNOWN_TABLE, …).
	Code int
	// Name is the code's name, "" when the backend did not say.
	Name string
	// Message is the exception's text as the backend reported it.
	Message string
	// Err is the backend's error.
	Err error
}

// Error returns the backend's text of the error.
func (e *Exception) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the backend's error.
func (e *Exception) Unwrap() error { return e.Err }

// Code returns the ClickHouse error code carried by err from either backend.
func Code(err error) (int, bool) {
	var ex *Exception
	if errors.As(err, &ex) && ex.Code != 0 {
		return ex.Code, true
	}
	return 0, false
}

// IsUnavailable reports whether err, from any Store, is worth retrying: ErrUnavailable,
// a network or timeout error, or a ClickHouse error code for a transient condition
// (overload, too many parts, read-only replica, Keeper trouble). A caller's own
// cancellation and a TLS verification failure are not unavailability.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	if code, ok := Code(err); ok {
		return transientCodes[code]
	}
	if errors.Is(err, context.Canceled) || isCertificateError(err) {
		return false
	}
	var opErr *net.OpError
	var netErr net.Error
	return errors.As(err, &opErr) ||
		(errors.As(err, &netErr) && netErr.Timeout()) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, driver.ErrBadConn)
}

// isCertificateError reports a TLS verification failure: a configuration
// problem that retrying will not fix.
func isCertificateError(err error) bool {
	var verr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid)
}

// transientCodes are ClickHouse error codes that a retry can outlive.
var transientCodes = map[int]bool{
	159: true, // TIMEOUT_EXCEEDED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203: true, // NO_FREE_CONNECTION
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	279: true, // ALL_CONNECTION_TRIES_FAILED
	319: true, // UNKNOWN_STATUS_OF_INSERT
	425: true, // SYSTEM_ERROR
	999: true, // KEEPER_EXCEPTION
}
