package auditor

import "errors"

// ErrInvalidConfig reports a configuration value that fails validation.
var ErrInvalidConfig = errors.New("auditor: invalid configuration")
