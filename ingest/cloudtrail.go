package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// awsCatalog is the AWS Service Authorization Reference: every API action with its access
// level (ingest/catalog/data/aws-actions.tsv, scripts/catalog/aws).
var awsCatalog = catalog.Get("aws-actions")

// cloudTrailRule is what one record's call means.
type cloudTrailRule struct {
	Action  schemas.Action
	Kind    schemas.EntitlementKind
	Service string // the IAM service prefix the catalogue knew the call by
	Name    string // the action's name without an API version suffix
	Class   string // the catalogue entry's class: its access level, or a refinement
}

// ctServiceAliases are eventSource hosts whose IAM service prefix is another name.
var ctServiceAliases = map[string]string{
	"monitoring": "cloudwatch", "email": "ses", "api.sagemaker": "sagemaker", "runtime.sagemaker": "sagemaker",
	"streams.dynamodb": "dynamodb", "portal.sso": "sso", "oidc": "sso-oauth", "api.ecr": "ecr",
	"elasticloadbalancingv2": "elasticloadbalancing", "tagging": "tag", "bedrock-runtime": "bedrock",
	"macie": "macie2", // Macie Classic's calls, retired into Macie's reference entries
}

// wildcardManagedPolicies are AWS managed policies whose documents are wildcards.
var wildcardManagedPolicies = map[string]bool{"AdministratorAccess": true, "IAMFullAccess": true, "PowerUserAccess": true}

// ctServices are the IAM service prefixes to try for an eventSource host: its alias, the host
// itself, and its last label (api.sagemaker → sagemaker). A record without an eventSource
// is an IAM, STS or sign-in call, the services FORMATS.md §3 covers.
func ctServices(eventSource string) []string {
	host := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(eventSource)), ".amazonaws.com")
	if host == "" {
		return []string{"iam", "sts", "signin"}
	}
	out := make([]string, 0, 3)
	if a, ok := ctServiceAliases[host]; ok {
		out = append(out, a)
	}
	out = append(out, host)
	if i := strings.LastIndexByte(host, '.'); i >= 0 {
		out = append(out, host[i+1:])
	}
	return out
}

