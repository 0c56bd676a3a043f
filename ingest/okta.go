package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// oktaCatalogue is the catalogue of every Okta System Log event type, generated from Okta's
// Event Types reference by scripts/catalog/okta (ingest/catalog/data/okta-event-types.tsv).
// It gives each eventType its action, category and the kind of entitlement it changes; the
// record's own content (targets, debugData, the API token that made the call) fills in whom
// and what.
const oktaCatalogue = "okta-event-types"

// oktaCredentialKinds name the kind of credential an eventType's family concerns, for the
// catalogue's CREDENTIAL_* entries whose record names no Token target. The catalogue says
// that a credential is created, rotated or revoked; the family says what kind it is. The
// first matching prefix wins; anything else is OTHER (vaulted secrets and passwords,
// Workflows connections).
var oktaCredentialKinds = []struct {
	Prefix string
	Kind   schemas.CredentialKind
}{
	{"system.api_token.", schemas.CredentialAPIToken},
	{"pam.apikey.", schemas.CredentialAPIToken},
	{"pam.workload_connection.api_key.", schemas.CredentialAPIToken},
	{"pam.gateway.setup_token.", schemas.CredentialAPIToken},
	{"pam.client_enrollment_policy_token.", schemas.CredentialAPIToken},
	{"app.oauth2.as.resource_server.credentials.", schemas.CredentialCertificate}, // access-token encryption keys
	{"app.oauth2.credentials.", schemas.CredentialClientSecret},                   // a client secret or a JWK
	{"app.office365.provisioning_app_credential.", schemas.CredentialClientSecret},
	{"workload_principal.", schemas.CredentialClientSecret},
	{"app.keys.", schemas.CredentialCertificate},
	{"app.app_instance.csr.", schemas.CredentialCertificate},
	{"app.oauth2.", schemas.CredentialCertificate}, // token signing key rollover
	{"pki.", schemas.CredentialCertificate},
	{"system.idp.key.", schemas.CredentialCertificate},
	{"system.hook.key.", schemas.CredentialCertificate},
	{"device.platform.", schemas.CredentialCertificate},
}

func oktaCredentialKind(eventType string) schemas.CredentialKind {
	for _, k := range oktaCredentialKinds {
		if strings.HasPrefix(eventType, k.Prefix) {
			return k.Kind
		}
	}
	return schemas.CredentialOther
}

// oktaActorTypes maps Okta actor types to principal types. SystemPrincipal and
// PublicClientApp occur in real logs though Okta's docs do not list them.
var oktaActorTypes = map[string]schemas.PrincipalType{
	"User":            schemas.PrincipalHuman,
	"PublicClientApp": schemas.PrincipalNHI,
	"AppInstance":     schemas.PrincipalNHI,
	"Token":           schemas.PrincipalNHI,
	"SystemPrincipal": schemas.PrincipalSystem,
}

type oktaActorJSON struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

type oktaLogEvent struct {
	UUID       string          `json:"uuid"`
	Published  string          `json:"published"`
	EventType  string          `json:"eventType"`
	DisplayMsg string          `json:"displayMessage"`
	Actor      *oktaActorJSON  `json:"actor"`
	Target     []oktaActorJSON `json:"target"`
	Outcome    *struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	Transaction *struct {
		Type   string          `json:"type"`
		ID     string          `json:"id"`
		Detail json.RawMessage `json:"detail"`
	} `json:"transaction"`
	DebugContext *struct {
		DebugData json.RawMessage `json:"debugData"` // an object, but some feeds send a string
	} `json:"debugContext"`
	Client *struct {
		IPAddress string `json:"ipAddress"`
	} `json:"client"`
}

// oktaParser parses an Okta event-hook delivery ({"data":{"events":[…]}}), a bare LogEvent,
// or an array of LogEvents (the /api/v1/logs polling shape).
var oktaParser = itemParser{split: oktaItems, one: oktaEvent}

// ParseOkta is the Okta parser, all or nothing.
func ParseOkta(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return oktaParser.Parse(body, now)
}

