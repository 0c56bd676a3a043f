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
// Runs end at Options.Now, the wall clock unless pinned, so that an auditor
// running at today's time sees exactly what was planted; the same Options
// with Now pinned always give byte-identical payloads in the same order.
// Violations are planted for Options.Detections, the auditor configuration
// the run will be scored against.
// Payloads are the vendors' native shapes; Normalize turns them into
// canonical events with the ingest parsers, so generated load and live
// webhooks take one path.
package gen
