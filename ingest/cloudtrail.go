package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// cloudTrailRule is how one CloudTrail eventName normalizes.
type cloudTrailRule struct {
	Action schemas.Action
	Kind   schemas.EntitlementKind
}

// cloudTrailActions maps IAM, STS and sign-in eventNames to actions (FORMATS.md §3).
var cloudTrailActions = map[string]cloudTrailRule{
	"AttachUserPolicy":                {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"AttachRolePolicy":                {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"AttachGroupPolicy":               {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"PutUserPolicy":                   {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"PutRolePolicy":                   {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"PutGroupPolicy":                  {schemas.ActionAccessGrant, schemas.EntitlementPolicy},
	"DetachUserPolicy":                {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"DetachRolePolicy":                {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"DetachGroupPolicy":               {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"DeleteUserPolicy":                {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"DeleteRolePolicy":                {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"DeleteGroupPolicy":               {schemas.ActionAccessRevoke, schemas.EntitlementPolicy},
	"AddUserToGroup":                  {schemas.ActionAccessGrant, schemas.EntitlementGroup},
	"RemoveUserFromGroup":             {schemas.ActionAccessRevoke, schemas.EntitlementGroup},
	"CreateAccessKey":                 {schemas.ActionCredentialCreate, ""},
	"UpdateAccessKey":                 {schemas.ActionCredentialRotate, ""},
	"DeleteAccessKey":                 {schemas.ActionCredentialDelete, ""},
	"CreateServiceSpecificCredential": {schemas.ActionCredentialCreate, ""},
	"DeleteServiceSpecificCredential": {schemas.ActionCredentialDelete, ""},
	"UploadSigningCertificate":        {schemas.ActionCredentialCreate, ""},
	"UploadSSHPublicKey":              {schemas.ActionCredentialCreate, ""},
	"CreateUser":                      {schemas.ActionAccountCreate, ""},
	"DeleteUser":                      {schemas.ActionAccountDelete, ""},
	"CreateRole":                      {schemas.ActionAccountCreate, ""},
	"CreateServiceLinkedRole":         {schemas.ActionAccountCreate, ""},
	"DeleteRole":                      {schemas.ActionAccountDelete, ""},
	"CreateLoginProfile":              {schemas.ActionPasswordReset, ""},
	"UpdateLoginProfile":              {schemas.ActionPasswordReset, ""},
	"DeleteLoginProfile":              {schemas.ActionAccountDisable, ""},
	"ChangePassword":                  {schemas.ActionPasswordChange, ""},
	"PasswordUpdated":                 {schemas.ActionPasswordChange, ""},
	"CreateVirtualMFADevice":          {schemas.ActionMFAEnroll, ""},
	"EnableMFADevice":                 {schemas.ActionMFAEnroll, ""},
	"DeactivateMFADevice":             {schemas.ActionMFAReset, ""},
	"DeleteVirtualMFADevice":          {schemas.ActionMFAReset, ""},
	"ResyncMFADevice":                 {schemas.ActionMFAReset, ""},
	"UpdateAssumeRolePolicy":          {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CreatePolicy":                    {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CreatePolicyVersion":             {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"SetDefaultPolicyVersion":         {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"DeletePolicy":                    {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CreateSAMLProvider":              {schemas.ActionPolicyChange, ""},
	"UpdateSAMLProvider":              {schemas.ActionPolicyChange, ""},
	"DeleteSAMLProvider":              {schemas.ActionPolicyChange, ""},
	"CreateOpenIDConnectProvider":     {schemas.ActionPolicyChange, ""},
	"DeleteOpenIDConnectProvider":     {schemas.ActionPolicyChange, ""},
	"UpdateAccountPasswordPolicy":     {schemas.ActionPolicyChange, ""},
	"ConsoleLogin":                    {schemas.ActionSignIn, ""},
	"ExternalIdPDirectoryLogin":       {schemas.ActionSignIn, ""},
	"GetSigninToken":                  {schemas.ActionSignIn, ""},
	"AssumeRole":                      {schemas.ActionSignIn, ""},
	"AssumeRoleWithSAML":              {schemas.ActionSignIn, ""},
	"AssumeRoleWithWebIdentity":       {schemas.ActionSignIn, ""},
	"GetSessionToken":                 {schemas.ActionSignIn, ""},
	"GetFederationToken":              {schemas.ActionSignIn, ""},
}

// cloudTrailReadPrefixes are eventName prefixes of calls that only read.
var cloudTrailReadPrefixes = []string{"Get", "List", "Describe", "Generate", "Simulate"}

// wildcardManagedPolicies are AWS managed policies whose documents are wildcards.
var wildcardManagedPolicies = map[string]bool{"AdministratorAccess": true, "IAMFullAccess": true, "PowerUserAccess": true}

func cloudTrailRuleFor(name string) cloudTrailRule {
	if r, ok := cloudTrailActions[name]; ok {
		return r
	}
	for _, p := range cloudTrailReadPrefixes {
		if strings.HasPrefix(name, p) {
			return cloudTrailRule{Action: schemas.ActionRead}
		}
	}
	return cloudTrailRule{Action: schemas.ActionOther}
}

type ctSessionIssuer struct {
	Type     string `json:"type"`
	ARN      string `json:"arn"`
	UserName string `json:"userName"`
}

type ctUserIdentity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId"`
	UserName       string `json:"userName"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext *struct {
		SessionIssuer  *ctSessionIssuer `json:"sessionIssuer"`
		SourceIdentity string           `json:"sourceIdentity"`
		Attributes     *struct {
			MFAAuthenticated string `json:"mfaAuthenticated"`
		} `json:"attributes"`
	} `json:"sessionContext"`
}

type ctRecord struct {
	EventID             string          `json:"eventID"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode"`
	ErrorMessage        string          `json:"errorMessage"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	UserIdentity        *ctUserIdentity `json:"userIdentity"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
}

// ctParams are the requestParameters keys tollgate reads. Values vary in type across event
// versions, so only strings are decoded; other keys are ignored.
type ctParams struct {
	UserName                 string `json:"userName"`
	RoleName                 string `json:"roleName"`
	GroupName                string `json:"groupName"`
	PolicyArn                string `json:"policyArn"`
	PolicyName               string `json:"policyName"`
	PolicyDocument           string `json:"policyDocument"`
	AssumeRolePolicyDocument string `json:"assumeRolePolicyDocument"`
	AccessKeyID              string `json:"accessKeyId"`
	Description              string `json:"description"`
	RoleArn                  string `json:"roleArn"`
	RoleSessionName          string `json:"roleSessionName"`
	AWSServiceName           string `json:"aWSServiceName"`
	Name                     string `json:"name"`
	SAMLProviderArn          string `json:"sAMLProviderArn"`
	SerialNumber             string `json:"serialNumber"`
	VirtualMFADeviceName     string `json:"virtualMFADeviceName"`
	Tags                     []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
}

// ParseCloudTrail parses a bare CloudTrail record, {"Records":[…]} (S3 delivery), an
// EventBridge envelope ({"detail-type":…,"detail":{record}}), or an array of any of those.
func ParseCloudTrail(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return cloudTrailParser.Parse(body, now)
}

var cloudTrailParser = itemParser{
	split: func(body []byte) ([]json.RawMessage, error) { return batchItems(body, "Records") },
	one:   cloudTrailEvent,
}

func cloudTrailEvent(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var bridge struct {
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(raw, &bridge); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if len(bridge.Detail) > 0 && firstByte(bridge.Detail) == '{' {
		raw = bridge.Detail
	}
	var r ctRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if r.EventName == "" {
		return nil, missing("eventName")
	}
	var p ctParams
	if firstByte(r.RequestParameters) == '{' {
		_ = json.Unmarshal(r.RequestParameters, &p) // keys of unexpected type stay empty
	}
	ev := newEvent(schemas.SourceCloudTrail, r.EventID, raw, now)
	rule := cloudTrailRuleFor(r.EventName)
	ev.SourceEventType = r.EventName
	ev.Action = rule.Action
	setOccurredAt(&ev, now, r.EventTime)
	ev.Outcome = cloudTrailOutcome(r)
	setAttr(&ev, "event_source", r.EventSource)
	setAttr(&ev, "aws_region", r.AWSRegion)
	setAttr(&ev, "src_ip", r.SourceIPAddress)
	setAttr(&ev, "user_agent", r.UserAgent)
	setAttr(&ev, "error_code", r.ErrorCode)
	setAttr(&ev, "error_message", r.ErrorMessage)

	if r.UserIdentity != nil && r.UserIdentity.AccountID == "" {
		r.UserIdentity.AccountID = r.RecipientAccountID
	}
	account := r.RecipientAccountID
	if r.UserIdentity != nil && r.UserIdentity.AccountID != "" {
		account = r.UserIdentity.AccountID
	}
	setAttr(&ev, "aws_account", account)
	ev.Actor = cloudTrailActor(&ev, r.UserIdentity)

	texts := []string{p.Description, p.RoleSessionName}
	for _, t := range p.Tags {
		texts = append(texts, t.Value)
	}
	if r.UserIdentity != nil && r.UserIdentity.SessionContext != nil {
		texts = append(texts, r.UserIdentity.SessionContext.SourceIdentity)
	}

	iamARN := func(kind, name string) string {
		if name == "" {
			return ""
		}
		if account == "" {
			return name
		}
		return "arn:aws:iam::" + account + ":" + kind + "/" + name
	}
	switch {
	case p.UserName != "":
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, iamARN("user", p.UserName), "", p.UserName, schemas.PrincipalHuman)
	case p.RoleName != "":
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, iamARN("role", p.RoleName), "", p.RoleName, schemas.PrincipalNHI)
	case p.AWSServiceName != "":
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, p.AWSServiceName, "", p.AWSServiceName, schemas.PrincipalNHI)
	case p.RoleArn != "" && rule.Action == schemas.ActionSignIn:
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, p.RoleArn, "", "", schemas.PrincipalNHI)
	}
	if ev.Subject == nil && p.GroupName == "" {
		switch rule.Action {
		case schemas.ActionSignIn, schemas.ActionPasswordChange, schemas.ActionPasswordReset, schemas.ActionMFAEnroll, schemas.ActionMFAReset, schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
			// Self-service calls name no user: the caller acts on itself.
			ev.Subject = ev.Actor
		}
	}
	if rule.Action == schemas.ActionPasswordReset && ev.Subject != nil && ev.Actor != nil &&
		(ev.Subject.ID == ev.Actor.ID || strings.EqualFold(p.UserName, ev.Attributes["session_name"])) {
		ev.Action = schemas.ActionPasswordChange // a user setting their own console password
	}
	if firstByte(r.AdditionalEventData) == '{' {
		var add struct {
			MFAUsed string `json:"MFAUsed"`
		}
		_ = json.Unmarshal(r.AdditionalEventData, &add)
		setAttr(&ev, "mfa_used", add.MFAUsed)
	}

	switch rule.Kind {
	case schemas.EntitlementGroup:
		ev.Entitlement = &schemas.Entitlement{ID: iamARN("group", p.GroupName), Name: p.GroupName, Kind: schemas.EntitlementGroup, Privilege: PrivilegeOf(p.GroupName), System: "aws"}
	case schemas.EntitlementPolicy:
		ev.Entitlement = cloudTrailPolicy(r.EventName, p, iamARN)
		if p.GroupName != "" {
			setAttr(&ev, "target_group", p.GroupName)
		}
	}
	if ev.Entitlement != nil && account != "" {
		ev.Entitlement.Environment = ptr(account)
	}
	switch ev.Action {
	case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
		ev.Credential = cloudTrailCredential(r, p, ev.Subject)
	}
	finish(&ev, texts...)
	return []schemas.IdentityEvent{ev}, nil
}

func cloudTrailOutcome(r ctRecord) schemas.Outcome {
	if r.ErrorCode != "" {
		return schemas.OutcomeFailure
	}
	var resp map[string]any
	if firstByte(r.ResponseElements) == '{' && json.Unmarshal(r.ResponseElements, &resp) == nil {
		for _, k := range []string{"ConsoleLogin", "ExternalIdPDirectoryLogin", "PasswordUpdated"} {
			if v, ok := resp[k].(string); ok {
				return outcomeOf(v)
			}
		}
	}
	return schemas.OutcomeSuccess
}

// humanEntryPoints are invokedBy values of calls a person made through AWS's own front ends.
var humanEntryPoints = map[string]bool{"signin.amazonaws.com": true, "console.amazonaws.com": true, "AWS Internal": true}

// cloudTrailActor canonicalizes userIdentity. Assumed-role sessions key on the role ARN
// (the session name goes to attributes), because the role is what holds the access.
func cloudTrailActor(ev *schemas.IdentityEvent, u *ctUserIdentity) *schemas.Principal {
	if u == nil {
		return nil
	}
	setAttr(ev, "actor_type", u.Type)
	setAttr(ev, "access_key_id", u.AccessKeyID)
	setAttr(ev, "invoked_by", u.InvokedBy)
	switch u.Type {
	case "Root":
		arn := u.ARN
		if arn == "" && u.AccountID != "" {
			arn = "arn:aws:iam::" + u.AccountID + ":root"
		}
		return newPrincipal(schemas.SourceCloudTrail, arn, "", "root", schemas.PrincipalHuman)
	case "IAMUser":
		typ := schemas.PrincipalHuman
		if !humanEntryPoints[u.InvokedBy] && strings.HasSuffix(u.InvokedBy, ".amazonaws.com") {
			typ = schemas.PrincipalNHI // a service (CloudFormation…) acting with the user's credentials
		}
		arn := u.ARN
		if arn == "" && u.UserName != "" {
			arn = "arn:aws:iam::" + u.AccountID + ":user/" + u.UserName
		}
		return newPrincipal(schemas.SourceCloudTrail, arn, "", u.UserName, typ)
	case "AssumedRole":
		roleARN, session := assumedRole(u)
		setAttr(ev, "session_name", session)
		typ := schemas.PrincipalNHI
		var email string
		if strings.Contains(session, "@") || strings.Contains(roleARN, "AWSReservedSSO_") {
			typ = schemas.PrincipalHuman // an SSO user behind a permission-set role
			if strings.Contains(session, "@") {
				email = session
			}
		}
		p := newPrincipal(schemas.SourceCloudTrail, roleARN, "", session, typ)
		if p != nil && email != "" {
			e := strings.ToLower(email)
			p.Email = &e
		}
		return p
	case "AWSService":
		return newPrincipal(schemas.SourceCloudTrail, u.InvokedBy, "", u.InvokedBy, schemas.PrincipalSystem)
	case "FederatedUser", "IdentityCenterUser":
		return newPrincipal(schemas.SourceCloudTrail, u.ARN, u.UserName, u.UserName, schemas.PrincipalHuman)
	default:
		id := u.ARN
		if id == "" {
			id = u.PrincipalID
		}
		return newPrincipal(schemas.SourceCloudTrail, id, "", u.UserName, schemas.PrincipalUnknown)
	}
}

// assumedRole returns the role ARN and session name of an assumed-role identity.
func assumedRole(u *ctUserIdentity) (roleARN, session string) {
	if u.SessionContext != nil && u.SessionContext.SessionIssuer != nil {
		is := u.SessionContext.SessionIssuer
		roleARN = is.ARN
		if roleARN == "" && is.UserName != "" {
			roleARN = "arn:aws:iam::" + u.AccountID + ":role/" + is.UserName
		}
	}
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>
	if i := strings.Index(u.ARN, ":assumed-role/"); i >= 0 {
		parts := strings.SplitN(u.ARN[i+len(":assumed-role/"):], "/", 2)
		if len(parts) == 2 {
			session = parts[1]
		}
		if roleARN == "" {
			roleARN = "arn:aws:iam::" + u.AccountID + ":role/" + parts[0]
		}
	}
	if session == "" {
		if j := strings.IndexByte(u.PrincipalID, ':'); j >= 0 {
			session = u.PrincipalID[j+1:]
		}
	}
	if roleARN == "" {
		roleARN = u.ARN
	}
	return roleARN, session
}

func cloudTrailPolicy(eventName string, p ctParams, iamARN func(kind, name string) string) *schemas.Entitlement {
	e := &schemas.Entitlement{Kind: schemas.EntitlementPolicy, Privilege: schemas.PrivilegeUnknown, System: "aws"}
	switch {
	case p.PolicyArn != "":
		e.ID = p.PolicyArn
		e.Name = p.PolicyArn[strings.LastIndexByte(p.PolicyArn, '/')+1:]
		e.Privilege = PrivilegeOf(e.Name)
		e.Wildcard = wildcardManagedPolicies[e.Name]
	case p.PolicyName != "":
		owner := p.UserName + p.RoleName + p.GroupName
		e.ID = "inline:" + owner + "/" + p.PolicyName
		e.Name = p.PolicyName
		e.Privilege = PrivilegeOf(p.PolicyName)
	case eventName == "UpdateAssumeRolePolicy":
		e.ID = iamARN("role", p.RoleName) + "#trust"
		e.Name = p.RoleName + " trust policy"
	default:
		e.ID, e.Name = "unknown", "unknown"
	}
	doc := p.PolicyDocument
	if doc == "" {
		doc = p.AssumeRolePolicyDocument
	}
	if doc != "" {
		g := AnalyzePolicy(doc)
		switch {
		case g.FullAdmin:
			e.Privilege, e.Wildcard = schemas.PrivilegeAdmin, true
		case g.Wildcard:
			e.Wildcard = true
			if e.Privilege == schemas.PrivilegeUnknown && eventName != "UpdateAssumeRolePolicy" {
				e.Privilege = schemas.PrivilegeWrite
			}
		case g.ReadOnly:
			e.Privilege = schemas.PrivilegeRead
		case g.DenyOnly:
			// A deny-only policy restricts; it grants no privilege.
		default:
			if e.Privilege == schemas.PrivilegeUnknown {
				e.Privilege = schemas.PrivilegeWrite
			}
		}
	}
	return e
}

func cloudTrailCredential(r ctRecord, p ctParams, owner *schemas.Principal) *schemas.Credential {
	c := &schemas.Credential{ID: p.AccessKeyID, Kind: schemas.CredentialAccessKey, Owner: owner}
	if strings.Contains(r.EventName, "Certificate") {
		c.Kind = schemas.CredentialCertificate
	} else if strings.Contains(r.EventName, "ServiceSpecificCredential") || strings.Contains(r.EventName, "SSHPublicKey") {
		c.Kind = schemas.CredentialOther
	}
	var resp struct {
		AccessKey *struct {
			AccessKeyID string `json:"accessKeyId"`
			CreateDate  string `json:"createDate"` // may be "Jun 8, 2018 3:31:37 PM": tolerated, not needed
		} `json:"accessKey"`
	}
	if firstByte(r.ResponseElements) == '{' {
		_ = json.Unmarshal(r.ResponseElements, &resp)
	}
	if resp.AccessKey != nil && resp.AccessKey.AccessKeyID != "" {
		c.ID = resp.AccessKey.AccessKeyID
	}
	if c.ID == "" {
		c.ID = "cloudtrail:" + r.EventID
	}
	return c
}
