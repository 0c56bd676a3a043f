package kafka

import "log/slog"

// Secret is a string that never prints: fmt, %v, JSON-by-Stringer and slog
// all see "***" (or "" when unset). Read the value with string(s).
type Secret string

const masked = "***"

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return masked
}

// GoString masks the secret under %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the secret when the configuration is dumped.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