func oktaItems(body []byte) ([]json.RawMessage, error) {
	switch firstByte(body) {
	case '[':
		return validArray(body)
	case '{':
		return oktaHookItems(body)
	default:
		return nil, notObjectOrArray(body)
	}
}

// oktaHookItems finds the events of an object body: the elements of data.events, or the
// body itself when it is a LogEvent. A valid body is split by scanning; bodies the scan
// cannot decide (escaped keys, repeated or mistyped members) and invalid ones go through
// the decoder, which also words their errors.
func oktaHookItems(body []byte) ([]json.RawMessage, error) {
	if json.Valid(body) {
		if top, ok := objectFields(body, "data", "eventType"); ok {
			data, eventType := top[0], top[1]
			typed := firstByte(eventType) == 0 || firstByte(eventType) == 'n' || firstByte(eventType) == '"'
			switch {
			case !typed:
				// A mistyped eventType is an error even beside data: leave it to the decoder.
			case firstByte(data) == '{':
				if events, ok := objectFields(data, "events"); ok && (events[0] == nil || firstByte(events[0]) == '[' || firstByte(events[0]) == 'n') {
					items, err := splitArray(events[0])
					if err != nil {
						return nil, bodyErr(fmt.Errorf("%w: data.events must be an array", ErrShape))
					}
					return items, nil
				}
			case firstByte(data) == 0 || firstByte(data) == 'n':
				switch firstByte(eventType) {
				case 0, 'n':
					return nil, bodyErr(fmt.Errorf("%w: want an event hook {\"data\":{\"events\":[…]}} or a LogEvent with eventType", ErrShape))
				case '"':
					if len(eventType) > 2 {
						return []json.RawMessage{body}, nil
					}
					return nil, bodyErr(fmt.Errorf("%w: want an event hook {\"data\":{\"events\":[…]}} or a LogEvent with eventType", ErrShape))
				}
			}
		}
	}
	return oktaHookItemsDecoded(body)
}

// oktaHookItemsDecoded is oktaHookItems through the decoder.
func oktaHookItemsDecoded(body []byte) ([]json.RawMessage, error) {
	var env struct {
		Data *struct {
			Events json.RawMessage `json:"events"`
		} `json:"data"`
		EventType string `json:"eventType"`
	}
	if err := decodeEnvelope(body, &env); err != nil {
		return nil, err
	}
	switch {
	case env.Data != nil:
		items, err := splitArray(env.Data.Events)
		if err != nil {
			return nil, bodyErr(fmt.Errorf("%w: data.events must be an array", ErrShape))
		}
		return items, nil
	case env.EventType != "":
		return []json.RawMessage{body}, nil
	default:
		return nil, bodyErr(fmt.Errorf("%w: want an event hook {\"data\":{\"events\":[…]}} or a LogEvent with eventType", ErrShape))
	}
}

