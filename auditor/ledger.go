package auditor

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// ticket is the latest state of one ITSM ticket, merged from all its events:
// later events win, and fields a later event leaves empty keep earlier values.
type ticket struct {
	ticketFields
	OpenedAt, UpdatedAt time.Time
	ApprovalEvent       string
	EventIDs            []string
	Version             uint64
}

// mergeTicket folds the events of one ticket (any order) into its state.
func mergeTicket(evs []fact) ticket {
	var t ticket
	t.apply(evs)
	return t
}

// appendable reports whether evs (none of them merged yet) can be applied on top of t
// with the result of merging all of t's events again: every one is later than t's last.
func (t *ticket) appendable(evs []fact) bool {
	return !slices.ContainsFunc(evs, func(f fact) bool { return !f.OccurredAt.After(t.UpdatedAt) })
}

// apply folds evs, later than every event t holds (see appendable), into t.
func (t *ticket) apply(evs []fact) {
	sortFacts(evs)
	for i := range evs {
		f := &evs[i]
		n := f.Ticket
		if len(t.EventIDs) == 0 {
			t.OpenedAt = f.OccurredAt
		}
		t.UpdatedAt = f.OccurredAt
		t.EventIDs = append(t.EventIDs, f.EventID)
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&t.ID, n.ID)
		set(&t.System, n.System)
		set(&t.Kind, n.Kind)
		set(&t.State, n.State)
		set(&t.Approver, n.Approver)
		set(&t.Requester, n.Requester)
		set(&t.RequestedFor, n.RequestedFor)
		set(&t.RequestedForEmail, n.RequestedForEmail)
		set(&t.RequestedEntitlement, n.RequestedEntitlement)
		set(&t.Justification, n.Justification)
		set(&t.RequestType, n.RequestType)
		if n.Approval != "" && n.Approval != string(schemas.ApprovalUnknown) {
			if n.Approval == string(schemas.ApprovalApproved) && t.Approval != string(schemas.ApprovalApproved) {
				t.ApprovalEvent = f.EventID
				at := f.OccurredAt
				if n.ApprovedAt != nil {
					at = *n.ApprovedAt
				}
				t.ApprovedAt = &at
			}
			t.Approval = n.Approval
		}
		if f.Action == schemas.ActionTicketApproved && t.Approval == "" {
			t.Approval = string(schemas.ApprovalApproved)
			t.ApprovalEvent = f.EventID
			at := f.OccurredAt
			t.ApprovedAt = &at
		}
		if n.ApprovedAt != nil {
			t.ApprovedAt = n.ApprovedAt
		}
		t.Emergency = t.Emergency || n.Emergency
		if n.IdentityVerified != nil {
			t.IdentityVerified = n.IdentityVerified
		}
		if n.ReviewDue != nil {
			t.ReviewDue = n.ReviewDue
		}
		if n.AccessExpires != nil {
			t.AccessExpires = n.AccessExpires
		}
	}
	t.Version = uint64(len(t.EventIDs))
}

// sameForAudit reports whether a change of a ticket from a to b leaves every field the
// ledgers and the detections read as it was (then the principals it concerns need no
// refresh): who it is for and from, its kind, approval, approver, entitlement,
// justification, dates and proofing; and, for the tickets judged by their time window or
// closing (incidents, access reviews, proofing records), its state, last update and last
// event. A governed request that only moves through its states (in progress, closed)
// changes nothing the audit reads.
func sameForAudit(a, b *ticket) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqBool := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.ID != b.ID || a.Kind != b.Kind || a.Approval != b.Approval || a.Approver != b.Approver || a.ApprovalEvent != b.ApprovalEvent ||
		a.Requester != b.Requester || a.RequestedFor != b.RequestedFor || a.RequestedForEmail != b.RequestedForEmail ||
		a.RequestedEntitlement != b.RequestedEntitlement || a.Justification != b.Justification ||
		!eqTime(a.ApprovedAt, b.ApprovedAt) || !eqTime(a.ReviewDue, b.ReviewDue) || !eqTime(a.AccessExpires, b.AccessExpires) ||
		!eqBool(a.IdentityVerified, b.IdentityVerified) || !a.OpenedAt.Equal(b.OpenedAt) {
		return false
	}
	windowed := a.Kind == string(schemas.TicketIncident) || a.Kind == string(schemas.TicketAccessReview) ||
		(a.IdentityVerified != nil && *a.IdentityVerified)
	return !windowed || (a.State == b.State && a.UpdatedAt.Equal(b.UpdatedAt) && slices.Equal(a.EventIDs, b.EventIDs))
}

