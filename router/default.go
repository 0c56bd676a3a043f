package router

import (
	_ "embed"
	"fmt"
)

//go:embed policies/default.yaml
var defaultPolicyText []byte

// DefaultPolicyText returns the text of the default policy shipped in the
// binary, for users to copy and edit.
func DefaultPolicyText() []byte {
	out := make([]byte, len(defaultPolicyText))
	copy(out, defaultPolicyText)
	return out
}

// DefaultPolicy loads the default policy shipped in the binary. Its tests run
// in this package, so an error here means a broken build, not bad input.
func DefaultPolicy() (*Policy, error) {
	p, err := LoadPolicy(defaultPolicyText)
	if err != nil {
		return nil, fmt.Errorf("default policy: %w", err)
	}
	return p, nil
}