func oktaEvent(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var le oktaLogEvent
	if err := json.Unmarshal(raw, &le); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if le.EventType == "" {
		return nil, missing("eventType")
	}
	ev := newEvent(schemas.SourceOkta, le.UUID, raw, now)
	ev.SourceEventType = le.EventType
	entry, known := catalog.Get(oktaCatalogue).Apply(&ev, le.EventType)
	if known {
		ev.Action = entry.CanonicalAction()
		ev.Category = entry.Category
	}
	setOccurredAt(&ev, now, le.Published)
	if le.Outcome != nil {
		ev.Outcome = outcomeOf(le.Outcome.Result)
		setAttr(&ev, "outcome_reason", le.Outcome.Reason)
	}
	if le.Client != nil {
		setAttr(&ev, "src_ip", le.Client.IPAddress)
	}
	var texts []string
	texts = append(texts, le.DisplayMsg)
	if le.Outcome != nil {
		texts = append(texts, le.Outcome.Reason)
	}
	if le.Transaction != nil {
		setAttr(&ev, "transaction_id", le.Transaction.ID)
		texts = append(texts, string(le.Transaction.Detail))
	}

	if le.Actor != nil {
		typ, ok := oktaActorTypes[le.Actor.Type]
		if !ok {
			typ = schemas.PrincipalUnknown
		}
		if tokenID := oktaAPITokenID(le); tokenID != "" {
			// A call made with an API token is automation, whoever created the token.
			typ = schemas.PrincipalNHI
			setAttr(&ev, "api_token_id", tokenID)
		}
		ev.Actor = newPrincipal(schemas.SourceOkta, le.Actor.ID, le.Actor.AlternateID, le.Actor.DisplayName, typ)
	}

	var debug map[string]any
	if le.DebugContext != nil && firstByte(le.DebugContext.DebugData) == '{' && mayHoldPrivilege(le.DebugContext.DebugData) {
		_ = json.Unmarshal(le.DebugContext.DebugData, &debug)
	}
	// An access certification's decision (Okta Identity Governance): keep or revoke.
	if le.DebugContext != nil && firstByte(le.DebugContext.DebugData) == '{' && bytes.Contains(le.DebugContext.DebugData, []byte("decision")) {
		var d struct {
			Decision string `json:"decision"`
		}
		if json.Unmarshal(le.DebugContext.DebugData, &d) == nil {
			setAttr(&ev, schemas.AttrReviewDecision, schemas.ReviewDecision(d.Decision))
		}
	}
	var app *schemas.Principal // the first AppInstance target, as the non-human identity it is
	var appUser string         // the first AppUser target's username in the app
	for _, t := range le.Target {
		switch t.Type {

		case "User":
			if ev.Subject == nil {
				ev.Subject = newPrincipal(schemas.SourceOkta, t.ID, t.AlternateID, t.DisplayName, schemas.PrincipalHuman)
			}
		case "UserGroup":
			if ev.Entitlement == nil {
				ev.Entitlement = oktaEntitlement(t, schemas.EntitlementGroup)
			}
		case "AppInstance":
			if ev.Entitlement == nil {
				ev.Entitlement = oktaEntitlement(t, schemas.EntitlementApp)
			}
			if app == nil {
				app = newPrincipal(schemas.SourceOkta, t.ID, "", t.DisplayName, schemas.PrincipalNHI)
			}
		case "PolicyEntity", "PolicyRule":
			// Only where the catalogue says the event changes a policy: sign-on evaluations
			// name the policies they evaluated too.
			if ev.Entitlement == nil && entry.Kind == schemas.EntitlementPolicy {
				ev.Entitlement = oktaEntitlement(t, schemas.EntitlementPolicy)
			}
		case "Token":
			ev.Credential = &schemas.Credential{ID: "okta:" + t.ID, Kind: schemas.CredentialAPIToken, Owner: ev.Actor}
		case "AppUser", "PublicClientApp":
			if t.Type == "AppUser" && appUser == "" {
				appUser = t.AlternateID
			}
			if ev.Subject == nil && t.Type == "PublicClientApp" {
				ev.Subject = newPrincipal(schemas.SourceOkta, t.ID, "", t.DisplayName, schemas.PrincipalNHI)
			}
		}
	}
	if granted, _ := debug["privilegeGranted"].(string); granted != "" {
		ev.Entitlement = oktaRole(granted)
	} else if revoked, _ := debug["privilegeRevoked"].(string); revoked != "" {
		ev.Entitlement = oktaRole(revoked)
	}
	if ev.Entitlement == nil && entry.Kind == schemas.EntitlementRole {
		// A role grant whose record names no role (privilegeGranted absent): the catalogue
		// knows it is an admin role, not which.
		ev.Entitlement = &schemas.Entitlement{ID: "okta:role:unknown", Name: "unknown role", Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeUnknown, System: "okta"}
		if entry.Privilege == schemas.PrivilegeAdmin {
			ev.Entitlement.Name, ev.Entitlement.Privilege = "unknown admin role", schemas.PrivilegeAdmin
		}
	}
	switch ev.Action {
	case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
		if ev.Credential == nil {
			ev.Credential = &schemas.Credential{ID: "okta:" + ev.EventID, Kind: oktaCredentialKind(le.EventType)}
		}
	}
	if ev.Subject == nil && ev.Credential != nil && ev.Credential.Owner != nil {
		ev.Subject = ev.Credential.Owner
	}
	// The person's username in the app (an app assignment's AppUser target, a SAML sign-on's
	// subject): the account the app's own logs may name them by.
	if appUser == "" && le.EventType == "user.authentication.sso" && le.DebugContext != nil && bytes.Contains(le.DebugContext.DebugData, []byte(`"subject"`)) {
		var d struct {
			Subject string `json:"subject"`
		}
		if json.Unmarshal(le.DebugContext.DebugData, &d) == nil {
			appUser = d.Subject
		}
	}
	if !placeholder(appUser) {
		setAttr(&ev, "app_user", strings.TrimSpace(appUser))
	}
	if ev.Subject == nil && app != nil {
		// An app's own secret or key, or the lifecycle of an OAuth client: the app is whose
		// credential or account changes.
		switch ev.Action {
		case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete,
			schemas.ActionAccountCreate, schemas.ActionAccountEnable, schemas.ActionAccountDisable, schemas.ActionAccountDelete:
			ev.Subject = app
		}
	}
	if ev.Subject == nil && ev.Entitlement == nil {
		// Sign-ins and self-service: the actor acts on itself.
		switch ev.Action {
		case schemas.ActionSignIn, schemas.ActionPasswordChange, schemas.ActionMFAEnroll, schemas.ActionMFAReset, schemas.ActionAccountLock:
			ev.Subject = ev.Actor
		}
	}
	if ev.Subject == nil && (ev.Action == schemas.ActionMFAEnroll || ev.Action == schemas.ActionMFAReset || ev.Action == schemas.ActionImpersonation) {
		ev.Subject = ev.Actor
	}
	if ev.Category == schemas.CategoryTicket {
		requestID := ""
		for _, t := range le.Target {
			if strings.Contains(strings.ToLower(t.Type), "request") && t.ID != "" {
				requestID = t.ID
				break
			}
		}
		if requestID == "" && le.Transaction != nil {
			requestID = le.Transaction.ID
		}
		idpRequestTicket(&ev, "okta", requestID)
	}
	finish(&ev, texts...)
	return []schemas.IdentityEvent{ev}, nil
}

