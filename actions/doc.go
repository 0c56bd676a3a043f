// Package actions is what tollgate does about a finding outside itself: the outbound
// actions taken when a finding on tollgate.findings is announced, updated or resolved. It
// sits at the end of the data flow, after the auditor:
//
//	auditor ──> tollgate.findings ──> actions (package actions/service) ──> webhook, Slack,
//	                                                                        ServiceNow, JSM
//
// The package holds the domain: the Action a findings record becomes (Classify), the Sink
// interface and its four implementations (a signed JSON webhook, a Slack incoming webhook,
// a ServiceNow incident through the Table API, a Jira Service Management request), the
// Router that picks the sinks of a finding by kind, severity and event from configuration,
// and the one function that decides whether a sink's failure is worth another attempt
// (Retryable). Delivery — consuming, retrying with backoff, dead-lettering, committing — is
// package actions/service's, on the stage loop every Kafka stage uses.
//
// Ticket sinks are idempotent without a local database: before creating a ticket they look
// it up on the vendor by a correlation key derived from the finding_id (ServiceNow
// correlation_id, a JSM label), so a record delivered again, or again after a restart,
// never opens a second ticket.
package actions
