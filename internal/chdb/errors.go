package chdb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrDataDirInUse reports an Open on a data directory other than the one the
// engine already runs on; the engine holds one data directory per process.
var ErrDataDirInUse = errors.New("chdb: engine already runs on another data directory")

// ErrClosed reports use of a DB after Close.
var ErrClosed = errors.New("chdb: database closed")

// EngineError is an error reported by the ClickHouse engine itself: a bad
// statement, a missing table, malformed insert data.
type EngineError struct {
	// Code is the ClickHouse error code ("Code: 62." → 62), 0 when the
	// message carried none.
	Code int
	// Name is the symbolic code name such as SYNTAX_ERROR, "" when absent.
	Name string
	// Message is the engine's full message, trimmed of surrounding space.
	Message string
}

// Error returns the engine's message unchanged, so callers and logs see what
// ClickHouse said.
func (e *EngineError) Error() string { return e.Message }

// ParseEngineError turns an engine message such as
// "Code: 62. DB::Exception: Syntax error: … (SYNTAX_ERROR) (version 26.7.2.1)"
// into an EngineError. Messages without a code keep Code 0.
func ParseEngineError(msg string) *EngineError {
	e := &EngineError{Message: strings.TrimSpace(msg)}
	if i := strings.Index(e.Message, "Code: "); i >= 0 {
		rest := e.Message[i+len("Code: "):]
		end := 0
		for end < len(rest) && end < 9 && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if n, err := strconv.Atoi(rest[:end]); err == nil {
			e.Code = n
		}
	}
	e.Name = codeName(e.Message)
	return e
}

// codeName finds the last parenthesised ALL_CAPS word, which is where
// ClickHouse puts the symbolic name of the code; the version suffix that may
// follow it is skipped because it contains lower case and digits with dots.
func codeName(msg string) string {
	for end := strings.LastIndexByte(msg, ')'); end > 0; end = strings.LastIndexByte(msg[:end], ')') {
		start := strings.LastIndexByte(msg[:end], '(')
		if start < 0 {
			return ""
		}
		if w := msg[start+1 : end]; isCodeName(w) {
			return w
		}
		end = start
		if end == 0 {
			return ""
		}
	}
	return ""
}

func isCodeName(w string) bool {
	if len(w) < 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < 'A' || c > 'Z') && c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return w[0] >= 'A' && w[0] <= 'Z'
}

// engineErr wraps an engine message with the operation that produced it.
func engineErr(op, msg string) error {
	return fmt.Errorf("chdb: %s: %w", op, ParseEngineError(msg))
}