// oktaAPITokenID is the id of the API token that made the call, if one did.
func oktaAPITokenID(le oktaLogEvent) string {
	if le.Transaction == nil || bytes.IndexByte(le.Transaction.Detail, ':') < 0 {
		return "" // absent, null or {}: no key at all, nothing to decode
	}
	var d struct {
		RequestAPITokenID string `json:"requestApiTokenId"`
	}
	_ = json.Unmarshal(le.Transaction.Detail, &d)
	return d.RequestAPITokenID
}

// mayHoldPrivilege reports whether debugData can hold privilegeGranted or privilegeRevoked:
// the key is spelled out, or hidden behind a \u escape. Most events carry neither, and
// skip decoding debugData into a generic map.
func mayHoldPrivilege(debugData []byte) bool {
	return bytes.Contains(debugData, []byte("privilege")) || bytes.Contains(debugData, []byte(`\u`))
}

func oktaEntitlement(t oktaActorJSON, kind schemas.EntitlementKind) *schemas.Entitlement {
	name := t.DisplayName
	if name == "" {
		name = t.AlternateID
	}
	return &schemas.Entitlement{ID: "okta:" + t.ID, Name: name, Kind: kind, Privilege: PrivilegeOf(name), System: "okta"}
}

// oktaRole is the entitlement of an admin-role grant; privilegeGranted lists role names.
// Every Okta admin role administers something, so the grant is ADMIN unless read-only.
func oktaRole(names string) *schemas.Entitlement {
	priv := PrivilegeOf(names)
	if priv == schemas.PrivilegeUnknown {
		priv = schemas.PrivilegeAdmin
	}
	return &schemas.Entitlement{ID: "okta:role:" + strings.ToLower(strings.TrimSpace(names)), Name: names, Kind: schemas.EntitlementRole, Privilege: priv, System: "okta"}
}
