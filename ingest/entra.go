package ingest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// entraCatalog is Microsoft's audit activity reference as a catalogue
// (scripts/catalog/entra). Its keys are "<category>/<activity>" and, for records whose
// category is missing or not one the reference lists for the activity, the activity alone;
// both folded as EntraCategoryKey and EntraActivityKey do.
var entraCatalog = catalog.Get("entra-audit-activities")

// entraLookup records on ev the catalogue entry of a record's category and activity: the
// category's own entry when the reference has one, else the activity's.
func entraLookup(ev *schemas.IdentityEvent, category, activity string) (catalog.Entry, bool) {
	act := EntraActivityKey(activity)
	if cat := EntraCategoryKey(category); cat != "" {
		if _, ok := entraCatalog.Lookup(cat + "/" + act); ok {
			return entraCatalog.Apply(ev, cat+"/"+act)
		}
	}
	return entraCatalog.Apply(ev, act)
}

// EntraCategoryKey folds an audit category ("Application Management" and
// "ApplicationManagement" are one), as the entra-audit-activities catalogue is keyed; its
// generator (scripts/catalog/entra) folds with it.
func EntraCategoryKey(s string) string {
	return strings.ToLower(spaces.ReplaceAllString(strings.TrimSpace(s), ""))
}

var (
	spaces = regexp.MustCompile(`\s+`)
	dashes = strings.NewReplacer("\u2013", "-", "\u2014", "-", "\u2012", "-", "\u2212", "-")
)

// EntraActivityKey folds the variants real logs use for one activity: en/em dashes and
// hyphens, case, and runs of spaces. The catalogue and its generator are keyed by it.
func EntraActivityKey(s string) string {
	s = dashes.Replace(s)
	return strings.ToLower(strings.TrimSpace(spaces.ReplaceAllString(s, " ")))
}

type entraIdentity struct {
	ID                   string `json:"id"`
	DisplayName          string `json:"displayName"`
	UserPrincipalName    string `json:"userPrincipalName"`
	AppID                string `json:"appId"`
	ServicePrincipalID   string `json:"servicePrincipalId"`
	ServicePrincipalName string `json:"servicePrincipalName"`
}

type entraModifiedProperty struct {
	DisplayName string          `json:"displayName"`
	OldValue    json.RawMessage `json:"oldValue"`
	NewValue    json.RawMessage `json:"newValue"`
}

type entraTarget struct {
	ID                 string                  `json:"id"`
	DisplayName        string                  `json:"displayName"`
	Type               string                  `json:"type"`
	UserPrincipalName  string                  `json:"userPrincipalName"`
	ModifiedProperties []entraModifiedProperty `json:"modifiedProperties"`
}

type entraAudit struct {
	ID                  string `json:"id"`
	Category            string `json:"category"`
	CorrelationID       string `json:"correlationId"`
	Result              string `json:"result"`
	ResultReason        string `json:"resultReason"`
	ActivityDisplayName string `json:"activityDisplayName"`
	CreatedDateTime     string `json:"createdDateTime"` // set on sign-in records only
	OperationName       string `json:"operationName"`
	ActivityDateTime    string `json:"activityDateTime"`
	LoggedByService     string `json:"loggedByService"`
	OperationType       string `json:"operationType"`
	InitiatedBy         *struct {
		User *entraIdentity `json:"user"`
		App  *entraIdentity `json:"app"`
	} `json:"initiatedBy"`
	TargetResources   []entraTarget `json:"targetResources"`
	AdditionalDetails []struct {
		Key   string      `json:"key"`
		Value looseString `json:"value"` // numbers occur (counts, ids)
	} `json:"additionalDetails"`
}

// entraRecord is the Azure Monitor envelope of an Event Hubs record. durationMs and Level
// arrive as numbers or strings, so they are not decoded. Category is the log category
// (AuditLogs, SignInLogs, ServicePrincipalSignInLogs…), not the audit category.
type entraRecord struct {
	Time          string          `json:"time"`
	Category      string          `json:"category"`
	Result        string          `json:"result"`
	ResultType    looseString     `json:"resultType"` // "0", 0, "Success" and "Failure" all occur
	OperationName string          `json:"operationName"`
	Properties    json.RawMessage `json:"properties"`
}

