package ingest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// entraRule is how one Entra activity normalizes.
type entraRule struct {
	Action schemas.Action
	Kind   schemas.EntitlementKind
}

// entraActions maps normalized activityDisplayName (see normalizeActivity) to actions
// (FORMATS.md §2).
var entraActions = map[string]entraRule{
	"reset password (by admin)":                                {Action: schemas.ActionPasswordReset},
	"reset password (self-service)":                            {Action: schemas.ActionPasswordReset},
	"reset password":                                           {Action: schemas.ActionPasswordReset},
	"reset user password":                                      {Action: schemas.ActionPasswordReset},
	"set force change user password":                           {Action: schemas.ActionPasswordReset},
	"change password (self-service)":                           {Action: schemas.ActionPasswordChange},
	"change user password":                                     {Action: schemas.ActionPasswordChange},
	"unlock user account (self-service)":                       {Action: schemas.ActionAccountUnlock},
	"admin registered security info":                           {Action: schemas.ActionMFAEnroll},
	"admin updated security info":                              {Action: schemas.ActionMFAReset},
	"admin deleted security info":                              {Action: schemas.ActionMFAReset},
	"user registered security info":                            {Action: schemas.ActionMFAEnroll},
	"user deleted security info":                               {Action: schemas.ActionMFAReset},
	"disable strong authentication":                            {Action: schemas.ActionMFAReset},
	"enable strong authentication":                             {Action: schemas.ActionMFAEnroll},
	"update stsrefreshtokenvalidfrom timestamp":                {Action: schemas.ActionMFAReset},
	"add member to group":                                      {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup},
	"remove member from group":                                 {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementGroup},
	"add owner to group":                                       {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup},
	"remove owner from group":                                  {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementGroup},
	"add member to role":                                       {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"remove member from role":                                  {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"add eligible member to role":                              {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"remove eligible member from role":                         {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"add scoped member to role":                                {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"remove scoped member from role":                           {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"add role assignment":                                      {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"remove role assignment":                                   {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementRole},
	"add app role assignment to group":                         {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"add app role assignment to service principal":             {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"add app role assignment grant to user":                    {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"remove app role assignment from user":                     {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementApp},
	"add delegated permission grant":                           {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementPermission},
	"remove delegated permission grant":                        {Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementPermission},
	"consent to application":                                   {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementPermission},
	"add member to role completed (pim activation)":            {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"add member to role in pim completed (permanent)":          {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"add member to role in pim completed (timebound)":          {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"add eligible member to role in pim completed (permanent)": {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"add eligible member to role in pim completed (timebound)": {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"add member to role outside of pim (permanent)":            {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"user has elevated their access to user access administrator for their azure resources": {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementRole},
	"administrator directly assigns user to access package":                                 {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup},
	"approve access package assignment request":                                             {Action: schemas.ActionTicketApproved},
	"fulfill access package assignment request":                                             {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup},
	"add user":                             {Action: schemas.ActionAccountCreate},
	"invite external user":                 {Action: schemas.ActionAccountCreate},
	"update user":                          {Action: schemas.ActionOther},
	"disable account":                      {Action: schemas.ActionAccountDisable},
	"enable account":                       {Action: schemas.ActionAccountEnable},
	"delete user":                          {Action: schemas.ActionAccountDelete},
	"hard delete user":                     {Action: schemas.ActionAccountDelete},
	"restore user":                         {Action: schemas.ActionAccountEnable},
	"add application":                      {Action: schemas.ActionAccountCreate, Kind: schemas.EntitlementApp},
	"add service principal":                {Action: schemas.ActionAccountCreate, Kind: schemas.EntitlementApp},
	"add service principal credentials":    {Action: schemas.ActionCredentialCreate},
	"remove service principal credentials": {Action: schemas.ActionCredentialDelete},
	"update application - certificates and secrets management": {Action: schemas.ActionCredentialRotate},
	"update external secrets":                                  {Action: schemas.ActionCredentialRotate},
	"add owner to application":                                 {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"add owner to service principal":                           {Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementApp},
	"update authentication methods policy":                     {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"set federation settings on domain":                        {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"add policy":                                               {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"added policy":                                             {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"update policy":                                            {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"delete policy":                                            {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"add conditional access policy":                            {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"update conditional access policy":                         {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
	"delete conditional access policy":                         {Action: schemas.ActionPolicyChange, Kind: schemas.EntitlementPolicy},
}

var (
	spaces = regexp.MustCompile(`\s+`)
	dashes = strings.NewReplacer("\u2013", "-", "\u2014", "-", "\u2012", "-", "\u2212", "-")
)

// normalizeActivity folds the variants real logs use for one activity: en/em dashes and
// hyphens, case, and runs of spaces.
func normalizeActivity(s string) string {
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
// arrive as numbers or strings, so they are not decoded.
type entraRecord struct {
	Time          string          `json:"time"`
	Result        string          `json:"result"`
	ResultType    string          `json:"resultType"`
	OperationName string          `json:"operationName"`
	Properties    json.RawMessage `json:"properties"`
}

// ParseEntra parses Entra audit logs: an Event Hubs message {"records":[…]} (Graph object
// under properties), a Graph page {"value":[…]}, a bare directoryAudit object, or an array.
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
	rule, ok := entraActions[normalizeActivity(activity)]
	if !ok {
		rule = entraRule{Action: schemas.ActionOther}
	}
	ev.Action = rule.Action
	if rule.Action == schemas.ActionTicketApproved {
		ev.Category = schemas.CategoryTicket
	}
	setOccurredAt(&ev, now, a.ActivityDateTime, rec.Time)
	ev.Outcome = outcomeOf(a.Result)
	if ev.Outcome == schemas.OutcomeUnknown {
		ev.Outcome = outcomeOf(rec.Result)
	}
	if ev.Outcome == schemas.OutcomeUnknown {
		ev.Outcome = outcomeOf(rec.ResultType)
	}
	setAttr(&ev, "category", a.Category)
	setAttr(&ev, "logged_by_service", a.LoggedByService)
	setAttr(&ev, "operation_type", a.OperationType)
	setAttr(&ev, "correlation_id", a.CorrelationID)

	texts := []string{a.ResultReason}
	var role, roleID, invited string
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

	for _, t := range a.TargetResources {
		for _, mp := range t.ModifiedProperties {
			texts = append(texts, decodeTwice(mp.NewValue))
			switch mp.DisplayName {
			case "Role.DisplayName":
				role = decodeTwice(mp.NewValue)
				if role == "" {
					role = decodeTwice(mp.OldValue)
				}
			case "Role.ObjectID", "Role.TemplateId":
				if roleID == "" {
					roleID = decodeTwice(mp.NewValue)
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
			if ev.Subject == nil && rule.Kind != schemas.EntitlementApp {
				ev.Subject = newPrincipal(schemas.SourceEntra, t.ID, "", t.DisplayName, schemas.PrincipalNHI)
			} else if ev.Entitlement == nil {
				ev.Entitlement = &schemas.Entitlement{ID: "entra:" + t.ID, Name: t.DisplayName, Kind: schemas.EntitlementApp, Privilege: PrivilegeOf(t.DisplayName), System: "entra"}
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
	if rule.Kind == schemas.EntitlementRole {
		if role == "" && strings.Contains(normalizeActivity(activity), "user access administrator") {
			role = "User Access Administrator"
		}
		id := roleID
		if id == "" {
			id = strings.ToLower(role)
		}
		ev.Entitlement = &schemas.Entitlement{ID: "entra:role:" + id, Name: role, Kind: schemas.EntitlementRole, Privilege: PrivilegeOf(role), System: "entra"}
	}
	if ev.Action == schemas.ActionCredentialCreate || ev.Action == schemas.ActionCredentialDelete || ev.Action == schemas.ActionCredentialRotate {
		kind := schemas.CredentialClientSecret
		for _, t := range a.TargetResources {
			for _, mp := range t.ModifiedProperties {
				if mp.DisplayName == "KeyType" && strings.EqualFold(decodeTwice(mp.NewValue), "AsymmetricX509Cert") {
					kind = schemas.CredentialCertificate
				}
			}
		}
		ev.Credential = &schemas.Credential{ID: ev.EventID, Kind: kind, Owner: ev.Subject}
	}
	if ev.Subject == nil && ev.Entitlement == nil && strings.Contains(normalizeActivity(activity), "elevated") {
		ev.Subject = ev.Actor
	}
	if ev.Subject == nil && ev.Entitlement != nil && rule.Kind == schemas.EntitlementRole && strings.Contains(normalizeActivity(activity), "elevated") {
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
