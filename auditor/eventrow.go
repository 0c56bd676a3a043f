package auditor

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// eventColumns are the columns of the events table WriteBatch fills, in the
// order eventRow produces values.
var eventColumns = []string{
	"event_id", "principal", "source", "source_event_type", "category", "action", "outcome",
	"lane", "impact", "rule_id", "reasons", "policy_version", "occurred_at", "ingested_at", "decided_at",
	"actor_id", "actor_type", "subject_id", "subject_type", "subject_email",
	"entitlement_id", "entitlement_name", "entitlement_kind", "entitlement_privilege", "entitlement_system",
	"entitlement_environment", "entitlement_wildcard",
	"credential_id", "credential_kind", "credential_owner_id", "credential_expires_at",
	"ticket_id", "ticket_system", "ticket_kind", "ticket_state", "ticket_approval", "ticket_approver_id",
	"ticket_requester_id", "ticket_requested_for_id", "ticket_requested_for_email", "ticket_requested_entitlement",
	"ticket_justification", "ticket_emergency", "ticket_identity_verified", "ticket_review_due",
	"ticket_access_expires", "ticket_request_type", "ticket_approved_at",
	"ticket_refs", "ocsf_class_uid", "ocsf_activity_id", "attributes", "raw",
}

// principalOf is whose access an event is about, the key of the ledgers:
// the subject of an IAM event (else the credential, else the actor), the
// beneficiary of a ticket (else its requester, else the ticket itself).
func principalOf(e *schemas.IdentityEvent) string {
	if p := e.Principal(); p != e.EventID {
		return p
	}
	return "" // nobody: the event id is only a key of last resort
}

func pid(p *schemas.Principal) string {
	if p == nil {
		return ""
	}
	return p.ID
}

func ptype(p *schemas.Principal) string {
	if p == nil {
		return ""
	}
	return string(p.Type)
}

