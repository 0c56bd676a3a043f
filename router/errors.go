package router

import "errors"

// ErrInvalidPolicy reports a policy text that cannot be loaded: YAML syntax,
// unknown keys, an unknown lane, impact or control, a duplicate rule id, or a
// CEL condition that does not compile or may cost too much. The wrapping
// message names the rule and the problem.
var ErrInvalidPolicy = errors.New("invalid policy")

// ErrEvaluation reports that a rule failed while evaluating one event (for
// instance it exceeded the CEL cost limit). The event cannot be decided and
// belongs on the dead-letter topic; the policy itself stays usable.
var ErrEvaluation = errors.New("policy evaluation failed")

// ErrInvalidTestFile reports a policy test file that cannot be read or parsed.
var ErrInvalidTestFile = errors.New("invalid policy test file")
