// Package router decides, for every canonical IdentityEvent read from
// tollgate.events, which lane it belongs to (DESIGN.md §1) and which controls
// the work must show, and gives policy authors the tools to test, explain and
// replay that decision.
//
// The decision is policy-as-code: a YAML file of ordered rules whose `when`
// conditions are CEL expressions over the canonical event, type-checked when
// the policy loads so that a misspelt field or a wrong type is refused before
// the policy runs. The first matching rule wins; the policy's default decides
// the rest. The Kafka consume/produce loop that feeds events through a
// PolicyHolder lives beside this code; this package holds the policy side.
package router