// entraSignIn is the part of a sign-in record (Graph signIn, or the properties of a
// sign-in log record) tollgate reads.
type entraSignIn struct {
	ID                   string `json:"id"`
	CreatedDateTime      string `json:"createdDateTime"`
	UserID               string `json:"userId"`
	UserPrincipalName    string `json:"userPrincipalName"`
	UserDisplayName      string `json:"userDisplayName"`
	AppID                string `json:"appId"`
	AppDisplayName       string `json:"appDisplayName"`
	ServicePrincipalID   string `json:"servicePrincipalId"`
	ServicePrincipalName string `json:"servicePrincipalName"`
	CorrelationID        string `json:"correlationId"`
	// ServicePrincipalCredentialKeyID is the keyId of the secret or certificate a service
	// principal signed in with (ServicePrincipalSignInLogs; Graph beta signIn).
	ServicePrincipalCredentialKeyID string `json:"servicePrincipalCredentialKeyId"`
	Status                          *struct {
		ErrorCode     *int64 `json:"errorCode"`
		FailureReason string `json:"failureReason"`
	} `json:"status"`
}

// ParseEntra parses Entra audit and sign-in logs: an Event Hubs message {"records":[…]}
// (Graph object under properties), a Graph page {"value":[…]}, a bare directoryAudit or
// signIn object, or an array.
func ParseEntra(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return entraParser.Parse(body, now)
}

var entraParser = itemParser{
	split: func(body []byte) ([]json.RawMessage, error) { return batchItems(body, "records", "value") },
	one:   entraEvent,
}

