// Package ingest is the front door of tollgate: HTTP receivers for Okta, Entra ID, CloudTrail,
// Google Workspace, ServiceNow, Jira Service Management and canonical/CloudEvents producers.
// Each source has a parser that turns one request body (a batch) into canonical
// schemas.IdentityEvent values; normalization (event ids, principals, NHI detection,
// privilege, ticket references, OCSF class, secret redaction) is shared and driven by tables.
// The handler hands a whole batch to a Producer and answers 2xx only after the Producer
// returns, so a request is all-or-nothing.
package ingest
