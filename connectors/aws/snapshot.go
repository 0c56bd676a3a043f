package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// IAMAPI is the part of the IAM client the Snapshotter calls.
type IAMAPI interface {
	GetAccountAuthorizationDetails(context.Context, *iam.GetAccountAuthorizationDetailsInput, ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput, ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

// Snapshotter lists an account's IAM holdings: every user (human unless its name says
// automation, as ingest judges) with its attached and inline policies, its groups and its
// access keys, and every role (an NHI) with its policies. A group's policies are not
// copied onto its members — AttachGroupPolicy names no user, so no event-born grant would
// match them — but they rate the group entitlement: a group with AdministratorAccess is
// an ADMIN wildcard membership.
type Snapshotter struct {
	IAM      IAMAPI
	pageSize int32
}

// NewSnapshotter builds the Snapshotter of c; hc carries every call (nil: the SDK's).
func NewSnapshotter(ctx context.Context, c Config, hc *http.Client) (*Snapshotter, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	cfg, err := loadSDK(ctx, c, hc)
	if err != nil {
		return nil, err
	}
	client := iam.NewFromConfig(cfg, func(o *iam.Options) {
		if c.Endpoints.IAM != "" {
			o.BaseEndpoint = aws.String(trimSlash(c.Endpoints.IAM))
		}
	})
	return &Snapshotter{IAM: client, pageSize: int32(c.PageSize)}, nil
}

// Source is CLOUDTRAIL: the snapshot's events meet the trail's.
func (s *Snapshotter) Source() schemas.Source { return schemas.SourceCloudTrail }

// System is "aws", the system of every IAM entitlement ingest makes of CloudTrail.
func (s *Snapshotter) System() string { return "aws" }

// Snapshot lists the account and calls emit once per user and role, in principal-id order.
func (s *Snapshotter) Snapshot(ctx context.Context, emit func(connectors.Holding) error) error {
	var (
		users    []types.UserDetail
		groups   = map[string]types.GroupDetail{}
		roles    []types.RoleDetail
		policies = map[string]string{} // managed policy ARN → default version's document
	)
	pg := iam.NewGetAccountAuthorizationDetailsPaginator(s.IAM, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(s.pageSize)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("iam:GetAccountAuthorizationDetails: %w", err)
		}
		users = append(users, out.UserDetailList...)
		roles = append(roles, out.RoleDetailList...)
		for _, g := range out.GroupDetailList {
			groups[aws.ToString(g.GroupName)] = g
		}
		for _, p := range out.Policies {
			for _, v := range p.PolicyVersionList {
				if v.IsDefaultVersion {
					policies[aws.ToString(p.Arn)] = policyDocument(aws.ToString(v.Document))
				}
			}
		}
	}
	v := newIngestView(policies)
	var out []connectors.Holding
	for _, u := range users {
		h, err := s.user(ctx, v, u, groups)
		if err != nil {
			return err
		}
		out = append(out, h)
	}
	for _, r := range roles {
		h, err := s.role(v, r)
		if err != nil {
			return err
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Principal.ID < out[j].Principal.ID })
	for _, h := range out {
		if err := emit(h); err != nil {
			return err
		}
	}
	return nil
}

func (s *Snapshotter) user(ctx context.Context, v *ingestView, u types.UserDetail, groups map[string]types.GroupDetail) (connectors.Holding, error) {
	name, account := aws.ToString(u.UserName), accountOf(aws.ToString(u.Arn))
	var h connectors.Holding
	for _, p := range u.AttachedManagedPolicies {
		ev, err := v.parse(account, "AttachUserPolicy", map[string]string{"userName": name, "policyArn": aws.ToString(p.PolicyArn)})
		if err != nil {
			return h, err
		}
		h.Grants = append(h.Grants, connectors.Grant{Entitlement: v.rated(*ev.Entitlement, aws.ToString(p.PolicyArn))})
	}
	for _, p := range u.UserPolicyList {
		ev, err := v.parse(account, "PutUserPolicy", map[string]string{"userName": name, "policyName": aws.ToString(p.PolicyName), "policyDocument": policyDocument(aws.ToString(p.PolicyDocument))})
		if err != nil {
			return h, err
		}
		h.Grants = append(h.Grants, connectors.Grant{Entitlement: *ev.Entitlement})
	}
	for _, gname := range u.GroupList {
		ev, err := v.parse(account, "AddUserToGroup", map[string]string{"userName": name, "groupName": gname})
		if err != nil {
			return h, err
		}
		e := *ev.Entitlement
		if g, ok := groups[gname]; ok {
			e = v.groupRated(e, account, g)
		}
		h.Grants = append(h.Grants, connectors.Grant{Entitlement: e})
	}
	// The principal as ingest names the subject of a change to this user.
	p, err := v.subject(account, "AddUserToGroup", map[string]string{"userName": name, "groupName": "x"})
	if err != nil {
		return h, err
	}
	h.Principal, h.Status = *p, connectors.StatusActive
	keys, err := s.accessKeys(ctx, name, p)
	h.Credentials = keys
	return h, err
}

func (s *Snapshotter) role(v *ingestView, r types.RoleDetail) (connectors.Holding, error) {
	name, account := aws.ToString(r.RoleName), accountOf(aws.ToString(r.Arn))
	var h connectors.Holding
	p, err := v.subject(account, "AttachRolePolicy", map[string]string{"roleName": name, "policyArn": "x"})
	if err != nil {
		return h, err
	}
	h.Principal, h.Status = *p, connectors.StatusActive
	h.Principal.Type = schemas.PrincipalNHI
	for _, ap := range r.AttachedManagedPolicies {
		ev, err := v.parse(account, "AttachRolePolicy", map[string]string{"roleName": name, "policyArn": aws.ToString(ap.PolicyArn)})
		if err != nil {
			return h, err
		}
		h.Grants = append(h.Grants, connectors.Grant{Entitlement: v.rated(*ev.Entitlement, aws.ToString(ap.PolicyArn))})
	}
	for _, ip := range r.RolePolicyList {
		ev, err := v.parse(account, "PutRolePolicy", map[string]string{"roleName": name, "policyName": aws.ToString(ip.PolicyName), "policyDocument": policyDocument(aws.ToString(ip.PolicyDocument))})
		if err != nil {
			return h, err
		}
		h.Grants = append(h.Grants, connectors.Grant{Entitlement: *ev.Entitlement})
	}
	return h, nil
}

// accessKeys lists a user's access keys with their last use. The credential id is the
// access key id, as ingest names the key of CreateAccessKey.
func (s *Snapshotter) accessKeys(ctx context.Context, user string, owner *schemas.Principal) ([]connectors.Credential, error) {
	var out []connectors.Credential
	pg := iam.NewListAccessKeysPaginator(s.IAM, &iam.ListAccessKeysInput{UserName: aws.String(user), MaxItems: aws.Int32(s.pageSize)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("iam:ListAccessKeys of %s: %w", user, err)
		}
		for _, k := range page.AccessKeyMetadata {
			id := aws.ToString(k.AccessKeyId)
			c := connectors.Credential{ID: id, Kind: schemas.CredentialAccessKey, Owner: owner, CreatedAt: utc(k.CreateDate)}
			lu, err := s.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
			if err != nil {
				return nil, fmt.Errorf("iam:GetAccessKeyLastUsed of a key of %s: %w", user, err)
			}
			if lu.AccessKeyLastUsed != nil {
				c.LastUsedAt = utc(lu.AccessKeyLastUsed.LastUsedDate)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// accountOf is the account id of an ARN (arn:aws:iam::123456789012:user/x).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// policyDocument decodes a policy document as IAM returns it: URL-encoded JSON (RFC 3986).
// A document that is not encoded comes back as it is.
func policyDocument(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.PathUnescape(doc); err == nil {
		return d
	}
	return doc
}

// ingestView makes a snapshot's entitlements and principals as ingest makes them of the
// CloudTrail record of the same change, so the conventions live in ingest/cloudtrail.go.
type ingestView struct {
	policies map[string]string
}

func newIngestView(policies map[string]string) *ingestView { return &ingestView{policies: policies} }

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (v *ingestView) parse(account, eventName string, params map[string]string) (schemas.IdentityEvent, error) {
	rec := map[string]any{
		"eventVersion": "1.11", "eventID": "tollgate-snapshot", "eventTime": epoch.Format(time.RFC3339), "eventSource": "iam.amazonaws.com",
		"eventName": eventName, "awsRegion": "us-east-1", "recipientAccountId": account, "readOnly": false, "eventType": "AwsApiCall",
		"managementEvent": true, "eventCategory": "Management", "requestParameters": params,
	}
	b, _ := json.Marshal(rec)
	evs, err := ingest.ParseCloudTrail(b, epoch)
	if err != nil {
		return schemas.IdentityEvent{}, fmt.Errorf("ingest does not parse a synthesized %s: %w", eventName, err)
	}
	if len(evs) != 1 || evs[0].Entitlement == nil {
		return schemas.IdentityEvent{}, fmt.Errorf("ingest makes no entitlement of %s", eventName)
	}
	return evs[0], nil
}

func (v *ingestView) subject(account, eventName string, params map[string]string) (*schemas.Principal, error) {
	ev, err := v.parse(account, eventName, params)
	if err != nil {
		return nil, err
	}
	if ev.Subject == nil {
		return nil, fmt.Errorf("ingest makes no subject of %s", eventName)
	}
	return ev.Subject, nil
}

// rated raises a managed policy's privilege by its document when the account's listing
// has it (customer managed policies, whose names say nothing), as ingest rates a document.
func (v *ingestView) rated(e schemas.Entitlement, arn string) schemas.Entitlement {
	doc, ok := v.policies[arn]
	if !ok || e.Wildcard && e.Privilege == schemas.PrivilegeAdmin {
		return e
	}
	if d := v.docRating(doc); rank(d.Privilege) > rank(e.Privilege) || d.Wildcard && !e.Wildcard {
		e.Privilege, e.Wildcard = maxPriv(e.Privilege, d.Privilege), e.Wildcard || d.Wildcard
	}
	return e
}

// docRating is how ingest rates an inline policy with doc.
func (v *ingestView) docRating(doc string) schemas.Entitlement {
	ev, err := v.parse("000000000000", "PutUserPolicy", map[string]string{"userName": "x", "policyName": "x", "policyDocument": doc})
	if err != nil {
		return schemas.Entitlement{Privilege: schemas.PrivilegeUnknown}
	}
	return *ev.Entitlement
}

// groupRated rates membership of g by the policies g holds.
func (v *ingestView) groupRated(e schemas.Entitlement, account string, g types.GroupDetail) schemas.Entitlement {
	for _, ap := range g.AttachedManagedPolicies {
		if pe, err := v.parse(account, "AttachGroupPolicy", map[string]string{"groupName": aws.ToString(g.GroupName), "policyArn": aws.ToString(ap.PolicyArn)}); err == nil {
			r := v.rated(*pe.Entitlement, aws.ToString(ap.PolicyArn))
			e.Privilege, e.Wildcard = maxPriv(e.Privilege, r.Privilege), e.Wildcard || r.Wildcard
		}
	}
	for _, ip := range g.GroupPolicyList {
		r := v.docRating(policyDocument(aws.ToString(ip.PolicyDocument)))
		e.Privilege, e.Wildcard = maxPriv(e.Privilege, r.Privilege), e.Wildcard || r.Wildcard
	}
	return e
}

func rank(p schemas.Privilege) int {
	switch p {
	case schemas.PrivilegeAdmin:
		return 3
	case schemas.PrivilegeWrite:
		return 2
	case schemas.PrivilegeRead:
		return 1
	}
	return 0
}

func maxPriv(a, b schemas.Privilege) schemas.Privilege {
	if rank(b) > rank(a) {
		return b
	}
	return a
}
