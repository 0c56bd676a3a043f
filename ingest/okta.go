package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// oktaRule is how one Okta eventType normalizes.
type oktaRule struct {
	Action   schemas.Action
	Category schemas.Category
	Kind     schemas.EntitlementKind // the kind of entitlement the event changes, if any
}

// oktaActions maps Okta System Log eventTypes to actions (FORMATS.md §1).
var oktaActions = map[string]oktaRule{
	"user.account.reset_password":                 {Action: schemas.ActionPasswordReset},
	"user.account.update_password":                {Action: schemas.ActionPasswordChange},
	"user.account.expire_password":                {Action: schemas.ActionPasswordReset},
	"system.email.password_reset.sent_message":    {Action: schemas.ActionPasswordReset},
	"system.sms.send_password_reset_message":      {Action: schemas.ActionPasswordReset},
	"user.account.lock":                           {Action: schemas.ActionAccountLock},
	"user.account.lock.limit":                     {Action: schemas.ActionAccountLock},
	"user.account.unlock":                         {Action: schemas.ActionAccountUnlock},
	"user.account.unlock_by_admin":                {Action: schemas.ActionAccountUnlock},
	"user.account.unlock_token":                   {Action: schemas.ActionAccountUnlock},
	"user.mfa.factor.activate":                    {Action: schemas.ActionMFAEnroll},
	"user.mfa.factor.update":                      {Action: schemas.ActionMFAEnroll},
	"user.mfa.factor.unsuspend":                   {Action: schemas.ActionMFAEnroll},
	"user.mfa.factor.deactivate":                  {Action: schemas.ActionMFAReset},
	"user.mfa.factor.reset_all":                   {Action: schemas.ActionMFAReset},
	"user.mfa.factor.suspend":                     {Action: schemas.ActionMFAReset},
	"user.session.impersonation.grant":            {Action: schemas.ActionImpersonation},
	"user.session.impersonation.initiate":         {Action: schemas.ActionImpersonation},
	"user.session.impersonation.end":              {Action: schemas.ActionAccessRevoke},
	"user.session.impersonation.revoke":           {Action: schemas.ActionAccessRevoke},
	"group.user_membership.add":                   {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup},
	"group.user_membership.remove":                {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementGroup},
	"application.user_membership.add":             {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"application.user_membership.update":          {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"application.user_membership.remove":          {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementApp},
	"application.user_membership.show_password":   {Action: schemas.ActionRead, Kind: schemas.EntitlementApp},
	"group.application_assignment.add":            {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"group.application_assignment.update":         {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"group.application_assignment.remove":         {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementApp},
	"user.account.privilege.grant":                {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"user.account.privilege.revoke":               {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"group.privilege.grant":                       {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"group.privilege.revoke":                      {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"app.oauth2.client.privilege.grant":           {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"app.oauth2.client.privilege.revoke":          {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"iam.resourceset.bindings.add":                {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"iam.resourceset.bindings.delete":             {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"iam.role.create":                             {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementRole},
	"iam.role.update":                             {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementRole},
	"iam.role.permissions.add":                    {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementRole},
	"integration.api_service.lifecycle.authorize": {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"integration.api_service.lifecycle.revoke":    {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementApp},
	"access.request.create":                       {Action: schemas.ActionTicketOpened, Category: schemas.CategoryTicket},
	"access.request.resolve":                      {Action: schemas.ActionTicketApproved, Category: schemas.CategoryTicket},
	"access.request.reject":                       {Action: schemas.ActionTicketRejected, Category: schemas.CategoryTicket},
	"access.request.expire":                       {Action: schemas.ActionTicketClosed, Category: schemas.CategoryTicket},
	"certification.campaign.item.decide":          {Action: schemas.ActionAccessReviewed},
	"certification.campaign.item.remediate":       {Action: schemas.ActionAccessRevoke},
	"user.lifecycle.create":                       {Action: schemas.ActionAccountCreate},
	"user.lifecycle.activate":                     {Action: schemas.ActionAccountEnable},
	"user.lifecycle.reactivate":                   {Action: schemas.ActionAccountEnable},
	"user.lifecycle.unsuspend":                    {Action: schemas.ActionAccountEnable},
	"user.lifecycle.deactivate":                   {Action: schemas.ActionAccountDisable},
	"user.lifecycle.suspend":                      {Action: schemas.ActionAccountDisable},
	"user.lifecycle.delete.initiated":             {Action: schemas.ActionAccountDelete},
	"user.lifecycle.delete.completed":             {Action: schemas.ActionAccountDelete},
	"system.api_token.create":                     {Action: schemas.ActionCredentialCreate},
	"system.api_token.enable":                     {Action: schemas.ActionCredentialCreate},
	"system.api_token.update":                     {Action: schemas.ActionCredentialRotate},
	"system.api_token.revoke":                     {Action: schemas.ActionCredentialDelete},
	"app.oauth2.client.lifecycle.create":          {Action: schemas.ActionAccountCreate, Kind: schemas.EntitlementApp},
	"app.oauth2.client.lifecycle.activate":        {Action: schemas.ActionAccountEnable, Kind: schemas.EntitlementApp},
	"app.oauth2.client.lifecycle.update":          {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"app.oauth2.client.lifecycle.deactivate":      {Action: schemas.ActionAccountDisable, Kind: schemas.EntitlementApp},
	"app.oauth2.client.lifecycle.delete":          {Action: schemas.ActionAccountDelete, Kind: schemas.EntitlementApp},
	"app.oauth2.credentials.lifecycle.create":     {Action: schemas.ActionCredentialCreate},
	"app.oauth2.credentials.lifecycle.activate":   {Action: schemas.ActionCredentialCreate},
	"app.oauth2.credentials.lifecycle.deactivate": {Action: schemas.ActionCredentialDelete},
	"app.oauth2.credentials.lifecycle.delete":     {Action: schemas.ActionCredentialDelete},
	"app.oauth2.client.read_client_secret":        {Action: schemas.ActionRead},
	"app.oauth2.token.grant.service_account":      {Action: schemas.ActionCredentialCreate},
	"pam.apikey.rotate":                           {Action: schemas.ActionCredentialRotate},
	"pam.apikey.delete":                           {Action: schemas.ActionCredentialDelete},
	"application.lifecycle.create":                {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"application.lifecycle.update":                {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"application.lifecycle.activate":              {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"application.lifecycle.deactivate":            {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"application.lifecycle.delete":                {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementApp},
	"policy.evaluate_sign_on":                     {Action: schemas.ActionSignIn},
	"app.generic.unauth_app_access_attempt":       {Action: schemas.ActionSignIn},
}

// oktaPrefixes map eventType families; the longest matching prefix wins after exact matches.
var oktaPrefixes = []struct {
	Prefix string
	Rule   oktaRule
}{
	{"user.authentication.", oktaRule{Action: schemas.ActionSignIn}},
	{"user.session.", oktaRule{Action: schemas.ActionSignIn}},
	{"app.oauth2.authorize", oktaRule{Action: schemas.ActionSignIn}},
	{"app.oauth2.as.authorize", oktaRule{Action: schemas.ActionSignIn}},
	{"policy.lifecycle.", oktaRule{Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy}},
	{"policy.rule.", oktaRule{Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy}},
	{"system.idp.lifecycle.", oktaRule{Action: schemas.ActionPolicyChange}},
	{"app.access_request.", oktaRule{Action: schemas.ActionTicketUpdated, Category: schemas.CategoryTicket}},
}

func oktaRuleFor(eventType string) oktaRule {
	if r, ok := oktaActions[eventType]; ok {
		return r
	}
	best, bestLen := oktaRule{Action: schemas.ActionOther}, 0
	for _, p := range oktaPrefixes {
		if strings.HasPrefix(eventType, p.Prefix) && len(p.Prefix) > bestLen {
			best, bestLen = p.Rule, len(p.Prefix)
		}
	}
	return best
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
	rule := oktaRuleFor(le.EventType)
	ev.SourceEventType = le.EventType
	ev.Action = rule.Action
	if rule.Category != "" {
		ev.Category = rule.Category
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
		case "Token":
			ev.Credential = &schemas.Credential{ID: "okta:" + t.ID, Kind: schemas.CredentialAPIToken, Owner: ev.Actor}
		case "AppUser", "PublicClientApp":
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
	if ev.Entitlement == nil && rule.Kind == schemas.EntitlementRole {
		ev.Entitlement = &schemas.Entitlement{ID: "okta:role:unknown", Name: "unknown admin role", Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeAdmin, System: "okta"}
	}
	if strings.HasPrefix(le.EventType, "app.oauth2.credentials.") || strings.HasPrefix(le.EventType, "pam.apikey.") {
		kind := schemas.CredentialClientSecret
		if strings.HasPrefix(le.EventType, "pam.apikey.") {
			kind = schemas.CredentialAPIToken
		}
		if ev.Credential == nil {
			ev.Credential = &schemas.Credential{ID: "okta:" + ev.EventID, Kind: kind}
		}
	}
	if ev.Subject == nil && ev.Credential != nil && ev.Credential.Owner != nil {
		ev.Subject = ev.Credential.Owner
	}
	if ev.Subject == nil && ev.Entitlement == nil && rule.Action != schemas.ActionOther {
		// Sign-ins and self-service: the actor acts on itself.
		switch rule.Action {
		case schemas.ActionSignIn, schemas.ActionPasswordChange, schemas.ActionMFAEnroll, schemas.ActionMFAReset, schemas.ActionAccountLock:
			ev.Subject = ev.Actor
		}
	}
	if ev.Subject == nil && (rule.Action == schemas.ActionMFAEnroll || rule.Action == schemas.ActionMFAReset || rule.Action == schemas.ActionImpersonation) {
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
