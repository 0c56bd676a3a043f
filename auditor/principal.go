package auditor

import (
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// principalState is everything known about one principal: its IAM history,
// the tickets that concern it, and the ledger rows derived from both.
type principalState struct {
	ID      string
	Type    schemas.PrincipalType
	Emails  []string
	Events  []fact // IAM events, oldest first
	Tickets []ticket
	// Match maps an access-change event id to the approved governed ticket
	// behind it; Incident to the break-fix incident it was linked to instead.
	Match    map[string]*ticket
	Incident map[string]*ticket
	Grants   []grant
	Creds    []credential
	// Disabled is when the principal was disabled or deleted, nil while enabled, and
	// DisableEvent the event that did it.
	Disabled     *time.Time
	DisableEvent string
	// Base, when set, is the stored ledger state before Events: buildLedger
	// applies Events on top of it instead of replaying the whole history.
	Base *ledgerBase
	// Aliases are the other accounts of the principal's identity (see identity.go), and
	// Peers what the detections read of them.
	Aliases []string
	Peers   []peerView
}

// peerView is what a principal's detections read of another account of its identity.
type peerView struct {
	alias
	// Why says how the two accounts were joined, for a finding's summary.
	Why string
	// LastReset is the peer's latest successful MFA or password reset, if any.
	LastReset *fact
	// Grants are the peer's active grants.
	Grants []grant
}

// who are the ids and emails tickets may name the principal by: its own and its aliases'.
func (ps *principalState) who() []string {
	out := make([]string, 0, 1+len(ps.Emails)+len(ps.Aliases))
	out = append(out, ps.ID)
	out = append(out, ps.Emails...)
	return append(out, ps.Aliases...)
}

// peerOf returns the peer view of account, if account is one of the principal's aliases.
func (ps *principalState) peerOf(account string) *peerView {
	for i := range ps.Peers {
		if strings.EqualFold(ps.Peers[i].Account, account) {
			return &ps.Peers[i]
		}
	}
	return nil
}

// ledgerBase is a principal's checkpoint (see state.go): its grant and credential rows
// and what the fold and the detections carry from one event to the next, as of the
// ledger events it has applied.
type ledgerBase struct {
	Version      uint64                `json:"version"`
	Events       uint64                `json:"events"` // ledger events applied
	LastAt       time.Time             `json:"last_at"`
	Emails       []string              `json:"emails"`
	Refs         []string              `json:"refs"` // ticket numbers its events cite, upper case
	Type         schemas.PrincipalType `json:"type"`
	LastReset    *fact                 `json:"last_reset,omitempty"` // latest successful MFA or password reset
	Disabled     *time.Time            `json:"disabled,omitempty"`
	DisableEvent string                `json:"disable_event,omitempty"`
	Grants       []grant               `json:"grants"`
	Creds        []credential          `json:"credentials"`
	Seen         seenFilter            `json:"seen"`
	// Aliases are the other accounts of the identity as of this checkpoint: a change
	// replays the principal, since it changes which tickets concern it.
	Aliases []string `json:"aliases,omitempty"`
}

// incremental reports whether the principal's new events (the batch's, in any order) can
// be applied on top of its checkpoint with the same result as replaying its whole history:
// none of them may have been applied already, all are later than every applied one, and
// none brings an email or principal type the checkpoint does not have (either could change
// which tickets concern the principal or the findings of older events). Otherwise the
// principal is replayed.
func (b *ledgerBase) incremental(evs []fact) bool {
	if b.Seen.saturated(b.Events + uint64(len(evs))) {
		return false
	}
	for i := range evs {
		f := &evs[i]
		if !f.OccurredAt.After(b.LastAt) || b.Seen.mayContain(f.EventID) {
			return false
		}
		if f.SubjectMail != "" && !slices.Contains(b.Emails, f.SubjectMail) {
			return false
		}
		if f.SubjectType != "" && f.SubjectID == f.Principal && f.SubjectType != b.Type {
			return false
		}
	}
	return true
}

// relevant reports whether ticket t concerns principal p: it asks for
// something for p, p requested it for nobody in particular, or one of p's
// events references it.
func (ps *principalState) relevant(t *ticket, refs map[string]bool) bool {
	if t.forPrincipal(ps.who()...) {
		return true
	}
	if t.RequestedFor == "" && strings.EqualFold(t.Requester, ps.ID) {
		return true
	}
	return refs[strings.ToUpper(t.ID)]
}

// ticketIndex finds the tickets that may be relevant to a principal without
// testing every loaded ticket against every principal.
type ticketIndex struct {
	byBeneficiary map[string][]string // folded requested_for id or email → ticket ids
	byRequester   map[string][]string // folded requester id → ticket ids
	byID          map[string][]string // upper-case ticket id → ticket ids
}

// fold maps strings equal under strings.EqualFold to one key.
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

func newTicketIndex(tickets map[string]ticket) *ticketIndex {
	ix := &ticketIndex{byBeneficiary: map[string][]string{}, byRequester: map[string][]string{}, byID: map[string][]string{}}
	for id, t := range tickets {
		for _, who := range []string{t.RequestedFor, t.RequestedForEmail} {
			if who != "" {
				ix.byBeneficiary[fold(who)] = append(ix.byBeneficiary[fold(who)], id)
			}
		}
		if t.Requester != "" {
			ix.byRequester[fold(t.Requester)] = append(ix.byRequester[fold(t.Requester)], id)
		}
		ix.byID[strings.ToUpper(id)] = append(ix.byID[strings.ToUpper(id)], id)
	}
	return ix
}

// candidates returns, sorted by id, a superset of the ids of the tickets
// relevant reports for ps and refs.
func (ix *ticketIndex) candidates(ps *principalState, refs map[string]bool) []string {
	set := map[string]bool{}
	for _, who := range ps.who() {
		if who == "" {
			continue
		}
		for _, id := range ix.byBeneficiary[fold(who)] {
			set[id] = true
		}
	}
	for _, id := range ix.byRequester[fold(ps.ID)] {
		set[id] = true
	}
	for ref := range refs {
		for _, id := range ix.byID[ref] {
			set[id] = true
		}
	}
	return keys(set)
}

// correlate finds the approved governed ticket behind access change f: by
// explicit reference first, else by principal (and entitlement when both
// sides name one) with approval inside [occurred-before, occurred+after]. When
// none is found it returns the break-fix incident the change was linked to,
// by reference or by principal inside the same window, if any.
func correlate(f *fact, ps *principalState, cfg *Config) (governed, incident *ticket) {
	for _, ref := range f.TicketRefs {
		for i := range ps.Tickets {
			t := &ps.Tickets[i]
			if !strings.EqualFold(t.ID, ref) {
				continue
			}
			if t.governed() && t.approved() {
				return t, nil
			}
			if t.Kind == string(schemas.TicketIncident) && incident == nil {
				incident = t
			}
		}
	}
	lo, hi := f.OccurredAt.Add(-cfg.TicketWindowBefore), f.OccurredAt.Add(cfg.TicketWindowAfter)
	ids := append([]string{f.SubjectID, f.SubjectMail}, ps.Aliases...)
	for i := range ps.Tickets {
		t := &ps.Tickets[i]
		if !t.forPrincipal(ids...) {
			continue
		}
		if t.governed() && t.approved() && t.ApprovedAt != nil && !t.ApprovedAt.Before(lo) && !t.ApprovedAt.After(hi) && entitlementMatches(f, t) {
			if governed == nil || t.ID < governed.ID {
				governed = t
			}
			continue
		}
		if incident == nil && t.Kind == string(schemas.TicketIncident) && !t.OpenedAt.After(hi) && !t.UpdatedAt.Before(lo) {
			incident = t
		}
	}
	if governed != nil {
		return governed, nil
	}
	return nil, incident
}

// entitlementMatches compares the entitlement of an access change with the
// one a ticket requested, case-insensitively, when both are known.
func entitlementMatches(f *fact, t *ticket) bool {
	if t.RequestedEntitlement == "" || (f.EntName == "" && f.EntID == "") {
		return true
	}
	return strings.EqualFold(t.RequestedEntitlement, f.EntName) || strings.EqualFold(t.RequestedEntitlement, f.EntID)
}

// buildLedger derives the principal's grants and credentials from its history (or
// from Base and the events after it), the rows at version.
func (ps *principalState) buildLedger(cfg *Config, version uint64) {
	ps.Match, ps.Incident = map[string]*ticket{}, map[string]*ticket{}
	base := ps.Base
	if base == nil {
		base = &ledgerBase{}
	}
	breakGlass := slices.ContainsFunc(cfg.BreakGlassAccounts, func(a string) bool { return strings.EqualFold(a, ps.ID) })
	grants := map[string]*grant{}
	var order []string
	creds := map[string]*credential{}
	var credOrder []string
	disabled, disableEvent := base.Disabled, base.DisableEvent
	if ps.Base != nil {
		ps.Type = base.Type
	}
	for i := range base.Grants {
		g := base.Grants[i]
		grants[g.Key] = &g
		order = append(order, g.Key)
	}
	for i := range base.Creds {
		c := base.Creds[i]
		creds[c.ID] = &c
		credOrder = append(credOrder, c.ID)
	}
	for i := range ps.Events {
		f := &ps.Events[i]
		if f.SubjectType != "" && f.SubjectID == ps.ID {
			ps.Type = f.SubjectType
		}
		if f.SubjectMail != "" && !slices.Contains(ps.Emails, f.SubjectMail) {
			ps.Emails = append(ps.Emails, f.SubjectMail)
		}
		if !f.success() {
			continue
		}
		if f.rotatesSecrets() {
			// The principal's password or credentials changed: every earlier break-glass use
			// not yet followed by a rotation has been.
			for _, key := range order {
				if g := grants[key]; (g.Origin == originUse || g.Origin == originNHISession) && g.RotatedAt == nil && g.GrantedAt.Before(f.OccurredAt) {
					g.RotatedAt, g.RotateEvent = tp(f.OccurredAt), f.EventID
				}
			}
		}
		if f.NHISignIn {
			// A person signed in as the non-human identity: a session row, closed at once,
			// that stays a finding until the identity's password or keys change after it.
			key := nhiSessionKeyPrefix + f.EventID
			if _, ok := grants[key]; !ok {
				grants[key] = &grant{Principal: ps.ID, PrincipalType: string(schemas.PrincipalNHI), Key: key, EntID: key, EntName: "interactive sign-in",
					State: stateRevoked, Lane: string(f.Lane), GrantedAt: f.OccurredAt, RevokedAt: tp(f.OccurredAt),
					GrantEvent: f.EventID, RevokeEvent: f.EventID, Origin: originNHISession}
				order = append(order, key)
			}
		}
		if f.usesKey() {
			// A call signed with the credential: its last use, as the vendor would report it.
			if c, ok := creds[f.CredID]; ok && c.DeletedAt == nil && (c.LastUsedAt == nil || c.LastUsedAt.Before(f.OccurredAt)) {
				c.LastUsedAt = tp(f.OccurredAt)
			}
		}
		switch {
		case f.observed() && f.accessChange():
			observeGrant(f, grants, &order, ps.ID, breakGlass)
		case f.observed() && (f.Action == schemas.ActionAccountEnable || f.Action == schemas.ActionAccountDisable):
			// A listing's account state, and the end of what it lists for the holder: the
			// system's grants it no longer lists, last confirmed before the listing
			// began, are revoked.
			if f.Action == schemas.ActionAccountDisable {
				if disabled == nil {
					disabled, disableEvent = tp(f.OccurredAt), f.EventID
				}
			} else {
				disabled, disableEvent = nil, ""
			}
			for _, key := range order {
				g := grants[key]
				if g.active() && strings.EqualFold(g.System, f.Inv.System) && !slices.Contains(f.Inv.Held, key) && g.confirmed().Before(f.Inv.Started) {
					g.State, g.RevokedAt, g.RevokeEvent = stateRevoked, tp(f.OccurredAt), f.EventID
				}
			}
		case f.observed() && f.Action == schemas.ActionCredentialCreate:
			if f.CredID == "" {
				continue
			}
			c, ok := creds[f.CredID]
			if !ok || c.DeletedAt != nil {
				c = &credential{Principal: ps.ID, ID: f.CredID, Origin: f.Inv.Origin, CreatedAt: f.Inv.CreatedAt, CreateEvent: f.EventID}
				if c.CreatedAt == nil {
					c.CreatedAt = tp(f.OccurredAt)
				}
				if !ok {
					credOrder = append(credOrder, f.CredID)
				}
				creds[f.CredID] = c
			}
			if f.CredKind != "" {
				c.Kind = f.CredKind
			}
			if f.CredOwner != "" {
				c.Owner = f.CredOwner
			}
			if f.CredExpires != nil {
				c.ExpiresAt = f.CredExpires
			}
			if f.Inv.LastUsedAt != nil {
				c.LastUsedAt = f.Inv.LastUsedAt
			}
		case f.accessChange():
			key := f.entitlementKey()
			g, ok := grants[key]
			if !ok {
				g = &grant{Principal: ps.ID, Key: key}
				grants[key] = g
				order = append(order, key)
			}
			g.EntID, g.EntName, g.System, g.Privilege, g.Wildcard = f.EntID, f.EntName, f.EntSystem, string(f.EntPriv), f.EntWildcard
			g.State, g.Lane, g.GrantedAt, g.GrantEvent = stateActive, string(f.Lane), f.OccurredAt, f.EventID
			g.Origin = ""
			if breakGlass {
				g.Lane = string(schemas.LaneBreakGlass)
			}
			g.RevokedAt, g.RevokeEvent = nil, ""
			g.TicketID, g.Approver, g.ReviewDue, g.ExpiresAt, g.Requester = "", "", nil, nil, ""
			g.SelfReviewAt, g.SelfReviewEvent, g.SelfReviewer, g.RevokeDecidedAt, g.RevokeDecisionEvent = nil, "", "", nil, ""
			gov, inc := correlate(f, ps, cfg)
			if gov != nil {
				ps.Match[f.EventID] = gov
				g.TicketID, g.Approver, g.ReviewDue, g.ExpiresAt = gov.ID, gov.Approver, gov.ReviewDue, gov.AccessExpires
				g.Requester = gov.Requester
			} else if inc != nil {
				ps.Incident[f.EventID] = inc
				g.TicketID = inc.ID
			}
		case f.Action == schemas.ActionAccessRevoke:
			if g, ok := grants[f.entitlementKey()]; ok {
				g.State, g.RevokedAt, g.RevokeEvent = stateRevoked, tp(f.OccurredAt), f.EventID
			}
		case f.Action == schemas.ActionAccessReviewed:
			// A review covers the entitlement it names. One that names none is a post-event
			// review: it covers the principal's break-glass grants and uses, nothing else.
			if f.EntID == "" && f.EntName == "" {
				for _, key := range order {
					if g := grants[key]; g.Lane == string(schemas.LaneBreakGlass) {
						ps.review(g, f.ActorID, f.Decision, f.OccurredAt, f.EventID)
					}
				}
				continue
			}
			if g, ok := grants[f.entitlementKey()]; ok {
				ps.review(g, f.ActorID, f.Decision, f.OccurredAt, f.EventID)
			}
		case f.breakGlassUse():
			// A use of emergency access (a sign-in, read or impersonation the policy put in
			// the BREAK_GLASS lane) is a session: a ledger row that starts the same clock
			// as a break-glass grant (a post-event review within the window) and, for an
			// emergency account, the rotation of its credentials.
			key := useKeyPrefix + f.EventID
			grants[key] = &grant{Principal: ps.ID, Key: key, EntID: key, EntName: "break-glass use (" + string(f.Action) + ")",
				State: stateRevoked, Lane: string(schemas.LaneBreakGlass), GrantedAt: f.OccurredAt, RevokedAt: tp(f.OccurredAt),
				GrantEvent: f.EventID, RevokeEvent: f.EventID, Origin: originUse}
			order = append(order, key)

		case f.Action == schemas.ActionAccountDisable || f.Action == schemas.ActionAccountDelete:
			disabled, disableEvent = tp(f.OccurredAt), f.EventID
		case f.Action == schemas.ActionAccountEnable || f.Action == schemas.ActionAccountCreate:
			disabled, disableEvent = nil, ""
		case f.Action == schemas.ActionCredentialCreate || f.Action == schemas.ActionCredentialRotate || f.Action == schemas.ActionCredentialDelete:
			if f.CredID == "" {
				continue
			}
			c, ok := creds[f.CredID]
			if !ok {
				c = &credential{Principal: ps.ID, ID: f.CredID}
				creds[f.CredID] = c
				credOrder = append(credOrder, f.CredID)
			}
			if f.CredKind != "" {
				c.Kind = f.CredKind
			}
			if f.CredOwner != "" {
				c.Owner = f.CredOwner
			}
			if f.CredExpires != nil {
				c.ExpiresAt = f.CredExpires
			}
			switch f.Action {
			case schemas.ActionCredentialCreate:
				c.CreatedAt, c.CreateEvent = tp(f.OccurredAt), f.EventID
			case schemas.ActionCredentialRotate:
				c.RotatedAt, c.RotateEvent = tp(f.OccurredAt), f.EventID
			default:
				c.DeletedAt, c.DeleteEvent = tp(f.OccurredAt), f.EventID
			}
		}
	}
	// Review evidence from ITSM: an access-review ticket for this principal
	// that was approved or closed counts as a review at its last update.
	for i := range ps.Tickets {
		t := &ps.Tickets[i]
		if t.Kind != string(schemas.TicketAccessReview) || !t.forPrincipal(ps.who()...) {
			continue
		}
		if !t.approved() && !closedState(t.State) {
			continue
		}
		for _, key := range order {
			g := grants[key]
			// A review ticket naming no entitlement is the post-event review of emergency
			// access: it covers the principal's break-glass grants, not everything.
			if t.RequestedEntitlement == "" && g.Lane != string(schemas.LaneBreakGlass) {
				continue
			}
			if t.RequestedEntitlement != "" && !strings.EqualFold(t.RequestedEntitlement, g.EntName) && !strings.EqualFold(t.RequestedEntitlement, g.EntID) {
				continue
			}
			if g.LastReviewedAt != nil && !t.UpdatedAt.After(*g.LastReviewedAt) {
				continue
			}
			// The reviewer is the ticket's approver; a ticket that names none (closed by
			// whoever worked it) counts as a review by someone unknown. A rejected review
			// ticket decided against the access: a revoke decision, to be enforced.
			decision := schemas.ReviewKeep
			if t.Approval == string(schemas.ApprovalRejected) {
				decision = schemas.ReviewRevoke
			}
			ps.review(g, t.Approver, decision, t.UpdatedAt, t.EventIDs[len(t.EventIDs)-1])
		}
	}
	ps.Grants = ps.Grants[:0]
	for _, key := range order {
		g := grants[key]
		g.PrincipalType = string(ps.Type)
		g.Version = version
		g.DisabledAt, g.DisableEvent = disabled, disableEvent
		reviewed := g.LastReviewedAt != nil && !g.LastReviewedAt.Before(g.GrantedAt)
		switch {
		case reviewed:
			g.ReviewDue = tp(g.LastReviewedAt.Add(cfg.ReviewInterval))
		case g.ReviewDue == nil:
			g.ReviewDue = tp(g.GrantedAt.Add(cfg.ReviewInterval))
		}
		ps.Grants = append(ps.Grants, *g)
	}
	ps.Disabled, ps.DisableEvent = disabled, disableEvent
	ps.Creds = ps.Creds[:0]
	for _, id := range credOrder {
		c := creds[id]
		c.Version = version
		ps.Creds = append(ps.Creds, *c)
	}
}

// review applies a review of g by reviewer at at: by the holder or the grant's requester it
// counts for nothing but a SELF_REVIEWED finding; a decision to revoke is not a review (the
// grant stays due) and must be followed by the revocation; any other decision reviews the
// grant and clears an earlier self-review or revoke decision.
func (ps *principalState) review(g *grant, reviewer, decision string, at time.Time, event string) {
	self := reviewer != "" && (slices.ContainsFunc(ps.who(), func(e string) bool { return strings.EqualFold(e, reviewer) }) ||
		(g.Requester != "" && strings.EqualFold(reviewer, g.Requester)))
	switch {
	case self:
		g.SelfReviewAt, g.SelfReviewEvent, g.SelfReviewer = tp(at), event, reviewer
	case decision == schemas.ReviewRevoke:
		if g.RevokeDecidedAt == nil {
			g.RevokeDecidedAt, g.RevokeDecisionEvent = tp(at), event
		}
		g.Reviewer = reviewer
	default:
		g.LastReviewedAt, g.ReviewEvent, g.Reviewer = tp(at), event, reviewer
		g.SelfReviewAt, g.SelfReviewEvent, g.SelfReviewer, g.RevokeDecidedAt, g.RevokeDecisionEvent = nil, "", "", nil, ""
	}
}

// observeGrant applies a grant a listing saw: one already held is confirmed (LastSeen;
// the review and expiry dates a listing records are taken when no ticket set them), one
// not held is recorded as the listing's, granted when the vendor says (else when first
// seen), with no ticket behind it.
func observeGrant(f *fact, grants map[string]*grant, order *[]string, principal string, breakGlass bool) {
	key := f.entitlementKey()
	at := tp(f.OccurredAt)
	g, ok := grants[key]
	if ok && g.active() {
		g.LastSeen = at
		if g.FirstSeen == nil {
			g.FirstSeen = at
		}
		if g.TicketID == "" {
			if f.Inv.ReviewDue != nil {
				g.ReviewDue = f.Inv.ReviewDue
			}
			if f.Inv.ExpiresAt != nil {
				g.ExpiresAt = f.Inv.ExpiresAt
			}
		}
		return
	}
	if !ok {
		g = &grant{Principal: principal, Key: key}
		grants[key] = g
		*order = append(*order, key)
	}
	*g = grant{Principal: principal, Key: key, EntID: f.EntID, EntName: f.EntName, System: f.EntSystem, Privilege: string(f.EntPriv),
		Wildcard: f.EntWildcard, State: stateActive, Lane: string(f.Lane), GrantedAt: f.OccurredAt, GrantEvent: f.EventID,
		ReviewDue: f.Inv.ReviewDue, ExpiresAt: f.Inv.ExpiresAt, LastReviewedAt: g.LastReviewedAt, ReviewEvent: g.ReviewEvent, Reviewer: g.Reviewer,
		Origin: f.Inv.Origin, FirstSeen: at, LastSeen: at}
	if f.Inv.GrantedAt != nil && f.Inv.GrantedAt.Before(f.OccurredAt) {
		g.GrantedAt = *f.Inv.GrantedAt
	}
	if breakGlass {
		g.Lane = string(schemas.LaneBreakGlass)
	}
}

func closedState(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "closed") || strings.Contains(s, "resolved") || strings.Contains(s, "done") || strings.Contains(s, "complete")
}
