package avrotest

import (
	"math/rand/v2"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// RandomEvent returns an IdentityEvent with every field drawn from rng: each
// optional field present or not, collections from empty to longer than one
// Avro block (100 items), strings from empty to multi-byte, times before and
// after 1970 at millisecond precision (what timestamp-millis keeps), and a
// raw payload up to 2 KiB. It is what a canonical decode returns: empty
// collections are empty, not nil.
func RandomEvent(rng *rand.Rand) schemas.IdentityEvent {
	g := gen{rng}
	ev := schemas.IdentityEvent{
		EventID:         g.str(),
		Source:          pick(g, []schemas.Source{schemas.SourceOkta, schemas.SourceEntra, schemas.SourceCloudTrail, schemas.SourceGoogleWorkspace, schemas.SourceServiceNow, schemas.SourceJiraSM, schemas.SourceGeneric}),
		SourceEventType: g.str(),
		Category:        pick(g, []schemas.Category{schemas.CategoryIAM, schemas.CategoryTicket, schemas.CategoryOther}),
		Action:          pick(g, actions),
		OccurredAt:      g.time(),
		IngestedAt:      g.time(),
		Outcome:         pick(g, []schemas.Outcome{schemas.OutcomeSuccess, schemas.OutcomeFailure, schemas.OutcomeUnknown}),
		Actor:           g.principal(),
		Subject:         g.principal(),
		TicketRefs:      []string{},
		Ocsf:            schemas.Ocsf{ClassUID: g.int32(), ActivityID: g.int32()},
		Attributes:      map[string]string{},
		Raw:             make([]byte, g.rng.IntN(2048)),
	}
	if g.maybe() {
		ev.Entitlement = &schemas.Entitlement{
			ID: g.str(), Name: g.str(),
			Kind:      pick(g, []schemas.EntitlementKind{schemas.EntitlementGroup, schemas.EntitlementRole, schemas.EntitlementApp, schemas.EntitlementPolicy, schemas.EntitlementPermission, schemas.EntitlementAccount, schemas.EntitlementOther}),
			Privilege: pick(g, []schemas.Privilege{schemas.PrivilegeAdmin, schemas.PrivilegeWrite, schemas.PrivilegeRead, schemas.PrivilegeUnknown}),
			System:    g.str(), Environment: g.optStr(), Wildcard: g.maybe(),
		}
	}
	if g.maybe() {
		ev.Credential = &schemas.Credential{
			ID:    g.str(),
			Kind:  pick(g, []schemas.CredentialKind{schemas.CredentialAPIToken, schemas.CredentialAccessKey, schemas.CredentialClientSecret, schemas.CredentialCertificate, schemas.CredentialOther}),
			Owner: g.principal(), ExpiresAt: g.optTime(),
		}
	}
	if g.maybe() {
		t := &schemas.Ticket{
			ID: g.str(), System: g.str(),
			Kind:     pick(g, []schemas.TicketKind{schemas.TicketIncident, schemas.TicketServiceRequest, schemas.TicketChange, schemas.TicketAccessReview, schemas.TicketOther}),
			State:    g.str(),
			Approval: pick(g, []schemas.Approval{schemas.ApprovalApproved, schemas.ApprovalRejected, schemas.ApprovalPending, schemas.ApprovalNotRequired, schemas.ApprovalUnknown}),
			Approver: g.principal(), Requester: g.principal(), RequestedFor: g.principal(),
			RequestedEntitlement: g.optStr(), Justification: g.optStr(), Emergency: g.maybe(),
			ReviewDue: g.optTime(), AccessExpires: g.optTime(), RequestType: g.optStr(), ApprovedAt: g.optTime(),
		}
		if g.maybe() {
			v := g.maybe()
			t.IdentityVerified = &v
		}
		ev.Ticket = t
	}
	for range g.count() {
		ev.TicketRefs = append(ev.TicketRefs, g.str())
	}
	for range g.count() {
		ev.Attributes[g.str()] = g.str()
	}
	for i := range ev.Raw {
		ev.Raw[i] = byte(g.rng.Uint32())
	}
	return ev
}

var actions = []schemas.Action{
	schemas.ActionPasswordReset, schemas.ActionPasswordChange, schemas.ActionAccountUnlock, schemas.ActionAccountLock,
	schemas.ActionMFAReset, schemas.ActionMFAEnroll, schemas.ActionAccessGrant, schemas.ActionAccessRevoke,
	schemas.ActionAccountCreate, schemas.ActionAccountEnable, schemas.ActionAccountDisable, schemas.ActionAccountDelete,
	schemas.ActionPolicyChange, schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete,
	schemas.ActionAccessReviewed, schemas.ActionImpersonation, schemas.ActionSignIn, schemas.ActionRead,
	schemas.ActionTicketOpened, schemas.ActionTicketUpdated, schemas.ActionTicketApproved, schemas.ActionTicketRejected,
	schemas.ActionTicketClosed, schemas.ActionOther,
}

// RandomDecision returns a Decision drawn from rng, with reasons and
// controls from none to more than one Avro block, decided at a millisecond.
func RandomDecision(rng *rand.Rand) schemas.Decision {
	g := gen{rng}
	d := schemas.Decision{
		Lane:          pick(g, schemas.Lanes),
		Impact:        pick(g, []schemas.Impact{schemas.ImpactNone, schemas.ImpactLow, schemas.ImpactMedium, schemas.ImpactHigh, schemas.ImpactCritical}),
		RuleID:        g.str(),
		Reasons:       []string{},
		PolicyVersion: g.str(),
		DecidedAt:     g.time(),
	}
	controls := []schemas.Control{schemas.ControlApproval, schemas.ControlJustification, schemas.ControlReviewDate, schemas.ControlTimeBound,
		schemas.ControlPostEventReview, schemas.ControlIdentityProofing, schemas.ControlRotation, schemas.ControlOwner, schemas.ControlOther}
	d.RequiredControls = []schemas.Control{}
	for range g.count() {
		d.Reasons = append(d.Reasons, g.str())
	}
	for range g.count() {
		d.RequiredControls = append(d.RequiredControls, pick(g, controls))
	}
	return d
}

type gen struct{ rng *rand.Rand }

func pick[T any](g gen, from []T) T { return from[g.rng.IntN(len(from))] }

func (g gen) maybe() bool { return g.rng.IntN(2) == 0 }

// count is mostly small, sometimes past one Avro block.
func (g gen) count() int {
	switch g.rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return 95 + g.rng.IntN(120)
	}
	return 1 + g.rng.IntN(9)
}

