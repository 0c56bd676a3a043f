package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Enumerations accepted in canonical events, from DESIGN.md §4.
var (
	validSources    = enumSet(schemas.SourceOkta, schemas.SourceEntra, schemas.SourceCloudTrail, schemas.SourceGoogleWorkspace, schemas.SourceServiceNow, schemas.SourceJiraSM, schemas.SourceGeneric)
	validActions    = enumSet(schemas.ActionPasswordReset, schemas.ActionPasswordChange, schemas.ActionAccountUnlock, schemas.ActionAccountLock, schemas.ActionMFAReset, schemas.ActionMFAEnroll, schemas.ActionAccessGrant, schemas.ActionAccessRevoke, schemas.ActionAccountCreate, schemas.ActionAccountEnable, schemas.ActionAccountDisable, schemas.ActionAccountDelete, schemas.ActionPolicyChange, schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete, schemas.ActionAccessReviewed, schemas.ActionImpersonation, schemas.ActionSignIn, schemas.ActionRead, schemas.ActionTicketOpened, schemas.ActionTicketUpdated, schemas.ActionTicketApproved, schemas.ActionTicketRejected, schemas.ActionTicketClosed, schemas.ActionOther)
	validCategories = enumSet(schemas.CategoryIAM, schemas.CategoryTicket, schemas.CategoryOther)
	validOutcomes   = enumSet(schemas.OutcomeSuccess, schemas.OutcomeFailure, schemas.OutcomeUnknown)
	validPrincipals = enumSet(schemas.PrincipalHuman, schemas.PrincipalNHI, schemas.PrincipalSystem, schemas.PrincipalUnknown)
	validKinds      = enumSet(schemas.EntitlementGroup, schemas.EntitlementRole, schemas.EntitlementApp, schemas.EntitlementPolicy, schemas.EntitlementPermission, schemas.EntitlementAccount, schemas.EntitlementOther)
	validPrivileges = enumSet(schemas.PrivilegeAdmin, schemas.PrivilegeWrite, schemas.PrivilegeRead, schemas.PrivilegeUnknown)
	validCredKinds  = enumSet(schemas.CredentialAPIToken, schemas.CredentialAccessKey, schemas.CredentialClientSecret, schemas.CredentialCertificate, schemas.CredentialOther)
	validTickets    = enumSet(schemas.TicketIncident, schemas.TicketServiceRequest, schemas.TicketChange, schemas.TicketAccessReview, schemas.TicketOther)
	validApprovals  = enumSet(schemas.ApprovalApproved, schemas.ApprovalRejected, schemas.ApprovalPending, schemas.ApprovalNotRequired, schemas.ApprovalUnknown)
)

func enumSet[T ~string](vs ...T) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[string(v)] = true
	}
	return m
}

// ParseGeneric parses canonical IdentityEvent JSON (one object or an array) and CloudEvents
// 1.0 structured mode ({"specversion":"1.0", "id", "source", "type", "data": {event}}), for
// producers that normalize themselves.
func ParseGeneric(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return genericParser.Parse(body, now)
}

var genericParser = itemParser{split: jiraItems, one: genericEvent}

// genericEvent parses one canonical event or structured-mode CloudEvent.
func genericEvent(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var ce struct {
		SpecVersion string          `json:"specversion"`
		ID          string          `json:"id"`
		Source      string          `json:"source"`
		Type        string          `json:"type"`
		Time        string          `json:"time"`
		Data        json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &ce); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if ce.SpecVersion == "" {
		return canonicalEvent(raw, CloudEventAttrs{}, now)
	}
	if ce.SpecVersion != "1.0" {
		return nil, fmt.Errorf("%w: CloudEvents specversion %q (want 1.0)", ErrShape, ce.SpecVersion)
	}
	if ce.ID == "" || ce.Source == "" || ce.Type == "" {
		return nil, missing("CloudEvents id, source and type")
	}
	if firstByte(ce.Data) != '{' {
		return nil, fmt.Errorf("%w: CloudEvents data must be a JSON object (a canonical event)", ErrShape)
	}
	return canonicalEvent(ce.Data, CloudEventAttrs{ID: ce.ID, Source: ce.Source, Type: ce.Type, Time: ce.Time}, now)
}

// CloudEventAttrs are the CloudEvents attributes that came with a canonical event, from
// the structured envelope or the ce-* headers of binary mode.
type CloudEventAttrs struct {
	ID, Source, Type, Time string
}

// ParseCloudEventBinary parses a CloudEvents binary-mode HTTP request: the body is the
// canonical event, the attributes came in ce-* headers.
func ParseCloudEventBinary(attrs CloudEventAttrs, body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return allOrNothing(parseCloudEventBinaryBatch(attrs, body, now))
}

// parseCloudEventBinaryBatch is ParseCloudEventBinary as a batch of one item.
func parseCloudEventBinaryBatch(attrs CloudEventAttrs, body []byte, now time.Time) (Batch, error) {
	if !json.Valid(body) {
		return Batch{}, bodyErr(ErrMalformed)
	}
	if attrs.ID == "" || attrs.Source == "" || attrs.Type == "" {
		return Batch{}, bodyErr(missing("ce-id, ce-source and ce-type headers"))
	}
	if firstByte(body) != '{' {
		return Batch{}, bodyErr(fmt.Errorf("%w: binary-mode data must be one JSON object", ErrShape))
	}
	return parseItems(body, []json.RawMessage{body}, now, func(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
		return canonicalEvent(raw, attrs, now)
	})
}

