package ingest

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// A resource-sharing call (an AMI, EBS or RDS snapshot shared with other accounts, a Lambda,
// SQS, SNS, S3, ECR, Secrets Manager or KMS resource policy, a KMS grant, a RAM share) gives
// principals outside the account use of a resource. tollgate reads who from the record and
// makes the call an access grant to each of them, so the findings on grants apply: an
// unticketed share is UNTICKETED_ACCESS_CHANGE, a public one OVER_BROAD_GRANT.

// share is what one resource-sharing call grants or takes away.
type share struct {
	resource   string   // the shared resource's ARN or id
	permission string   // what the grantees may do
	added      []string // principals given access: "*", an account id, or an ARN
	removed    []string // principals whose access ended
	read       bool     // the permission only reads or copies
}

// publicPrincipals are the values that mean everyone.
var publicPrincipals = map[string]bool{
	"*": true, "all": true,
	"http://acs.amazonaws.com/groups/global/AllUsers":               true,
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers":     true,
	"uri=http://acs.amazonaws.com/groups/global/AllUsers":           true,
	"uri=http://acs.amazonaws.com/groups/global/AuthenticatedUsers": true,
}

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// principalAccount is the account a principal belongs to: the id itself, or the account of
// an ARN; "" for anything else (a service, an organization, a canonical user id).
func principalAccount(p string) string {
	if accountIDPattern.MatchString(p) {
		return p
	}
	if strings.HasPrefix(p, "arn:") {
		if f := strings.SplitN(p, ":", 6); len(f) == 6 && accountIDPattern.MatchString(f[4]) {
			return f[4]
		}
	}
	return ""
}

