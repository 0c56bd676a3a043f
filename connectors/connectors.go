// Package connectors pulls from the vendors' APIs what webhooks cannot push: inventory
// snapshots of who holds what (so grants that predate tollgate land in the ledgers) and
// the audit logs (Okta System Log, Microsoft Graph, Google Admin Reports, CloudTrail).
//
// A Snapshotter lists a system's current holdings; SnapshotEvents turns each holding into
// canonical events marked as observed state (attribute InventoryAttr), which the auditor
// applies as current state rather than as access changes: a grant with no event behind it
// is recorded with origin "snapshot", a grant of the system the principal no longer holds
// is revoked, a suspended holder disables the principal. A Puller reads a log page by page
// from a durable cursor and normalizes each page with the same parsers as the HTTP
// receivers (package ingest). Run, RunSnapshot and RunPull drive both onto Kafka.
package connectors

import (
	"context"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Status is a holder's account state as the inventory reports it.
type Status string

// The account states.
const (
	StatusActive Status = "ACTIVE"
	// StatusSuspended: the account exists but cannot sign in (Okta SUSPENDED, LOCKED_OUT
	// is not this; Entra accountEnabled false; Google suspended; an IAM user without
	// console or key access is still ACTIVE).
	StatusSuspended Status = "SUSPENDED"
	// StatusDeprovisioned: deactivated or deleted (Okta DEPROVISIONED).
	StatusDeprovisioned Status = "DEPROVISIONED"
)

// Holding is one principal's current access in one system, as the inventory lists it.
type Holding struct {
	// Principal is the holder, its ID canonical as ingest computes it for the same vendor's
	// events (ingest.CanonicalID), so snapshot and events meet on one principal.
	Principal schemas.Principal
	Status    Status
	// Grants are every entitlement the holder has in the system now: the complete set, so
	// that one the holder had before and no longer lists is revoked.
	Grants []Grant
	// Credentials are the holder's keys, secrets and tokens (never the secret itself).
	Credentials []Credential
}

// Grant is one entitlement held.
type Grant struct {
	Entitlement schemas.Entitlement
	// GrantedAt is when the vendor says the grant was made (nil: unknown; the auditor
	// then counts from when the snapshot first saw it).
	GrantedAt *time.Time
	// ReviewDue and ExpiresAt, when the system records them (an import file, PIM).
	ReviewDue, ExpiresAt *time.Time
}

// Credential is one credential held.
type Credential struct {
	ID        string
	Kind      schemas.CredentialKind
	Owner     *schemas.Principal
	CreatedAt *time.Time
	ExpiresAt *time.Time
	// LastUsedAt is the vendor's last-use time (IAM AccessKeyLastUsed), when it has one.
	LastUsedAt *time.Time
}

// Snapshotter lists a system's current holdings.
type Snapshotter interface {
	// Source is the vendor the holdings come from.
	Source() schemas.Source
	// System is the entitlement system the snapshot covers completely ("okta", "entra",
	// "aws", "google"): the value of Entitlement.System of every grant it lists, and the
	// system whose missing grants it revokes.
	System() string
	// Snapshot calls emit once per holder and returns when the listing is complete. An
	// error means the listing is incomplete: nothing is revoked for it.
	Snapshot(ctx context.Context, emit func(Holding) error) error
}

// Page is one page of a vendor log.
type Page struct {
	// Events are the page's records normalized by the source's ingest parser.
	Events []schemas.IdentityEvent
	// Cursor resumes after this page; it is saved only once Events are on Kafka.
	Cursor string
	// More reports that the next page can be fetched now; false means caught up (poll
	// again after the interval).
	More bool
	// Newest is the time of the newest record seen so far (for the lag metric); zero if
	// the page had none.
	Newest time.Time
	// Failed are the page's records the source's parser refused, with their raw bytes:
	// RunPull dead-letters them before it saves the cursor, so none is lost.
	Failed []Failed
}

// Failed is one record a puller could not normalize.
type Failed struct {
	Raw []byte
	Err error
}

// Acker is a Puller whose source must be told a page is done (an SQS queue deletes its
// messages): RunPull calls Ack with the page's cursor once the page's events are on Kafka
// and its cursor is saved.
type Acker interface {
	Ack(ctx context.Context, cursor string) error
}

// Puller reads a vendor log from a cursor.
type Puller interface {
	Source() schemas.Source
	// Pull returns the page after cursor; "" starts at the configured start (backfill).
	// Pull honours the vendor's rate limits itself (waits, within ctx).
	Pull(ctx context.Context, cursor string) (Page, error)
}