func (g gen) int32() int32 { return int32(g.rng.Uint32()) }

var runes = []rune("abcXYZ019 _-:./@é漢字🙂\"\\\n")

func (g gen) str() string {
	n := g.rng.IntN(40)
	if g.rng.IntN(8) == 0 {
		n = 0
	}
	r := make([]rune, n)
	for i := range r {
		r[i] = runes[g.rng.IntN(len(runes))]
	}
	return string(r)
}

func (g gen) optStr() *string {
	if g.maybe() {
		return nil
	}
	s := g.str()
	return &s
}

func (g gen) time() time.Time {
	// 1900 to 2100, at a millisecond.
	return time.UnixMilli(g.rng.Int64N(200*365*24*3600*1000) - 70*365*24*3600*1000).UTC()
}

func (g gen) optTime() *time.Time {
	if g.maybe() {
		return nil
	}
	t := g.time()
	return &t
}

func (g gen) principal() *schemas.Principal {
	if g.maybe() {
		return nil
	}
	return &schemas.Principal{
		ID: g.str(), SourceID: g.str(),
		Type:        pick(g, []schemas.PrincipalType{schemas.PrincipalHuman, schemas.PrincipalNHI, schemas.PrincipalSystem, schemas.PrincipalUnknown}),
		DisplayName: g.optStr(), Email: g.optStr(),
	}
}