// inert reports a ticket no ledger field or detection reads yet: not approved, not an
// incident, not a closed access review, no identity-proofing record. A new request still
// waiting for its approval is one; its changes refresh nobody until it is approved.
func (t *ticket) inert() bool {
	return !t.approved() && t.Kind != string(schemas.TicketIncident) &&
		!(t.Kind == string(schemas.TicketAccessReview) && closedState(t.State)) &&
		(t.IdentityVerified == nil || !*t.IdentityVerified)
}

func (t *ticket) approved() bool { return t.Approval == string(schemas.ApprovalApproved) }

// governed reports a ticket of the governed path: a service request or change.
func (t *ticket) governed() bool {
	return t.Kind == string(schemas.TicketServiceRequest) || t.Kind == string(schemas.TicketChange)
}

// forPrincipal reports whether the ticket asks for something for p (by id or email).
func (t *ticket) forPrincipal(ids ...string) bool {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if strings.EqualFold(t.RequestedFor, id) || strings.EqualFold(t.RequestedForEmail, id) {
			return true
		}
	}
	return false
}

var ticketColumns = []string{
	"ticket_id", "system", "kind", "state", "approval", "approver_id", "requester_id", "requested_for_id",
	"requested_for_email", "requested_entitlement", "justification", "emergency", "identity_verified",
	"review_due", "access_expires", "request_type", "approved_at", "opened_at", "updated_at",
	"approval_event_id", "event_ids", "version",
}

func (t *ticket) row() []any {
	return []any{t.ID, t.System, t.Kind, t.State, t.Approval, t.Approver, t.Requester, t.RequestedFor,
		t.RequestedForEmail, t.RequestedEntitlement, t.Justification, t.Emergency, t.IdentityVerified,
		t.ReviewDue, t.AccessExpires, t.RequestType, t.ApprovedAt, t.OpenedAt, t.UpdatedAt,
		t.ApprovalEvent, t.EventIDs, t.Version}
}

func ticketFromRow(r Row) ticket {
	return ticket{
		ticketFields: ticketFields{
			ID: r.String("ticket_id"), System: r.String("system"), Kind: r.String("kind"), State: r.String("state"),
			Approval: r.String("approval"), Approver: r.String("approver_id"), Requester: r.String("requester_id"),
			RequestedFor: r.String("requested_for_id"), RequestedForEmail: r.String("requested_for_email"),
			RequestedEntitlement: r.String("requested_entitlement"), Justification: r.String("justification"),
			Emergency: r.Bool("emergency"), IdentityVerified: r.NullBool("identity_verified"),
			ReviewDue: r.NullTime("review_due"), AccessExpires: r.NullTime("access_expires"),
			RequestType: r.String("request_type"), ApprovedAt: r.NullTime("approved_at"),
		},
		OpenedAt: r.Time("opened_at"), UpdatedAt: r.Time("updated_at"),
		ApprovalEvent: r.String("approval_event_id"), EventIDs: r.Strings("event_ids"), Version: uint64(r.Int("version")),
	}
}

