package clickhouse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
)

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("something else"), false},
		{fmt.Errorf("wrapped: %w", refused), true},
		{&url.Error{Op: "Post", URL: "http://x", Err: refused}, true},
		{&url.Error{Op: "Post", URL: "http://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("op: %w", context.Canceled), false},
		{io.ErrUnexpectedEOF, true},
		{&Exception{Code: 252, Message: "Too many parts"}, true},
		{fmt.Errorf("exec: %w", &Exception{Code: 241, Message: "Code: 241. Memory limit exceeded"}), true},
		{&Exception{Code: 62, Message: "Syntax error"}, false},
		{&Exception{Code: 60, Message: "Code: 60. Unknown table"}, false},
		{fmt.Errorf("ping: %w: %w", ErrUnavailable, errors.New("down")), true},
	} {
		if got := IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestExceptionKeepsTheBackendError(t *testing.T) {
	cause := errors.New("Code: 60. DB::Exception: Unknown table")
	err := fmt.Errorf("query: %w", &Exception{Code: 60, Name: "UNKNOWN_TABLE", Message: cause.Error(), Err: cause})
	if code, ok := Code(err); !ok || code != 60 {
		t.Errorf("Code = %d, %v; want 60", code, ok)
	}
	if !errors.Is(err, cause) || err.Error() != "query: "+cause.Error() {
		t.Errorf("the backend's error is lost: %v", err)
	}
	if _, ok := Code(errors.New("plain")); ok {
		t.Error("Code found a code in a plain error")
	}
}