func entraEvent(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var rec entraRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	auditJSON := []byte(raw)
	if len(rec.Properties) > 0 && firstByte(rec.Properties) == '{' {
		auditJSON = rec.Properties
	}
	var a entraAudit
	if err := json.Unmarshal(auditJSON, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if (a.ActivityDisplayName == "" && a.OperationName == "" && a.CreatedDateTime != "") || strings.HasSuffix(strings.ToLower(rec.Category), "signinlogs") {
		return entraSignInEvent(raw, auditJSON, rec, now)
	}
	activity := a.ActivityDisplayName
	if activity == "" {
		activity = a.OperationName
	}
	if activity == "" {
		activity = rec.OperationName
	}
	if activity == "" {
		return nil, missing("activityDisplayName")
	}
	ev := newEvent(schemas.SourceEntra, a.ID, raw, now)
	ev.SourceEventType = activity
	entry, known := entraLookup(&ev, a.Category, activity)
	ev.Action, ev.Category = schemas.ActionOther, schemas.CategoryIAM
	if known {
		ev.Action, ev.Category = entry.CanonicalAction(), entry.Category
	}
	if ev.Action == schemas.ActionAccessReviewed {
		entraReviewDecision(&ev, activity)
	}
	kind := entry.Kind
	setOccurredAt(&ev, now, a.ActivityDateTime, rec.Time)
	ev.Outcome = outcomeOf(a.Result)
	if ev.Outcome == schemas.OutcomeUnknown {
		ev.Outcome = outcomeOf(rec.Result)
	}
	if ev.Outcome == schemas.OutcomeUnknown {
		ev.Outcome = outcomeOf(string(rec.ResultType))
	}
	setAttr(&ev, "category", a.Category)
	setAttr(&ev, "logged_by_service", a.LoggedByService)
	setAttr(&ev, "operation_type", a.OperationType)
	setAttr(&ev, "correlation_id", a.CorrelationID)

	texts := []string{a.ResultReason}
	// roleTemplate is Role.TemplateId, the role's id in every tenant and the one Graph's
	// roleDefinitions and connectors/entra's snapshot use; roleID is the fallback, the
	// tenant's directoryRole object id (Role.ObjectID) or a role target's id.
	var role, roleID, roleTemplate, invited string
	for _, d := range a.AdditionalDetails {
		switch strings.ToLower(d.Key) {
		case "rolename", "roledisplayname":
			role = string(d.Value)
		case "inviteduseremailaddress":
			invited = string(d.Value)
		case "justification", "reason", "ticketnumber", "ticketsystem", "description":
			texts = append(texts, string(d.Value))
			if strings.EqualFold(d.Key, "justification") {
				setAttr(&ev, "justification", string(d.Value))
			}
		}
	}

	if a.InitiatedBy != nil {
		switch {
		case a.InitiatedBy.User != nil && (a.InitiatedBy.User.UserPrincipalName != "" || a.InitiatedBy.User.ID != ""):
			u := a.InitiatedBy.User
			ev.Actor = newPrincipal(schemas.SourceEntra, u.ID, u.UserPrincipalName, u.DisplayName, schemas.PrincipalHuman)
		case a.InitiatedBy.App != nil:
			app := a.InitiatedBy.App
			id := app.ServicePrincipalID
			if id == "" {
				id = app.AppID
			}
			name := app.DisplayName
			if name == "" {
				name = app.ServicePrincipalName
			}
			ev.Actor = newPrincipal(schemas.SourceEntra, id, "", name, schemas.PrincipalNHI)
		}
	}

	props := entraProps(a.TargetResources)
	for _, t := range a.TargetResources {
		for _, mp := range t.ModifiedProperties {
			texts = append(texts, decodeTwice(mp.NewValue))
			switch mp.DisplayName {
			case "Role.DisplayName":
				role = decodeTwice(mp.NewValue)
				if role == "" {
					role = decodeTwice(mp.OldValue)
				}
			case "Role.TemplateId":
				// "Add member to role" lists Role.ObjectID first; a removal has its values
				// in oldValue only.
				if roleTemplate == "" {
					roleTemplate = newOrOld(mp)
				}
			case "Role.ObjectID":
				if roleID == "" {
					roleID = newOrOld(mp)
				}
			}
		}
		switch strings.ToLower(t.Type) {
		case "user":
			if ev.Subject == nil {
				upn := t.UserPrincipalName
				if upn == "" {
					upn = invited
				}
				ev.Subject = newPrincipal(schemas.SourceEntra, t.ID, upn, t.DisplayName, schemas.PrincipalHuman)
			}
		case "serviceprincipal", "application", "app":
			if ev.Subject == nil && kind != schemas.EntitlementApp {
				ev.Subject = newPrincipal(schemas.SourceEntra, t.ID, "", t.DisplayName, schemas.PrincipalNHI)
			} else if ev.Entitlement == nil {
				ev.Entitlement = entraAppEntitlement(t, props)
			}
		case "group":
			if ev.Entitlement == nil {
				ev.Entitlement = &schemas.Entitlement{ID: "entra:" + t.ID, Name: t.DisplayName, Kind: schemas.EntitlementGroup, Privilege: PrivilegeOf(t.DisplayName), System: "entra"}
			}
		case "role":
			if role == "" {
				role, roleID = t.DisplayName, t.ID
			}
		case "policy":
			if ev.Entitlement == nil {
				ev.Entitlement = &schemas.Entitlement{ID: "entra:" + t.ID, Name: t.DisplayName, Kind: schemas.EntitlementPolicy, Privilege: schemas.PrivilegeUnknown, System: "entra"}
			}
		}
	}
	if kind == schemas.EntitlementApp && ev.Subject == nil {
		ev.Subject = entraAssignee(props)
	}
	if kind == schemas.EntitlementPermission {
		entraConsent(&ev, props)
	}
	if kind != "" && kind != schemas.EntitlementRole && ev.Entitlement == nil {
		ev.Entitlement = entraTargetEntitlement(a.TargetResources, kind, entry.Privilege)
	}
	if kind == schemas.EntitlementRole {
		if role == "" && strings.Contains(EntraActivityKey(activity), "user access administrator") {
			role = "User Access Administrator"
		}
		id := roleTemplate
		if id == "" {
			id = roleID
		}
		if id == "" {
			id = strings.ToLower(role)
		}
		priv := PrivilegeOf(role)
		if priv == schemas.PrivilegeUnknown && entry.Privilege != "" {
			priv = entry.Privilege
		}
		ev.Entitlement = &schemas.Entitlement{ID: "entra:role:" + id, Name: role, Kind: schemas.EntitlementRole, Privilege: priv, System: "entra"}
	}
	entraRefine(&ev, entry, props)
	if isCredentialAction(ev.Action) {
		ev.Credential = entraCredential(&ev, props)
	}
	if ev.Subject == nil && strings.Contains(EntraActivityKey(activity), "elevated") {
		ev.Subject = ev.Actor
	}
	if ev.Category == schemas.CategoryTicket {
		requestID := a.CorrelationID
		for _, t := range a.TargetResources {
			if strings.Contains(strings.ToLower(t.Type+t.DisplayName), "request") && t.ID != "" {
				requestID = t.ID
				break
			}
		}
		idpRequestTicket(&ev, "entra", requestID)
	}
	finish(&ev, texts...)
	return []schemas.IdentityEvent{ev}, nil
}

// entraSignInEvent makes the event of a sign-in record: the user (or, for service principal
// and managed identity sign-ins, the non-human identity) signed in to an app.
func entraSignInEvent(raw json.RawMessage, props []byte, rec entraRecord, now time.Time) ([]schemas.IdentityEvent, error) {
	var s entraSignIn
	if err := json.Unmarshal(props, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	activity := rec.OperationName
	if activity == "" {
		activity = "Sign-in activity"
	}
	category := rec.Category
	if category == "" {
		category = "SignInLogs"
	}
	ev := newEvent(schemas.SourceEntra, s.ID, raw, now)
	ev.SourceEventType = activity
	ev.Action = schemas.ActionOther
	if entry, known := entraLookup(&ev, category, activity); known {
		ev.Action = entry.CanonicalAction()
	}
	setOccurredAt(&ev, now, s.CreatedDateTime, rec.Time)
	switch {
	case s.Status != nil && s.Status.ErrorCode != nil && *s.Status.ErrorCode == 0:
		ev.Outcome = schemas.OutcomeSuccess
	case s.Status != nil && s.Status.ErrorCode != nil:
		ev.Outcome = schemas.OutcomeFailure
		setAttr(&ev, "failure_reason", s.Status.FailureReason)
	case strings.TrimSpace(string(rec.ResultType)) == "0":
		ev.Outcome = schemas.OutcomeSuccess
	case outcomeOf(string(rec.ResultType)) != schemas.OutcomeUnknown:
		ev.Outcome = outcomeOf(string(rec.ResultType)) // "Success", "Failure"
	case strings.TrimSpace(string(rec.ResultType)) != "":
		ev.Outcome = schemas.OutcomeFailure // a sign-in error code
	}
	if s.UserPrincipalName != "" || s.UserID != "" {
		ev.Subject = newPrincipal(schemas.SourceEntra, s.UserID, s.UserPrincipalName, s.UserDisplayName, schemas.PrincipalHuman)
	} else {
		ev.Subject = newPrincipal(schemas.SourceEntra, s.ServicePrincipalID, "", s.ServicePrincipalName, schemas.PrincipalNHI)
		setAttr(&ev, "credential_key_id", strings.ToLower(s.ServicePrincipalCredentialKeyID))
	}
	ev.Actor = ev.Subject
	setAttr(&ev, "category", category)
	setAttr(&ev, "app", s.AppDisplayName)
	setAttr(&ev, "app_id", s.AppID)
	setAttr(&ev, "correlation_id", s.CorrelationID)
	finish(&ev)
	return []schemas.IdentityEvent{ev}, nil
}

// entraProps indexes the modified properties of every target by display name.
func entraProps(targets []entraTarget) map[string]entraModifiedProperty {
	m := map[string]entraModifiedProperty{}
	for _, t := range targets {
		for _, mp := range t.ModifiedProperties {
			if _, dup := m[mp.DisplayName]; !dup {
				m[mp.DisplayName] = mp
			}
		}
	}
	return m
}

// entraAppEntitlement is the app role (AppRole.Value, else the app itself) an app-role or
// ownership event is about.
func entraAppEntitlement(t entraTarget, props map[string]entraModifiedProperty) *schemas.Entitlement {
	name, id := t.DisplayName, "entra:"+t.ID
	if v := decodeTwice(props["AppRole.Value"].NewValue); v != "" {
		name = v
		if rid := decodeTwice(props["AppRole.Id"].NewValue); rid != "" {
			id += ":" + rid
		}
	}
	priv := PrivilegeOf(name)
	if strings.ContainsAny(name, "._") { // an API permission (Mail.Read, full_access_as_app), rated as a scope
		priv = scopePrivilege(strings.Fields(name))
	}
	return &schemas.Entitlement{ID: id, Name: name, Kind: schemas.EntitlementApp, Privilege: priv, System: "entra"}
}

// entraTargetEntitlement is the entitlement of kind an event changes when no group, app or
// policy target named one (an access package, a domain's federation): its first target that
// is not the user whose access changes.
func entraTargetEntitlement(targets []entraTarget, kind schemas.EntitlementKind, priv schemas.Privilege) *schemas.Entitlement {
	for _, t := range targets {
		if strings.EqualFold(t.Type, "user") || t.ID == "" && t.DisplayName == "" {
			continue
		}
		p := PrivilegeOf(t.DisplayName)
		if p == schemas.PrivilegeUnknown && priv != "" {
			p = priv
		}
		return &schemas.Entitlement{ID: "entra:" + t.ID, Name: t.DisplayName, Kind: kind, Privilege: p, System: "entra"}
	}
	return nil
}

// entraAssignee is who an app role was assigned to when no user or service principal
// target names it: app-role assignment records carry the assignee in modified properties.
func entraAssignee(props map[string]entraModifiedProperty) *schemas.Principal {
	val := func(k string) string { return decodeTwice(props[k].NewValue) + decodeTwice(props[k].OldValue) }
	if id, name := val("ServicePrincipal.ObjectID"), val("ServicePrincipal.DisplayName"); id != "" || name != "" {
		return newPrincipal(schemas.SourceEntra, id, "", name, schemas.PrincipalNHI)
	}
	if id, upn := val("User.ObjectID"), val("User.UPN"); id != "" || upn != "" {
		return newPrincipal(schemas.SourceEntra, id, upn, "", schemas.PrincipalHuman)
	}
	return nil
}

// entraConsent names an OAuth grant by its scopes and rates them: consent is a grant to a
// non-human identity, and an over-broad scope (directory or role write, every mailbox) is
// what makes it dangerous.
func entraConsent(ev *schemas.IdentityEvent, props map[string]entraModifiedProperty) {
	scopes := strings.Fields(decodeTwice(props["DelegatedPermissionGrant.Scope"].NewValue))
	consentType := decodeTwice(props["DelegatedPermissionGrant.ConsentType"].NewValue)
	if perms := decodeTwice(props["ConsentAction.Permissions"].NewValue); len(scopes) == 0 && perms != "" {
		if m := consentScope.FindStringSubmatch(perms); m != nil {
			scopes = strings.Fields(m[1])
		}
		if m := consentTypeText.FindStringSubmatch(perms); m != nil && consentType == "" {
			consentType = m[1]
		}
	}
	setAttr(ev, "consent_type", consentType)
	// A delegated permission grant's target is the resource API (Microsoft Graph); the
	// client the grant is to is in ServicePrincipal.ObjectID.
	if id := decodeTwice(props["ServicePrincipal.ObjectID"].NewValue); id != "" {
		ev.Subject = newPrincipal(schemas.SourceEntra, id, "", decodeTwice(props["ServicePrincipal.DisplayName"].NewValue), schemas.PrincipalNHI)
	}
	if len(scopes) == 0 {
		return
	}
	name := strings.Join(scopes, " ")
	id := "entra:consent:" + strings.ToLower(name)
	if ev.Entitlement != nil && ev.Entitlement.Kind == schemas.EntitlementPermission {
		id = ev.Entitlement.ID
	}
	ev.Entitlement = &schemas.Entitlement{ID: id, Name: name, Kind: schemas.EntitlementPermission, Privilege: scopePrivilege(scopes),
		System: "entra", Wildcard: strings.EqualFold(consentType, "AllPrincipals") && scopePrivilege(scopes) == schemas.PrivilegeAdmin}
}

var (
	consentScope    = regexp.MustCompile(`Scope:\s*([^,\]]*)`)
	consentTypeText = regexp.MustCompile(`ConsentType:\s*([A-Za-z]+)`)
	// adminScopes are Microsoft Graph permissions that amount to tenant administration:
	// with one, an app can grant itself or others any role or permission.
	adminScopes = regexp.MustCompile(`(?i)^(RoleManagement\.ReadWrite\.|AppRoleAssignment\.ReadWrite\.All|Application\.ReadWrite\.All|Directory\.ReadWrite\.All|Directory\.AccessAsUser\.All|full_access_as_app|Policy\.ReadWrite\.|PrivilegedAccess\.ReadWrite\.)`)
)

// scopePrivilege rates OAuth scopes or app role values: ADMIN for scopes that administer
// the tenant, WRITE for any other write or send, READ when every scope only reads.
func scopePrivilege(scopes []string) schemas.Privilege {
	priv, reads := schemas.PrivilegeUnknown, 0
	for _, s := range scopes {
		l := strings.ToLower(s)
		switch {
		case adminScopes.MatchString(s):
			return schemas.PrivilegeAdmin
		case strings.Contains(l, "readwrite") || strings.Contains(l, ".send") || strings.Contains(l, "manage"):
			priv = schemas.PrivilegeWrite
		case strings.Contains(l, ".read") || l == "openid" || l == "profile" || l == "email" || l == "offline_access":
			reads++
		}
	}
	if priv == schemas.PrivilegeUnknown && reads > 0 && reads == len(scopes) {
		return schemas.PrivilegeRead
	}
	return priv
}

func isCredentialAction(a schemas.Action) bool {
	return a == schemas.ActionCredentialCreate || a == schemas.ActionCredentialDelete || a == schemas.ActionCredentialRotate
}

// entraRefine applies what only the record's modified properties tell, overriding the
// catalogue entry where they decide:
//   - KeyDescription (an application's or service principal's key list, old and new): a
//     key only in the new list was added, one only in the old list removed, both is a
//     rotation. It decides the credential activities and turns an "Update application" or
//     "Update service principal" that changed keys into the credential event it is.
//   - AccountEnabled on a user or service principal update: true to false disables the
//     account, false to true enables it.
func entraRefine(ev *schemas.IdentityEvent, entry catalog.Entry, props map[string]entraModifiedProperty) {
	refined := schemas.Action("")
	if kd, ok := props["KeyDescription"]; ok && (isCredentialAction(ev.Action) || entry.Action == catalog.NoAccessChange) {
		added, removed := keyDiff(decodeList(kd.OldValue), decodeList(kd.NewValue))
		switch {
		case len(added) > 0 && len(removed) > 0:
			refined = schemas.ActionCredentialRotate
		case len(added) > 0:
			refined = schemas.ActionCredentialCreate
		case len(removed) > 0:
			refined = schemas.ActionCredentialDelete
		}
		if refined != "" {
			keys := append(added, removed...)
			setAttr(ev, "key_id", keyField(keys[0], "KeyIdentifier"))
			setAttr(ev, "key_type", keyField(keys[0], "KeyType"))
			setAttr(ev, "key_name", keyField(keys[0], "DisplayName"))
		}
	}
	if ae, ok := props["AccountEnabled"]; ok && refined == "" && entry.Action == catalog.NoAccessChange {
		was, is := strings.Join(decodeList(ae.OldValue), ","), strings.Join(decodeList(ae.NewValue), ",")
		switch {
		case strings.EqualFold(was, "true") && strings.EqualFold(is, "false"):
			refined = schemas.ActionAccountDisable
		case strings.EqualFold(was, "false") && strings.EqualFold(is, "true"):
			refined = schemas.ActionAccountEnable
		}
	}
	if refined == "" || refined == ev.Action {
		return
	}
	ev.Action = refined
	ev.Attributes["refined_by"] = "modifiedProperties"
	if entry.Class != "" {
		ev.Attributes[catalog.AttrClass] = entry.Class
	} else {
		delete(ev.Attributes, catalog.AttrClass)
	}
}

// entraCredential is the credential a credential event is about: the changed key when
// KeyDescription names it (its KeyIdentifier and KeyType), else the event itself.
func entraCredential(ev *schemas.IdentityEvent, props map[string]entraModifiedProperty) *schemas.Credential {
	kind := schemas.CredentialClientSecret
	keyType := ev.Attributes["key_type"]
	if keyType == "" {
		keyType = decodeTwice(props["KeyType"].NewValue)
	}
	_, federated := props["FederatedIdentityCredentials"]
	switch {
	case federated: // a trust in an outside issuer's tokens, no secret
		kind = schemas.CredentialOther
	case strings.Contains(strings.ToLower(keyType), "x509") || strings.Contains(strings.ToLower(keyType), "cert"):
		kind = schemas.CredentialCertificate
	}
	id := ev.EventID
	if k := ev.Attributes["key_id"]; k != "" {
		id = "entra:key:" + strings.ToLower(k)
	}
	return &schemas.Credential{ID: id, Kind: kind, Owner: ev.Subject}
}

// keyDiff compares two KeyDescription lists by KeyIdentifier (the whole text when there
// is none).
func keyDiff(old, cur []string) (added, removed []string) {
	ids := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, k := range list {
			m[keyID(k)] = true
		}
		return m
	}
	o, c := ids(old), ids(cur)
	for _, k := range cur {
		if !o[keyID(k)] {
			added = append(added, k)
		}
	}
	for _, k := range old {
		if !c[keyID(k)] {
			removed = append(removed, k)
		}
	}
	return added, removed
}

func keyID(desc string) string {
	if id := keyField(desc, "KeyIdentifier"); id != "" {
		return strings.ToLower(id)
	}
	return strings.TrimSpace(desc)
}

// keyField reads Name=value out of a key description such as
// "[KeyIdentifier=1f2e…,KeyType=Password,KeyUsage=Verify,DisplayName=ci secret]".
func keyField(desc, name string) string {
	for _, f := range strings.Split(strings.Trim(strings.TrimSpace(desc), "[]"), ",") {
		if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// decodeList reads a modifiedProperties value that holds a list: a JSON array, or a JSON
// string holding one (sometimes a string holding a string holding one). Elements that are
// not strings come back as their JSON text; a value that is no list is a one-element list.
func decodeList(raw json.RawMessage) []string {
	b := []byte(raw)
	for range 3 {
		var s string
		if json.Unmarshal(b, &s) != nil {
			break
		}
		b = []byte(s)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		if v := strings.TrimSpace(string(b)); v != "" && v != "null" {
			return []string{v}
		}
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		var s string
		if json.Unmarshal(e, &s) == nil {
			out = append(out, s)
		} else {
			out = append(out, strings.TrimSpace(string(e)))
		}
	}
	return out
}

// newOrOld is a modifiedProperty's new value, else its old one (a removal's).
func newOrOld(mp entraModifiedProperty) string {
	if v := decodeTwice(mp.NewValue); v != "" {
		return v
	}
	return decodeTwice(mp.OldValue)
}

// decodeTwice reads an Entra modifiedProperties value: JSON whose string content is itself
// JSON ("\"User Administrator\""). Values that are not strings come back as their JSON text.
func decodeTwice(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var outer string
	if err := json.Unmarshal(raw, &outer); err != nil {
		return string(raw)
	}
	var inner string
	if err := json.Unmarshal([]byte(outer), &inner); err == nil {
		return inner
	}
	var arr []string
	if err := json.Unmarshal([]byte(outer), &arr); err == nil {
		return strings.Join(arr, ",")
	}
	return outer
}

// entraReviewDecision reads an access review activity's decision from its name: an
// approval keeps the access, a denial revokes it. "Don't know", a reset and the
// application of results decide nothing about the access (the removals an applied denial
// makes are audited as their own events), so they are not reviews: an access-review
// activity that names no decision must not clear a review that is due.
func entraReviewDecision(ev *schemas.IdentityEvent, activity string) {
	a := strings.ToLower(activity)
	switch {
	case strings.Contains(a, "don't know") || strings.Contains(a, "reset") || strings.Contains(a, "apply"):
		ev.Action = schemas.ActionOther
	case strings.Contains(a, "deny") || strings.Contains(a, "denied"):
		setAttr(ev, schemas.AttrReviewDecision, schemas.ReviewRevoke)
	case strings.Contains(a, "approve"):
		setAttr(ev, schemas.AttrReviewDecision, schemas.ReviewKeep)
	}
}