// grant is one principal × entitlement row of the grants ledger.
type grant struct {
	Principal, PrincipalType, Key, EntID, EntName, System, Privilege string
	Wildcard                                                         bool
	State, Lane                                                      string
	GrantedAt                                                        time.Time
	RevokedAt                                                        *time.Time
	GrantEvent, RevokeEvent, TicketID, Approver                      string
	ReviewDue, ExpiresAt, LastReviewedAt                             *time.Time
	ReviewEvent                                                      string
	DisabledAt                                                       *time.Time
	DisableEvent                                                     string
	// Origin is what created the grant: originEvent (a vendor-reported change, also ""),
	// schemas.OriginSnapshot or schemas.OriginImport; FirstSeen and LastSeen are when an
	// inventory listing first and last saw it.
	Origin              string     `json:",omitempty"`
	FirstSeen, LastSeen *time.Time `json:",omitempty"`
	// Requester asked for the grant (its governing ticket's requester). Reviewer made the
	// last review that counts. SelfReview* is a review by the holder or the requester,
	// which does not count; RevokeDecided* a review's decision to revoke, which is not a
	// review and must be followed by the revocation.
	Requester           string     `json:",omitempty"`
	Reviewer            string     `json:",omitempty"`
	SelfReviewAt        *time.Time `json:",omitempty"`
	SelfReviewEvent     string     `json:",omitempty"`
	SelfReviewer        string     `json:",omitempty"`
	RevokeDecidedAt     *time.Time `json:",omitempty"`
	RevokeDecisionEvent string     `json:",omitempty"`
	// RotatedAt and RotateEvent, on a break-glass use (Origin originUse), are the first
	// change of the principal's password or credentials after it.
	RotatedAt   *time.Time `json:",omitempty"`
	RotateEvent string     `json:",omitempty"`
	Version     uint64
}

// originUse is the origin of a break-glass use's ledger row, and useKeyPrefix its key's.
const (
	originUse    = "use"
	useKeyPrefix = "use|"
)

// originNHISession is the origin of an interactive sign-in by a non-human identity's
// ledger row (NHI_INTERACTIVE_SIGN_IN), and nhiSessionKeyPrefix its key's.
const (
	originNHISession    = "nhi_session"
	nhiSessionKeyPrefix = "nhi-session|"
)

const originEvent = "event"

// origin is Origin as stored.
func (g *grant) origin() string {
	if g.Origin == "" {
		return originEvent
	}
	return g.Origin
}

// confirmed is the last time the grant was known to be held: its grant event, or the
// latest listing that saw it.
func (g *grant) confirmed() time.Time {
	if g.LastSeen != nil && g.LastSeen.After(g.GrantedAt) {
		return *g.LastSeen
	}
	return g.GrantedAt
}

const (
	stateActive  = "ACTIVE"
	stateRevoked = "REVOKED"
)

func (g *grant) active() bool { return g.State == stateActive }

// nhi reports whether the grant's holder is a non-human identity.
func (g *grant) nhi() bool { return g.PrincipalType == string(schemas.PrincipalNHI) }

var grantColumns = []string{
	"principal", "principal_type", "entitlement_key", "entitlement_id", "entitlement_name", "entitlement_system",
	"entitlement_privilege", "entitlement_wildcard", "state", "lane", "granted_at", "revoked_at", "grant_event_id",
	"revoke_event_id", "ticket_id", "approver", "review_due", "expires_at", "last_reviewed_at", "review_event_id",
	"disabled_at", "disable_event_id", "origin", "first_seen", "last_seen", "requester", "reviewer", "self_reviewed_at",
	"self_review_event_id", "self_reviewer", "revoke_decided_at", "revoke_decision_event_id", "rotated_at", "rotate_event_id", "version",
}

func (g *grant) row() []any {
	return []any{g.Principal, g.PrincipalType, g.Key, g.EntID, g.EntName, g.System, g.Privilege, g.Wildcard,
		g.State, g.Lane, g.GrantedAt, g.RevokedAt, g.GrantEvent, g.RevokeEvent, g.TicketID, g.Approver,
		g.ReviewDue, g.ExpiresAt, g.LastReviewedAt, g.ReviewEvent, g.DisabledAt, g.DisableEvent, g.origin(), g.FirstSeen, g.LastSeen,
		g.Requester, g.Reviewer, g.SelfReviewAt, g.SelfReviewEvent, g.SelfReviewer, g.RevokeDecidedAt, g.RevokeDecisionEvent, g.RotatedAt, g.RotateEvent, g.Version}
}

