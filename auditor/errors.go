package auditor

import "errors"

// ErrBadSQL reports SQL text that cannot be scanned: an unterminated quote or comment.
var ErrBadSQL = errors.New("auditor: malformed SQL")

// ErrNotReadOnly reports a query that CheckReadOnly refuses.
var ErrNotReadOnly = errors.New("auditor: only a single SELECT statement is allowed")

// ErrSchemaTooNew reports a database migrated by a newer tollgate than this one.
var ErrSchemaTooNew = errors.New("auditor: database schema is newer than this build")

// ErrInvalidConfig reports a configuration value that fails validation.
var ErrInvalidConfig = errors.New("auditor: invalid configuration")