// canonicalEvent decodes and validates one canonical event. Strict: unknown fields and
// values outside the enumerations are errors, because a self-normalizing producer that
// sends them has a bug the router should not guess around.
func canonicalEvent(raw []byte, ce CloudEventAttrs, now time.Time) ([]schemas.IdentityEvent, error) {
	var ev schemas.IdentityEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if ev.EventID == "" && ce.ID != "" {
		ev.EventID = "generic:" + ce.ID
	}
	if ev.Source == "" {
		ev.Source = schemas.SourceGeneric
	}
	if ev.Category == "" {
		ev.Category = schemas.CategoryIAM
		if strings.HasPrefix(string(ev.Action), "TICKET_") {
			ev.Category = schemas.CategoryTicket
		}
	}
	if ev.Outcome == "" {
		ev.Outcome = schemas.OutcomeUnknown
	}
	if err := validateCanonical(&ev); err != nil {
		return nil, err
	}
	if ev.Attributes == nil {
		ev.Attributes = map[string]string{}
	}
	if ev.TicketRefs == nil {
		ev.TicketRefs = []string{}
	}
	if ev.OccurredAt.IsZero() {
		setOccurredAt(&ev, now, ce.Time)
	}
	if ce.Source != "" {
		ev.Attributes["ce_source"] = ce.Source
		ev.Attributes["ce_type"] = ce.Type
	}
	ev.IngestedAt = now.UTC()
	ev.OccurredAt = ev.OccurredAt.UTC()
	if len(ev.Raw) == 0 {
		ev.Raw = redactValid(raw) // raw was decoded above, so it is valid JSON
	} else if r := Redact(ev.Raw); r != nil {
		ev.Raw = r
	}
	if ev.Ocsf == (schemas.Ocsf{}) {
		kind, priv := schemas.EntitlementKind(""), schemas.PrivilegeUnknown
		if ev.Entitlement != nil {
			kind, priv = ev.Entitlement.Kind, ev.Entitlement.Privilege
		}
		ev.Ocsf = OcsfFor(ev.Action, kind, priv)
	}
	return []schemas.IdentityEvent{ev}, nil
}

func validateCanonical(ev *schemas.IdentityEvent) error {
	bad := func(field, value string) error {
		return fmt.Errorf("%w: %s: invalid value %q", ErrShape, field, value)
	}
	if ev.EventID == "" {
		return missing("event_id")
	}
	if ev.Action == "" {
		return missing("action")
	}
	if !validSources[string(ev.Source)] {
		return bad("source", string(ev.Source))
	}
	if !validActions[string(ev.Action)] {
		return bad("action", string(ev.Action))
	}
	if !validCategories[string(ev.Category)] {
		return bad("category", string(ev.Category))
	}
	if !validOutcomes[string(ev.Outcome)] {
		return bad("outcome", string(ev.Outcome))
	}
	for name, p := range map[string]*schemas.Principal{"actor": ev.Actor, "subject": ev.Subject} {
		if err := validatePrincipal(name, p); err != nil {
			return err
		}
	}
	if e := ev.Entitlement; e != nil {
		if e.ID == "" {
			return missing("entitlement.id")
		}
		if e.Privilege == "" {
			e.Privilege = schemas.PrivilegeUnknown
		}
		if !validKinds[string(e.Kind)] {
			return bad("entitlement.kind", string(e.Kind))
		}
		if !validPrivileges[string(e.Privilege)] {
			return bad("entitlement.privilege", string(e.Privilege))
		}
	}
	if c := ev.Credential; c != nil {
		if c.ID == "" {
			return missing("credential.id")
		}
		if !validCredKinds[string(c.Kind)] {
			return bad("credential.kind", string(c.Kind))
		}
		if err := validatePrincipal("credential.owner", c.Owner); err != nil {
			return err
		}
	}
	if t := ev.Ticket; t != nil {
		if t.ID == "" {
			return missing("ticket.id")
		}
		if t.Approval == "" {
			t.Approval = schemas.ApprovalUnknown
		}
		if !validTickets[string(t.Kind)] {
			return bad("ticket.kind", string(t.Kind))
		}
		if !validApprovals[string(t.Approval)] {
			return bad("ticket.approval", string(t.Approval))
		}
		for name, p := range map[string]*schemas.Principal{"ticket.approver": t.Approver, "ticket.requester": t.Requester, "ticket.requested_for": t.RequestedFor} {
			if err := validatePrincipal(name, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func validatePrincipal(name string, p *schemas.Principal) error {
	if p == nil {
		return nil
	}
	if p.ID == "" {
		return missing(name + ".id")
	}
	if p.Type == "" {
		p.Type = schemas.PrincipalUnknown
	}
	if !validPrincipals[string(p.Type)] {
		return fmt.Errorf("%w: %s.type: invalid value %q", ErrShape, name, p.Type)
	}
	return nil
}