func grantFromRow(r Row) grant {
	return grant{
		Principal: r.String("principal"), PrincipalType: r.String("principal_type"), Key: r.String("entitlement_key"),
		EntID: r.String("entitlement_id"), EntName: r.String("entitlement_name"), System: r.String("entitlement_system"),
		Privilege: r.String("entitlement_privilege"), Wildcard: r.Bool("entitlement_wildcard"), State: r.String("state"),
		Lane: r.String("lane"), GrantedAt: r.Time("granted_at"), RevokedAt: r.NullTime("revoked_at"),
		GrantEvent: r.String("grant_event_id"), RevokeEvent: r.String("revoke_event_id"), TicketID: r.String("ticket_id"),
		Approver: r.String("approver"), ReviewDue: r.NullTime("review_due"), ExpiresAt: r.NullTime("expires_at"),
		LastReviewedAt: r.NullTime("last_reviewed_at"), ReviewEvent: r.String("review_event_id"),
		DisabledAt: r.NullTime("disabled_at"), DisableEvent: r.String("disable_event_id"), Origin: originFromRow(r),
		FirstSeen: r.NullTime("first_seen"), LastSeen: r.NullTime("last_seen"), Requester: r.String("requester"), Reviewer: r.String("reviewer"),
		SelfReviewAt: r.NullTime("self_reviewed_at"), SelfReviewEvent: r.String("self_review_event_id"), SelfReviewer: r.String("self_reviewer"),
		RevokeDecidedAt: r.NullTime("revoke_decided_at"), RevokeDecisionEvent: r.String("revoke_decision_event_id"),
		RotatedAt: r.NullTime("rotated_at"), RotateEvent: r.String("rotate_event_id"), Version: uint64(r.Int("version")),
	}
}

// originFromRow reads a row's origin as the ledger keeps it: "" for a vendor event.
func originFromRow(r Row) string {
	if o := r.String("origin"); o != originEvent {
		return o
	}
	return ""
}

// credential is one row of the credentials ledger.
type credential struct {
	Principal, ID, Kind, Owner                 string
	CreatedAt, RotatedAt, DeletedAt, ExpiresAt *time.Time
	CreateEvent, RotateEvent, DeleteEvent      string
	// Origin as for grants; LastUsedAt is the vendor's last use, from a listing.
	Origin     string     `json:",omitempty"`
	LastUsedAt *time.Time `json:",omitempty"`
	Version    uint64
}

var credentialColumns = []string{"principal", "credential_id", "kind", "owner", "created_at", "rotated_at",
	"deleted_at", "expires_at", "create_event_id", "rotate_event_id", "delete_event_id", "origin", "last_used_at", "version"}

func (c *credential) row() []any {
	origin := c.Origin
	if origin == "" {
		origin = originEvent
	}
	return []any{c.Principal, c.ID, c.Kind, c.Owner, c.CreatedAt, c.RotatedAt, c.DeletedAt, c.ExpiresAt,
		c.CreateEvent, c.RotateEvent, c.DeleteEvent, origin, c.LastUsedAt, c.Version}
}

func credentialFromRow(r Row) credential {
	return credential{
		Principal: r.String("principal"), ID: r.String("credential_id"), Kind: r.String("kind"), Owner: r.String("owner"),
		CreatedAt: r.NullTime("created_at"), RotatedAt: r.NullTime("rotated_at"), DeletedAt: r.NullTime("deleted_at"),
		ExpiresAt: r.NullTime("expires_at"), CreateEvent: r.String("create_event_id"),
		RotateEvent: r.String("rotate_event_id"), DeleteEvent: r.String("delete_event_id"), Origin: originFromRow(r),
		LastUsedAt: r.NullTime("last_used_at"), Version: uint64(r.Int("version")),
	}
}

// secretSince is when the credential's current secret was issued.
func (c *credential) secretSince() (time.Time, string) {
	if c.RotatedAt != nil {
		return *c.RotatedAt, c.RotateEvent
	}
	if c.CreatedAt != nil {
		return *c.CreatedAt, c.CreateEvent
	}
	return time.Time{}, ""
}

func sortFacts(fs []fact) {
	sort.SliceStable(fs, func(i, j int) bool {
		if !fs[i].OccurredAt.Equal(fs[j].OccurredAt) {
			return fs[i].OccurredAt.Before(fs[j].OccurredAt)
		}
		return fs[i].EventID < fs[j].EventID
	})
}

func tp(t time.Time) *time.Time { return &t }
