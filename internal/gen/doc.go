// Package gen is tollgate's deterministic load generator (`tollgate gen`).
//
// It plays a company's identity operations as the six sources would deliver
// them: help-desk resets and unlocks behind ServiceNow incidents, access
// requests approved in ServiceNow followed by the matching Okta, Entra, AWS
// or Workspace grant, revocations, access reviews, emergency changes with
// break-glass elevation, NHI key creation and rotation, and sign-in noise.
// A configurable share of scenarios plants one violation of DESIGN.md §5 on
// an identity reserved for it, and the Manifest lists what was planted, so
// a run pushed through ingest, router and auditor can be scored with
// Compare (precision and recall per finding kind).
//
// The same Options always give byte-identical payloads in the same order.
// Payloads are the vendors' native shapes; Normalize turns them into
// canonical events with the ingest parsers, so generated load and live
// webhooks take one path.
package gen