// ctActionName drops the API version suffix some services put on eventName
// (Lambda's UpdateFunctionCode20150331v2 is lambda:UpdateFunctionCode).
func ctActionName(eventName string) string {
	n := eventName
	if i := strings.LastIndexByte(n, 'v'); i > 8 && i < len(n)-1 && allDigits(n[i+1:]) {
		n = n[:i]
	}
	if len(n) > 8 && allDigits(n[len(n)-8:]) && strings.HasPrefix(n[len(n)-8:], "20") {
		return n[:len(n)-8]
	}
	return eventName
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ctMetadata is what every CloudTrail record says about itself.
type ctMetadata struct {
	ReadOnly        *bool
	EventCategory   string // Management, Data, Insight, NetworkActivity
	EventType       string // AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, …
	ManagementEvent *bool
}

// readPrefixes are action-name prefixes of calls that only read, for a record that carries
// no readOnly flag and names a call the catalogue lacks.
var readPrefixes = []string{"Get", "List", "Describe", "Head", "Search", "Lookup", "BatchGet"}

// cloudTrailMeaning decides what a record's call means and records how on ev: the catalogue
// entry (catalog, catalog_entry, catalog_class), else the record's own metadata
// (catalog_basis), else the miss (catalog_miss) that the router's TRIAGE reason names.
//
// The record's readOnly flag outranks an action's Write level: kms:Decrypt is a Write action
// in the reference but CloudTrail marks it read-only, and it changes nothing.
func cloudTrailMeaning(ev *schemas.IdentityEvent, eventSource, eventName string, md ctMetadata) cloudTrailRule {
	name := ctActionName(eventName)
	services := ctServices(eventSource)
	var e catalog.Entry
	found := false
	for _, svc := range services {
		if e, found = awsCatalog.LookupFold(svc + ":" + name); found {
			awsCatalog.Record(ev, e)
			r := cloudTrailRule{Action: e.CanonicalAction(), Kind: e.Kind, Service: svc, Name: name, Class: e.Class}
			if e.Action == catalog.NoAccessChange && md.ReadOnly != nil && *md.ReadOnly {
				r.Action = schemas.ActionRead
				ev.Attributes[catalog.AttrClass] = e.Class
				setAttr(ev, "catalog_basis", "readOnly=true")
			}
			return r
		}
	}
	awsCatalog.RecordMiss(ev, services[0]+":"+name)
	r := cloudTrailRule{Action: schemas.ActionOther, Service: services[0], Name: name}
	basis := ""
	switch {
	case md.ReadOnly != nil && *md.ReadOnly:
		r.Action, basis = schemas.ActionRead, "readOnly=true"
	case md.EventCategory == "Data" || md.EventCategory == "NetworkActivity" || md.EventCategory == "Insight":
		basis = "eventCategory=" + md.EventCategory // data and network activity use resources; insights are signals
	case md.EventType == "AwsServiceEvent" || md.EventType == "AwsCloudTrailInsight":
		basis = "eventType=" + md.EventType // AWS's own service acted, no principal of the account
	case md.ReadOnly == nil && hasAnyPrefix(name, readPrefixes):
		r.Action, basis = schemas.ActionRead, "name prefix (no readOnly flag)"
	}
	if basis != "" {
		setAttr(ev, "catalog_basis", basis)
		if r.Action == schemas.ActionOther {
			ev.Attributes[catalog.AttrClass] = catalog.ClassNoAccessChange
		}
	}
	return r
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
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
	ReadOnly            json.RawMessage `json:"readOnly"`
	EventCategory       string          `json:"eventCategory"`
	EventType           string          `json:"eventType"`
	ManagementEvent     json.RawMessage `json:"managementEvent"`
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
	InstanceProfileName      string `json:"instanceProfileName"`
	PermissionSetArn         string `json:"permissionSetArn"`
	TargetID                 string `json:"targetId"`
	PrincipalID              string `json:"principalId"`
	PrincipalType            string `json:"principalType"`
	GroupID                  string `json:"groupId"`
	MemberID                 struct {
		UserID string `json:"userId"`
	} `json:"memberId"`
	AccountID        string `json:"accountId"`
	ServicePrincipal string `json:"servicePrincipal"`
	Tags             []struct {
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
	md := r.metadata()
	rule := cloudTrailMeaning(&ev, r.EventSource, r.EventName, md)
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
	case p.InstanceProfileName != "" && rule.Kind == schemas.EntitlementRole:
		// The instance profile gains (or loses) the role: every instance launched with it acts as the role.
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, iamARN("instance-profile", p.InstanceProfileName), "", p.InstanceProfileName, schemas.PrincipalNHI)
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

	switch {
	case rule.Service == "iam" && rule.Kind == schemas.EntitlementGroup:
		ev.Entitlement = &schemas.Entitlement{ID: iamARN("group", p.GroupName), Name: p.GroupName, Kind: schemas.EntitlementGroup, Privilege: PrivilegeOf(p.GroupName), System: "aws"}
	case rule.Service == "iam" && rule.Kind == schemas.EntitlementPolicy:
		ev.Entitlement = cloudTrailPolicy(r.EventName, p, iamARN)
		if p.GroupName != "" {
			setAttr(&ev, "target_group", p.GroupName)
		}
	case rule.Service == "iam" && rule.Kind == schemas.EntitlementRole:
		ev.Entitlement = &schemas.Entitlement{ID: iamARN("role", p.RoleName), Name: p.RoleName, Kind: schemas.EntitlementRole, Privilege: PrivilegeOf(p.RoleName), System: "aws"}
	case rule.Service == "iam" && rule.Kind == schemas.EntitlementApp:
		// A login profile is the user's way into the console.
		ev.Entitlement = &schemas.Entitlement{ID: "aws-console:" + account, Name: "AWS Management Console", Kind: schemas.EntitlementApp, Privilege: schemas.PrivilegeUnknown, System: "aws"}
	case rule.Kind != "":
		identityCenterAccess(&ev, rule, p)
	}
	if ev.Entitlement != nil && account != "" {
		ev.Entitlement.Environment = ptr(account)
	}
	switch ev.Action {
	case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
		ev.Credential = cloudTrailCredential(r, p, ev.Subject)
	}
	if md.ReadOnly != nil {
		setAttr(&ev, "read_only", fmt.Sprint(*md.ReadOnly))
	}
	setAttr(&ev, "event_category", md.EventCategory)
	setAttr(&ev, "event_type", md.EventType)
	if sp, ok := shareParams(rule, ev.Outcome, r.RequestParameters); ok {
		if !sharesAnything(rule.Service, rule.Name, &sp) {
			// An attribute call that changes no permission attribute (an AMI's
			// description, a snapshot's other attributes) shares nothing.
			ev.Action, ev.Entitlement = schemas.ActionOther, nil
			ev.Attributes[catalog.AttrClass] = catalog.ClassNoAccessChange
			setAttr(&ev, "catalog_basis", "requestParameters: no permission attribute")
		} else if shared := shareEvents(ev, rule.Service, rule.Name, &sp, account); len(shared) > 0 {
			for i := range shared {
				finish(&shared[i], texts...)
			}
			return shared, nil
		}
	}
	finish(&ev, texts...)
	return []schemas.IdentityEvent{ev}, nil
}

// shareParams decodes the requestParameters of a successful resource-sharing call; other
// calls are not decoded again.
func shareParams(rule cloudTrailRule, outcome schemas.Outcome, raw json.RawMessage) (sharingParams, bool) {
	if rule.Class != catalog.ClassResourceSharing || outcome == schemas.OutcomeFailure {
		return sharingParams{}, false
	}
	return decodeSharing(raw)
}

// identityCenterAccess reads the subject and entitlement of the IAM Identity Center,
// identity store and Organizations calls that grant or revoke access.
func identityCenterAccess(ev *schemas.IdentityEvent, rule cloudTrailRule, p ctParams) {
	switch {
	case p.PermissionSetArn != "" && p.PrincipalID != "":
		typ := schemas.PrincipalHuman
		if strings.EqualFold(p.PrincipalType, "GROUP") {
			typ = schemas.PrincipalUnknown
		}
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, p.PrincipalID, "", p.PrincipalID, typ)
		ev.Entitlement = &schemas.Entitlement{ID: p.PermissionSetArn + "@" + p.TargetID, Name: p.PermissionSetArn[strings.LastIndexByte(p.PermissionSetArn, '/')+1:],
			Kind: rule.Kind, Privilege: schemas.PrivilegeUnknown, System: "aws-identity-center", Environment: ptr(p.TargetID)}
		setAttr(ev, "principal_type", p.PrincipalType)
	case p.GroupID != "" && p.MemberID.UserID != "":
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, p.MemberID.UserID, "", p.MemberID.UserID, schemas.PrincipalHuman)
		ev.Entitlement = &schemas.Entitlement{ID: p.GroupID, Name: p.GroupID, Kind: schemas.EntitlementGroup, Privilege: schemas.PrivilegeUnknown, System: "aws-identity-center"}
	case p.ServicePrincipal != "" && p.AccountID != "":
		ev.Subject = newPrincipal(schemas.SourceCloudTrail, "account:"+p.AccountID, "", "AWS account "+p.AccountID, schemas.PrincipalUnknown)
		ev.Entitlement = &schemas.Entitlement{ID: "delegated-admin:" + p.ServicePrincipal, Name: "delegated administrator of " + p.ServicePrincipal,
			Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeAdmin, System: "aws-organizations"}
	}
}

// metadata reads the record's self-description. readOnly and managementEvent are booleans,
// but some forwarders write them as strings; anything else counts as absent.
func (r ctRecord) metadata() ctMetadata {
	return ctMetadata{ReadOnly: looseBool(r.ReadOnly), EventCategory: r.EventCategory, EventType: r.EventType,
		ManagementEvent: looseBool(r.ManagementEvent)}
}

func looseBool(raw json.RawMessage) *bool {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return &b
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			b = true
			return &b
		case "false":
			return &b
		}
	}
	return nil
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
