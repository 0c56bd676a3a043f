// Package ingest is the front door of tollgate: HTTP receivers for Okta, Entra ID, CloudTrail,
// Google Workspace, ServiceNow, Jira Service Management and canonical/CloudEvents producers.
// Each source has a parser that turns one request body (a batch) into canonical
// schemas.IdentityEvent values; normalization (event ids, principals, NHI detection,
// privilege, ticket references, OCSF class, secret redaction) is shared and driven by tables.
// Every item of a batch is judged on its own and passes one validation (validate.go): the
// handler hands the good events and the dead-letter records of the bad items to the
// Producer in one call and answers 2xx only after both were acknowledged, so no item is
// lost and none is acknowledged that Kafka does not hold.
package ingest