func pemail(p *schemas.Principal) string {
	if p == nil || p.Email == nil {
		return ""
	}
	return strings.ToLower(*p.Email)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// eventRow flattens one routed event into the values of eventColumns.
func eventRow(r *schemas.RoutedEvent) []any {
	e := &r.Event
	var ent schemas.Entitlement
	if e.Entitlement != nil {
		ent = *e.Entitlement
	}
	var cred schemas.Credential
	if e.Credential != nil {
		cred = *e.Credential
	}
	var t schemas.Ticket
	if e.Ticket != nil {
		t = *e.Ticket
	}
	decided := r.Decision.DecidedAt
	if decided.IsZero() {
		decided = e.IngestedAt
	}
	ingested := e.IngestedAt
	if ingested.IsZero() {
		ingested = e.OccurredAt
	}
	if decided.IsZero() {
		decided = ingested
	}
	refs := e.TicketRefs
	if refs == nil {
		refs = []string{}
	}
	reasons := r.Decision.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return []any{
		e.EventID, principalOf(e), string(e.Source), e.SourceEventType, string(e.Category), string(e.Action), string(e.Outcome),
		string(r.Decision.Lane), string(r.Decision.Impact), r.Decision.RuleID, reasons, r.Decision.PolicyVersion,
		e.OccurredAt, ingested, decided,
		pid(e.Actor), ptype(e.Actor), pid(e.Subject), ptype(e.Subject), pemail(e.Subject),
		ent.ID, ent.Name, string(ent.Kind), string(ent.Privilege), ent.System, deref(ent.Environment), ent.Wildcard,
		cred.ID, string(cred.Kind), pid(cred.Owner), cred.ExpiresAt,
		t.ID, t.System, string(t.Kind), t.State, string(t.Approval), pid(t.Approver),
		pid(t.Requester), pid(t.RequestedFor), pemail(t.RequestedFor), deref(t.RequestedEntitlement),
		deref(t.Justification), t.Emergency, t.IdentityVerified, t.ReviewDue,
		t.AccessExpires, deref(t.RequestType), t.ApprovedAt,
		refs, e.Ocsf.ClassUID, e.Ocsf.ActivityID, e.Attributes, string(e.Raw),
	}
}

// fact is the part of a stored event the ledgers and detections use.
type fact struct {
	EventID     string
	Principal   string
	Category    schemas.Category
	Action      schemas.Action
	Outcome     schemas.Outcome
	Lane        schemas.Lane
	OccurredAt  time.Time
	ActorID     string
	SubjectID   string
	SubjectType schemas.PrincipalType
	SubjectMail string
	EntID       string
	EntName     string
	EntKind     string
	EntPriv     schemas.Privilege
	EntSystem   string
	EntWildcard bool
	CredID      string
	CredKind    string
	CredOwner   string
	CredExpires *time.Time
	Ticket      ticketFields
	TicketRefs  []string
	// Inv is an inventory event's observation: the fact is observed state, not a change.
	Inv *schemas.Observation `json:",omitempty"`
	// Decision is an ACCESS_REVIEWED event's decision (schemas.ReviewKeep, ReviewRevoke, "").
	Decision string `json:",omitempty"`
	// NHISignIn marks an interactive sign-in by a non-human identity (interactiveNHISignIn).
	NHISignIn bool `json:",omitempty"`
}

// observed reports a fact read from an inventory listing or an import, not a change.
func (f *fact) observed() bool { return f.Inv != nil }

// breakGlassUse reports a use of emergency access: a successful sign-in, read,
// impersonation or other action the policy put in the BREAK_GLASS lane (grants there are
// grants, revocations revocations).
func (f *fact) breakGlassUse() bool {
	return f.success() && f.Lane == schemas.LaneBreakGlass && !f.observed() &&
		(f.Action == schemas.ActionSignIn || f.Action == schemas.ActionRead || f.Action == schemas.ActionImpersonation || f.Action == schemas.ActionOther)
}

// rotatesSecrets reports a change of the principal's own password or credentials.
func (f *fact) rotatesSecrets() bool {
	switch f.Action {
	case schemas.ActionPasswordChange, schemas.ActionPasswordReset, schemas.ActionCredentialRotate, schemas.ActionCredentialCreate:
		return !f.observed() && (f.SubjectID == f.Principal || f.SubjectID == "" && f.ActorID == f.Principal)
	}
	return false
}

// ledgerRecord reports whether r changes its principal's ledgers or findings: a ledger
// event (ledgerActions), a use of break-glass access, or a password change of an identity
// whose uses must be followed by one (a break-glass account, the AWS root user).
func ledgerRecord(r *schemas.RoutedEvent, cfg *Config) bool {
	e := &r.Event
	if ledgerEvent(e) {
		return true
	}
	if e.Outcome != schemas.OutcomeSuccess || e.Category == schemas.CategoryTicket {
		return false
	}
	if r.Decision.Lane == schemas.LaneBreakGlass {
		switch e.Action {
		case schemas.ActionSignIn, schemas.ActionRead, schemas.ActionImpersonation, schemas.ActionOther:
			return true
		}
	}
	if interactiveNHISignIn(e) {
		return true
	}
	if e.Action == schemas.ActionPasswordChange {
		p := principalOf(e)
		return strings.HasSuffix(p, ":root") || slices.ContainsFunc(cfg.BreakGlassAccounts, func(a string) bool { return strings.EqualFold(a, p) })
	}
	return false
}

// interactiveNHISignIn reports a successful sign-in a person makes at a keyboard (an AWS
// console login, an Okta session start, an Entra interactive user sign-in, a Google
// Workspace login) into an account that is a non-human identity: someone using a service
// account's password (OWASP NHI10, human use of NHI).
func interactiveNHISignIn(e *schemas.IdentityEvent) bool {
	if e.Action != schemas.ActionSignIn || e.Outcome != schemas.OutcomeSuccess {
		return false
	}
	who := e.Subject
	if who == nil || who.ID == "" {
		who = e.Actor
	}
	if who == nil || who.Type != schemas.PrincipalNHI || who.ID != principalOf(e) {
		return false
	}
	switch e.Source {
	case schemas.SourceCloudTrail:
		return e.SourceEventType == "ConsoleLogin"
	case schemas.SourceOkta:
		return e.SourceEventType == "user.session.start"
	case schemas.SourceEntra:
		return e.Attributes["category"] == "SignInLogs" // interactive user sign-ins
	case schemas.SourceGoogleWorkspace:
		return strings.HasSuffix(e.SourceEventType, "login_success")
	}
	return false
}

// keyUse returns the credential an event's actor signed it with: a use of that credential,
// which belongs to the actor whatever the event did to whom. CloudTrail names an IAM user's
// long-term access key (userIdentity.accessKeyId, AKIA…; temporary ASIA… keys belong to
// sessions, not to a credential the ledger tracks); an Entra service principal's sign-in
// names the keyId of its secret or certificate (servicePrincipalCredentialKeyId); an Okta
// call made with an API token names the token (transaction.detail.requestApiTokenId).
func keyUse(r *schemas.RoutedEvent) (string, bool) {
	e := &r.Event
	if e.Category == schemas.CategoryTicket || e.Credential != nil || e.Outcome != schemas.OutcomeSuccess || e.Actor == nil || e.Actor.ID == "" {
		return "", false
	}
	if _, inv := e.Attributes[schemas.InventoryAttr]; inv {
		return "", false
	}
	switch e.Source {
	case schemas.SourceCloudTrail:
		if key := e.Attributes["access_key_id"]; strings.HasPrefix(key, "AKIA") && len(key) > len("AKIA") && len(key) <= 128 {
			return key, true
		}
	case schemas.SourceEntra:
		// A service principal's sign-in with one of its secrets or certificates, by keyId:
		// the id inventory listings give the credential.
		if id := e.Attributes["credential_key_id"]; id != "" && len(id) <= 128 {
			return "entra:key:" + strings.ToLower(id), true
		}
	case schemas.SourceOkta:
		if id := e.Attributes["api_token_id"]; id != "" && len(id) <= 128 {
			return "okta:" + id, true // the id ingest gives the token's credential
		}
	}
	return "", false
}

// usesKey reports a fact that is a use of credential CredID by its principal (keyUse).
func (f *fact) usesKey() bool {
	switch f.Action {
	case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
		return false
	}
	return f.CredID != "" && f.success() && !f.observed() && f.ActorID == f.Principal
}

// change reports an access change a vendor reported (not one a listing observed): what
// the rules about how access changed (a ticket behind it, the path it took) judge.
func (f *fact) change() bool { return f.accessChange() && !f.observed() }

// ticketFields are the ticket columns of one event.
type ticketFields struct {
	ID, System, Kind, State, Approval, Approver, Requester, RequestedFor, RequestedForEmail string
	RequestedEntitlement, Justification, RequestType                                        string
	Emergency                                                                               bool
	IdentityVerified                                                                        *bool
	ReviewDue, AccessExpires, ApprovedAt                                                    *time.Time
}

func factFromRow(r Row) fact {
	return fact{
		EventID: r.String("event_id"), Principal: r.String("principal"),
		Category: schemas.Category(r.String("category")), Action: schemas.Action(r.String("action")),
		Outcome: schemas.Outcome(r.String("outcome")), Lane: schemas.Lane(r.String("lane")),
		OccurredAt: r.Time("occurred_at"), ActorID: r.String("actor_id"), SubjectID: r.String("subject_id"),
		SubjectType: schemas.PrincipalType(r.String("subject_type")), SubjectMail: r.String("subject_email"),
		EntID: r.String("entitlement_id"), EntName: r.String("entitlement_name"), EntKind: r.String("entitlement_kind"),
		EntPriv: schemas.Privilege(r.String("entitlement_privilege")), EntSystem: r.String("entitlement_system"),
		EntWildcard: r.Bool("entitlement_wildcard"),
		CredID:      r.String("credential_id"), CredKind: r.String("credential_kind"), CredOwner: r.String("credential_owner_id"),
		CredExpires: r.NullTime("credential_expires_at"), Inv: observation(r.String("inventory")),
		Decision: schemas.ReviewDecision(r.String("review_decision")), NHISignIn: r.Bool("nhi_sign_in"),
		Ticket: ticketFields{
			ID: r.String("ticket_id"), System: r.String("ticket_system"), Kind: r.String("ticket_kind"),
			State: r.String("ticket_state"), Approval: r.String("ticket_approval"), Approver: r.String("ticket_approver_id"),
			Requester: r.String("ticket_requester_id"), RequestedFor: r.String("ticket_requested_for_id"),
			RequestedForEmail: r.String("ticket_requested_for_email"), RequestedEntitlement: r.String("ticket_requested_entitlement"),
			Justification: r.String("ticket_justification"), RequestType: r.String("ticket_request_type"),
			Emergency: r.Bool("ticket_emergency"), IdentityVerified: r.NullBool("ticket_identity_verified"),
			ReviewDue: r.NullTime("ticket_review_due"), AccessExpires: r.NullTime("ticket_access_expires"),
			ApprovedAt: r.NullTime("ticket_approved_at"),
		},
		TicketRefs: r.Strings("ticket_refs"),
	}
}

// ledgerActions are the actions whose successful events can change a
// principal's ledgers or event findings. Everything else (sign-ins, reads,
// MFA enrolment, failures) is stored but never reloaded or re-evaluated, so a
// principal's history as the auditor reads it grows with access changes, not
// with activity.
var ledgerActions = []schemas.Action{
	schemas.ActionAccessGrant, schemas.ActionPolicyChange, schemas.ActionAccessRevoke, schemas.ActionAccessReviewed,
	schemas.ActionAccountCreate, schemas.ActionAccountEnable, schemas.ActionAccountDisable, schemas.ActionAccountDelete,
	schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete,
	schemas.ActionMFAReset, schemas.ActionPasswordReset, schemas.ActionAccountUnlock,
}

// ledgerEvent reports whether e is one of the events ledgerActions names.
func ledgerEvent(e *schemas.IdentityEvent) bool {
	return e.Outcome == schemas.OutcomeSuccess && slices.Contains(ledgerActions, e.Action)
}

// milli truncates t to the milliseconds DateTime64(3) keeps, in UTC, so a
// fact built in memory equals the one read back.
func milli(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// factFromEvent is the fact factFromRow reads back after eventRow(r) is
// stored, for the columns of iamFactSelect.
func factFromEvent(r *schemas.RoutedEvent) fact {
	e := &r.Event
	f := fact{
		EventID: e.EventID, Principal: principalOf(e), Category: e.Category, Action: e.Action, Outcome: e.Outcome,
		Lane: r.Decision.Lane, OccurredAt: milli(e.OccurredAt), ActorID: pid(e.Actor), SubjectID: pid(e.Subject),
		SubjectType: schemas.PrincipalType(ptype(e.Subject)), SubjectMail: pemail(e.Subject),
		TicketRefs: slices.Clone(e.TicketRefs),
	}
	if f.TicketRefs == nil {
		f.TicketRefs = []string{}
	}
	if ent := e.Entitlement; ent != nil {
		f.EntID, f.EntName, f.EntKind, f.EntPriv, f.EntSystem, f.EntWildcard =
			ent.ID, ent.Name, string(ent.Kind), ent.Privilege, ent.System, ent.Wildcard
	}
	if c := e.Credential; c != nil {
		f.CredID, f.CredKind, f.CredOwner = c.ID, string(c.Kind), pid(c.Owner)
		if c.ExpiresAt != nil {
			f.CredExpires = tp(milli(*c.ExpiresAt))
		}
	}
	f.Inv = e.Observed()
	if key, ok := keyUse(r); ok {
		f.CredID = key
	}
	f.NHISignIn = interactiveNHISignIn(e)
	if f.Action == schemas.ActionAccessReviewed {
		f.Decision = schemas.ReviewDecision(e.Attributes[schemas.AttrReviewDecision])
	}
	return f
}

// observation reads the inventory column of a fact row (nil when empty or not an
// observation).
func observation(s string) *schemas.Observation {
	if s == "" {
		return nil
	}
	e := schemas.IdentityEvent{Attributes: map[string]string{schemas.InventoryAttr: s}}
	return e.Observed()
}

// inventoryJSON is the inventory column of f.
func inventoryJSON(f *fact) string {
	if f.Inv == nil {
		return ""
	}
	b, _ := json.Marshal(f.Inv)
	return string(b)
}

// ticketFactFromEvent is the fact factFromRow reads back after eventRow(r)
// of a ticket event is stored, for the columns of ticketFactSelect.
func ticketFactFromEvent(r *schemas.RoutedEvent) fact {
	e := &r.Event
	t := e.Ticket
	ms := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		return tp(milli(*p))
	}
	var verified *bool
	if t.IdentityVerified != nil {
		v := *t.IdentityVerified
		verified = &v
	}
	f := fact{
		EventID: e.EventID, Principal: principalOf(e), Category: e.Category, Action: e.Action, Outcome: e.Outcome,
		Lane: r.Decision.Lane, OccurredAt: milli(e.OccurredAt), TicketRefs: slices.Clone(e.TicketRefs),
		Ticket: ticketFields{
			ID: t.ID, System: t.System, Kind: string(t.Kind), State: t.State, Approval: string(t.Approval),
			Approver: pid(t.Approver), Requester: pid(t.Requester), RequestedFor: pid(t.RequestedFor),
			RequestedForEmail: pemail(t.RequestedFor), RequestedEntitlement: deref(t.RequestedEntitlement),
			Justification: deref(t.Justification), RequestType: deref(t.RequestType), Emergency: t.Emergency,
			IdentityVerified: verified, ReviewDue: ms(t.ReviewDue), AccessExpires: ms(t.AccessExpires), ApprovedAt: ms(t.ApprovedAt),
		},
	}
	if f.TicketRefs == nil {
		f.TicketRefs = []string{}
	}
	return f
}

// batchFacts are the facts of the batch's IAM ledger events of principals.
func batchFacts(batch []schemas.RoutedEvent, principals map[string]bool, cfg *Config, uses map[int]bool) map[string][]fact {
	out := map[string][]fact{}
	for i := range batch {
		e := &batch[i].Event
		if uses[i] {
			// A use of the actor's credential: the actor's ledger event too.
			if f := factFromEvent(&batch[i]); principals[f.ActorID] && f.ActorID != f.Principal {
				f.Principal = f.ActorID
				out[f.Principal] = append(out[f.Principal], f)
			}
		}
		if e.Category == schemas.CategoryTicket || !ledgerRecord(&batch[i], cfg) && !(uses[i] && principalOf(e) == e.Actor.ID) {
			continue
		}
		if p := principalOf(e); principals[p] {
			out[p] = append(out[p], factFromEvent(&batch[i]))
		}
	}
	return out
}

// entitlementKey identifies an entitlement within a principal's grants.
func (f *fact) entitlementKey() string {
	return schemas.EntitlementKey(f.EntSystem, f.EntID, f.EntName)
}

func (f *fact) success() bool { return f.Outcome == schemas.OutcomeSuccess }

// accessChange reports a successful event that widens someone's access: a
// grant, or a policy attached to a subject.
func (f *fact) accessChange() bool {
	if !f.success() || f.SubjectID == "" {
		return false
	}
	return f.Action == schemas.ActionAccessGrant || (f.Action == schemas.ActionPolicyChange && (f.EntID != "" || f.EntName != ""))
}

// keyDay is a key's use on one UTC day (days since the epoch).
type keyDay struct {
	key string
	day int64
}

func day(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// keyUseMemo remembers the latest day a use of each key was recorded, so a key used all
// day long is one ledger event a day, not one a call. It forgets everything past a million
// keys (a forgotten key's next use is recorded again: harmless). Safe for concurrent use.
type keyUseMemo struct {
	mu   sync.Mutex
	days map[string]int64
}

const maxKeyUses = 1 << 20

// fresh reports whether a use of key at t is on a later day than the last one recorded.
func (m *keyUseMemo) fresh(key string, t time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.days[key]
	return !ok || day(t) > d
}

// mark records the uses a batch stored.
func (m *keyUseMemo) mark(uses map[keyDay]bool) {
	if len(uses) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.days == nil || len(m.days) > maxKeyUses {
		m.days = map[string]int64{}
	}
	for u := range uses {
		if u.day > m.days[u.key] {
			m.days[u.key] = u.day
		}
	}
}