// outside keeps the principals that are the public or belong to another account than own.
func outside(principals []string, own string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range principals {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if publicPrincipals[p] {
			out = append(out, "*")
			continue
		}
		if a := principalAccount(p); a != "" && a != own {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// sharingParams are the requestParameters keys of the sharing calls, as CloudTrail records
// them. Policy documents arrive as a JSON string or as an object, depending on the service.
type sharingParams struct {
	SnapshotID                  string          `json:"snapshotId"`
	ImageID                     string          `json:"imageId"`
	FpgaImageID                 string          `json:"fpgaImageId"`
	CreateVolumePermission      *permissionEdit `json:"createVolumePermission"`
	LaunchPermission            *permissionEdit `json:"launchPermission"`
	LoadPermission              *permissionEdit `json:"loadPermission"`
	DBSnapshotIdentifier        string          `json:"dBSnapshotIdentifier"`
	DBClusterSnapshotIdentifier string          `json:"dBClusterSnapshotIdentifier"`
	AttributeName               string          `json:"attributeName"`
	ValuesToAdd                 []string        `json:"valuesToAdd"`
	ValuesToRemove              []string        `json:"valuesToRemove"`
	FunctionName                string          `json:"functionName"`
	LayerName                   string          `json:"layerName"`
	Action                      string          `json:"action"`
	Principal                   string          `json:"principal"`
	AuthType                    string          `json:"authType"`
	ProjectArn                  string          `json:"projectArn"`
	ProjectVisibility           string          `json:"projectVisibility"`
	QueueURL                    string          `json:"queueUrl"`
	TopicArn                    string          `json:"topicArn"`
	AWSAccountIDs               json.RawMessage `json:"aWSAccountIds"`
	AWSAccountID                json.RawMessage `json:"aWSAccountId"`
	Actions                     json.RawMessage `json:"actions"`
	ActionName                  json.RawMessage `json:"actionName"`
	Attributes                  map[string]any  `json:"attributes"`
	AttributeValue              string          `json:"attributeValue"`
	BucketName                  string          `json:"bucketName"`
	BucketPolicy                json.RawMessage `json:"bucketPolicy"`
	ACL                         json.RawMessage `json:"AccessControlPolicy"`
	CannedACL                   json.RawMessage `json:"x-amz-acl"`
	GrantRead                   json.RawMessage `json:"x-amz-grant-read"`
	GrantWrite                  json.RawMessage `json:"x-amz-grant-write"`
	GrantFull                   json.RawMessage `json:"x-amz-grant-full-control"`
	Key                         string          `json:"key"`
	KeyID                       string          `json:"keyId"`
	GranteePrincipal            string          `json:"granteePrincipal"`
	Operations                  []string        `json:"operations"`
	Policy                      json.RawMessage `json:"policy"`
	RepositoryName              string          `json:"repositoryName"`
	PolicyText                  string          `json:"policyText"`
	SecretID                    string          `json:"secretId"`
	ResourcePolicy              string          `json:"resourcePolicy"`
	VaultName                   string          `json:"vaultName"`
	ResourceShareArn            string          `json:"resourceShareArn"`
	Name                        string          `json:"name"`
	Principals                  []string        `json:"principals"`
	ResourceArns                []string        `json:"resourceArns"`
}

// permissionEdit is EC2's {"add":{"items":[{"userId":…}|{"group":"all"}]},"remove":{…}}.
type permissionEdit struct {
	Add    *permissionItems `json:"add"`
	Remove *permissionItems `json:"remove"`
}

type permissionItems struct {
	Items []struct {
		UserID          string `json:"userId"`
		Group           string `json:"group"`
		OrganizationArn string `json:"organizationArn"`
	} `json:"items"`
}

func (p *permissionItems) principals() []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, it := range p.Items {
		switch {
		case it.UserID != "":
			out = append(out, it.UserID)
		case it.Group != "":
			out = append(out, it.Group)
		}
	}
	return out
}

func (e *permissionEdit) split() (added, removed []string) {
	if e == nil {
		return nil, nil
	}
	return e.Add.principals(), e.Remove.principals()
}

// policyText returns a policy document held as a JSON string or as an object.
func policyText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if firstByte(raw) == '{' {
		// Glacier nests it: {"policy":{"policy":"<document>"}}.
		var nested struct {
			Policy string `json:"policy"`
		}
		if json.Unmarshal(raw, &nested) == nil && nested.Policy != "" {
			return nested.Policy
		}
		return string(raw)
	}
	return ""
}

// aclGrantees reads the grantees of an S3 ACL body and of the x-amz-grant-* and x-amz-acl
// request headers CloudTrail records as parameters.
func aclGrantees(p sharingParams) []string {
	var out []string
	for _, raw := range []json.RawMessage{p.GrantRead, p.GrantWrite, p.GrantFull} {
		for _, v := range stringsOf(raw) {
			for _, g := range strings.Split(v, ",") {
				out = append(out, strings.Trim(strings.TrimSpace(g), `"`))
			}
		}
	}
	for _, v := range stringsOf(p.CannedACL) {
		if strings.HasPrefix(v, "public-") || v == "authenticated-read" {
			out = append(out, "*")
		}
	}
	if len(p.ACL) > 0 {
		var acl struct {
			AccessControlList struct {
				Grant json.RawMessage `json:"Grant"`
			} `json:"AccessControlList"`
		}
		_ = json.Unmarshal(p.ACL, &acl)
		var grants []struct {
			Grantee struct {
				URI string `json:"URI"`
				ID  string `json:"ID"`
			} `json:"Grantee"`
		}
		if firstByte(acl.AccessControlList.Grant) == '{' {
			acl.AccessControlList.Grant = append(append([]byte{'['}, acl.AccessControlList.Grant...), ']')
		}
		_ = json.Unmarshal(acl.AccessControlList.Grant, &grants)
		for _, g := range grants {
			if g.Grantee.URI != "" {
				out = append(out, g.Grantee.URI)
			}
		}
	}
	return out
}

// decodeSharing reads a sharing call's requestParameters; ok is false when they are not an
// object of the expected shape.
func decodeSharing(raw json.RawMessage) (p sharingParams, ok bool) {
	if firstByte(raw) != '{' || json.Unmarshal(raw, &p) != nil {
		return sharingParams{}, false
	}
	return p, true
}

// sharesAnything reports whether an attribute-editing sharing call touches its permission
// attribute at all: EC2's Modify*Attribute and RDS's Modify*SnapshotAttribute edit other
// attributes too (a description, a kernel, a boot mode), and a CodeBuild visibility
// change may make a project private. Other sharing calls always share or unshare.
func sharesAnything(service, name string, p *sharingParams) bool {
	switch service + ":" + name {
	case "ec2:ModifySnapshotAttribute":
		return p.CreateVolumePermission != nil
	case "ec2:ModifyImageAttribute":
		return p.LaunchPermission != nil
	case "ec2:ModifyFpgaImageAttribute":
		return p.LoadPermission != nil
	case "rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute":
		return strings.EqualFold(p.AttributeName, "restore")
	case "codebuild:UpdateProjectVisibility":
		return strings.EqualFold(p.ProjectVisibility, "PUBLIC_READ")
	}
	return true
}

// readSharing reads what a resource-sharing call shares; ok is false when the record names
// nobody (a policy with only service principals, a share to the organization).
func readSharing(service, name string, p *sharingParams) (share, bool) {
	var s share
	fromPolicy := func(doc string) {
		if doc == "" {
			return
		}
		g := AnalyzePolicy(doc)
		s.added = g.Principals
		s.permission = strings.Join(g.Actions, ",")
		s.read = g.ReadOnly
	}
	switch service + ":" + name {
	case "ec2:ModifySnapshotAttribute":
		s.resource, s.permission, s.read = p.SnapshotID, "createVolumePermission", true
		s.added, s.removed = p.CreateVolumePermission.split()
	case "ec2:ModifyImageAttribute":
		s.resource, s.permission, s.read = p.ImageID, "launchPermission", true
		s.added, s.removed = p.LaunchPermission.split()
	case "ec2:ModifyFpgaImageAttribute":
		s.resource, s.permission, s.read = p.FpgaImageID, "loadPermission", true
		s.added, s.removed = p.LoadPermission.split()
	case "rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute":
		s.resource = p.DBSnapshotIdentifier + p.DBClusterSnapshotIdentifier
		s.permission, s.read = p.AttributeName, true
		s.added, s.removed = p.ValuesToAdd, p.ValuesToRemove
	case "lambda:AddPermission", "lambda:AddLayerVersionPermission":
		s.resource = p.FunctionName + p.LayerName
		s.permission, s.added = p.Action, []string{p.Principal}
		s.read = strings.HasSuffix(p.Action, ":GetLayerVersion")
	case "lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig":
		if !strings.EqualFold(p.AuthType, "NONE") {
			return share{}, false // AWS_IAM: callers still need IAM permission
		}
		s.resource, s.permission, s.added = p.FunctionName, "lambda:InvokeFunctionUrl", []string{"*"}
	case "codebuild:UpdateProjectVisibility":
		s.resource, s.permission, s.added, s.read = p.ProjectArn, "projectVisibility", []string{"*"}, true
	case "sqs:AddPermission", "sns:AddPermission":
		s.resource = p.QueueURL + p.TopicArn
		s.added = append(stringsOf(p.AWSAccountIDs), stringsOf(p.AWSAccountID)...)
		s.permission = strings.Join(append(stringsOf(p.Actions), stringsOf(p.ActionName)...), ",")
	case "sqs:SetQueueAttributes":
		s.resource = p.QueueURL
		if doc, ok := p.Attributes["Policy"].(string); ok {
			fromPolicy(doc)
		}
	case "sns:SetTopicAttributes":
		s.resource = p.TopicArn
		if strings.EqualFold(p.AttributeName, "Policy") {
			fromPolicy(p.AttributeValue)
		}
	case "s3:PutBucketPolicy":
		s.resource = "arn:aws:s3:::" + p.BucketName
		fromPolicy(policyText(p.BucketPolicy))
	case "s3:PutBucketAcl", "s3:PutObjectAcl":
		s.resource = "arn:aws:s3:::" + p.BucketName
		if p.Key != "" {
			s.resource += "/" + p.Key
		}
		s.permission, s.added = "acl", aclGrantees(*p)
	case "kms:CreateGrant":
		s.resource, s.added = p.KeyID, []string{p.GranteePrincipal}
		s.permission = strings.Join(p.Operations, ",")
	case "kms:PutKeyPolicy":
		s.resource = p.KeyID
		fromPolicy(policyText(p.Policy))
	case "ecr:SetRepositoryPolicy":
		s.resource = p.RepositoryName
		fromPolicy(p.PolicyText)
	case "secretsmanager:PutResourcePolicy":
		s.resource = p.SecretID
		fromPolicy(p.ResourcePolicy)
	case "glacier:SetVaultAccessPolicy":
		s.resource = p.VaultName
		fromPolicy(policyText(p.Policy))
	case "ram:CreateResourceShare", "ram:AssociateResourceShare":
		s.resource = p.ResourceShareArn
		if s.resource == "" {
			s.resource = p.Name
		}
		s.permission, s.added = strings.Join(p.ResourceArns, ","), p.Principals
	case "ram:DisassociateResourceShare":
		s.resource, s.permission, s.removed = p.ResourceShareArn, strings.Join(p.ResourceArns, ","), p.Principals
	default:
		return share{}, false
	}
	return s, s.resource != "" && (len(s.added) > 0 || len(s.removed) > 0)
}

// shareEvents turns one sharing record into an access grant or revocation for each outside
// principal it names (a KMS grant counts for any grantee: a grant is access by definition).
// It returns nil when the record shares with nobody outside, leaving the catalogue's meaning.
func shareEvents(ev schemas.IdentityEvent, service, name string, p *sharingParams, account string) []schemas.IdentityEvent {
	s, ok := readSharing(service, name, p)
	if !ok {
		return nil
	}
	added, removed := outside(s.added, account), outside(s.removed, account)
	if service == "kms" && name == "CreateGrant" {
		added = s.added
	}
	const most = 50 // a share to more accounts than this is summarized in the last event's attributes
	var out []schemas.IdentityEvent
	emit := func(principals []string, action schemas.Action) {
		for _, p := range principals {
			if len(out) == most {
				setAttr(&out[most-1], "shared_with_more", "true")
				return
			}
			e := ev
			e.Attributes = make(map[string]string, len(ev.Attributes)+2)
			for k, v := range ev.Attributes {
				e.Attributes[k] = v
			}
			e.Action = action
			e.Subject = sharePrincipal(p)
			e.Entitlement = shareEntitlement(s, p, ev.Entitlement, account)
			setAttr(&e, "shared_with", p)
			out = append(out, e)
		}
	}
	emit(added, schemas.ActionAccessGrant)
	emit(removed, schemas.ActionAccessRevoke)
	if len(out) > 1 {
		for i := range out {
			out[i].EventID = ev.EventID + "#" + out[i].Attributes["shared_with"]
		}
	}
	return out
}

// sharePrincipal is the grantee: everyone ("public"), an outside account ("account:<id>",
// also for the account's root ARN, which in a policy stands for the whole account and is
// no use of the root user), or a named principal of it.
func sharePrincipal(p string) *schemas.Principal {
	switch {
	case p == "*":
		return newPrincipal(schemas.SourceCloudTrail, "public", "", "everyone (public)", schemas.PrincipalUnknown)
	case accountIDPattern.MatchString(p) || (strings.HasSuffix(p, ":root") && principalAccount(p) != ""):
		a := principalAccount(p)
		return newPrincipal(schemas.SourceCloudTrail, "account:"+a, "", "AWS account "+a, schemas.PrincipalUnknown)
	default:
		typ := schemas.PrincipalUnknown
		if strings.Contains(p, ":role/") {
			typ = schemas.PrincipalNHI
		} else if strings.Contains(p, ":user/") {
			typ = schemas.PrincipalHuman
		}
		return newPrincipal(schemas.SourceCloudTrail, p, "", "", typ)
	}
}

func shareEntitlement(s share, grantee string, base *schemas.Entitlement, account string) *schemas.Entitlement {
	kind := schemas.EntitlementPermission
	if base != nil && base.Kind != "" {
		kind = base.Kind
	}
	e := &schemas.Entitlement{ID: s.resource, Name: s.resource, Kind: kind, System: "aws", Privilege: schemas.PrivilegeWrite}
	if s.permission != "" {
		e.ID += "#" + s.permission
		e.Name += " (" + s.permission + ")"
	}
	if s.read {
		e.Privilege = schemas.PrivilegeRead
	}
	for _, a := range strings.Split(s.permission, ",") {
		if a == "*" || strings.HasSuffix(a, ":*") {
			e.Privilege = schemas.PrivilegeAdmin // every action of the service, or of all of them
		}
	}
	e.Wildcard = grantee == "*"
	if account != "" {
		e.Environment = ptr(account)
	}
	return e
}
