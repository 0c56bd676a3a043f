package aws

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

const acct = "111122223333"

func enc(doc string) string { return url.PathEscape(doc) }

// account loads the fake with an account as IAM's API reference documents
// GetAccountAuthorizationDetails (two pages), ListAccessKeys and GetAccessKeyLastUsed.
func account(f *fakeAWS) {
	s3Write := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	kms := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":"arn:aws:kms:us-east-1:111122223333:key/1"}]}`
	f.iamPages = []string{
		`<UserDetailList>
  <member><Path>/</Path><UserName>alice</UserName><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Arn>arn:aws:iam::111122223333:user/alice</Arn><CreateDate>2020-01-10T10:00:00Z</CreateDate>
    <UserPolicyList><member><PolicyName>s3-write</PolicyName><PolicyDocument>` + enc(s3Write) + `</PolicyDocument></member></UserPolicyList>
    <GroupList><member>Admins</member></GroupList>
    <AttachedManagedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedManagedPolicies>
    <Tags/></member>
  <member><Path>/automation/</Path><UserName>svc-deploy</UserName><UserId>AIDAJQABLZS4A3EXAMPLE</UserId><Arn>arn:aws:iam::111122223333:user/automation/svc-deploy</Arn><CreateDate>2021-03-01T00:00:00Z</CreateDate>
    <UserPolicyList/><GroupList/><AttachedManagedPolicies/></member>
</UserDetailList>`,
		`<GroupDetailList>
  <member><Path>/</Path><GroupName>Admins</GroupName><GroupId>AGPAJQABLZS4A3EXAMPLE</GroupId><Arn>arn:aws:iam::111122223333:group/Admins</Arn><CreateDate>2019-01-01T00:00:00Z</CreateDate>
    <GroupPolicyList/>
    <AttachedManagedPolicies><member><PolicyName>custom-admin</PolicyName><PolicyArn>arn:aws:iam::111122223333:policy/custom-admin</PolicyArn></member></AttachedManagedPolicies></member>
</GroupDetailList>
<RoleDetailList>
  <member><Path>/</Path><RoleName>ops-automation</RoleName><RoleId>AROAJ52OTH4H7LEXAMPLE</RoleId><Arn>arn:aws:iam::111122223333:role/ops-automation</Arn><CreateDate>2022-01-01T00:00:00Z</CreateDate>
    <AssumeRolePolicyDocument>` + enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`) + `</AssumeRolePolicyDocument>
    <InstanceProfileList/>
    <RolePolicyList><member><PolicyName>kms-decrypt</PolicyName><PolicyDocument>` + enc(kms) + `</PolicyDocument></member></RolePolicyList>
    <AttachedManagedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedManagedPolicies></member>
</RoleDetailList>
<Policies>
  <member><PolicyName>custom-admin</PolicyName><DefaultVersionId>v2</DefaultVersionId><PolicyId>ANPAJ2UCCR6DPCEXAMPLE</PolicyId><Path>/</Path><Arn>arn:aws:iam::111122223333:policy/custom-admin</Arn>
    <AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable><CreateDate>2019-01-01T00:00:00Z</CreateDate><UpdateDate>2019-02-01T00:00:00Z</UpdateDate>
    <PolicyVersionList>
      <member><Document>` + enc(admin) + `</Document><IsDefaultVersion>true</IsDefaultVersion><VersionId>v2</VersionId><CreateDate>2019-02-01T00:00:00Z</CreateDate></member>
      <member><Document>` + enc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`) + `</Document><IsDefaultVersion>false</IsDefaultVersion><VersionId>v1</VersionId><CreateDate>2019-01-01T00:00:00Z</CreateDate></member>
    </PolicyVersionList></member>
</Policies>`,
	}
	f.iamXML["ListAccessKeys/alice"] = `<UserName>alice</UserName><AccessKeyMetadata/><IsTruncated>false</IsTruncated>`
	f.iamXML["ListAccessKeys/svc-deploy"] = `<UserName>svc-deploy</UserName><AccessKeyMetadata>
  <member><UserName>svc-deploy</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPL1</AccessKeyId><Status>Active</Status><CreateDate>2021-03-01T12:00:00Z</CreateDate></member>
  <member><UserName>svc-deploy</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPL2</AccessKeyId><Status>Inactive</Status><CreateDate>2024-06-01T12:00:00Z</CreateDate></member>
</AccessKeyMetadata><IsTruncated>false</IsTruncated>`
	f.iamXML["GetAccessKeyLastUsed/AKIAIOSFODNN7EXAMPL1"] = `<UserName>svc-deploy</UserName><AccessKeyLastUsed><Region>us-east-1</Region><LastUsedDate>2025-05-01T08:30:00Z</LastUsedDate><ServiceName>s3</ServiceName></AccessKeyLastUsed>`
	f.iamXML["GetAccessKeyLastUsed/AKIAIOSFODNN7EXAMPL2"] = `<UserName>svc-deploy</UserName><AccessKeyLastUsed><Region>N/A</Region><ServiceName>N/A</ServiceName></AccessKeyLastUsed>`
}

// record is a CloudTrail management event as the trail writes it.
func record(id, name, params, response string) string {
	if response == "" {
		response = "null"
	}
	return `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAOPS","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","accessKeyId":"AKIAOPS","userName":"ops"},
"eventTime":"2025-05-14T11:20:04Z","eventSource":"iam.amazonaws.com","eventName":"` + name + `","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.44","userAgent":"aws-cli/2.15.0",
"requestParameters":` + params + `,"responseElements":` + response + `,"requestID":"r-` + id + `","eventID":"` + id + `","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
}

func parseOne(t *testing.T, rec string) schemas.IdentityEvent {
	t.Helper()
	evs, err := ingest.ParseCloudTrail([]byte(rec), time.Now())
	if err != nil || len(evs) != 1 {
		t.Fatalf("ParseCloudTrail: %v (%d)", err, len(evs))
	}
	return evs[0]
}

func keyOf(e *schemas.Entitlement) string { return schemas.EntitlementKey(e.System, e.ID, e.Name) }

func grantKeyed(h connectors.Holding, key string) *connectors.Grant {
	for i, g := range h.Grants {
		if keyOf(&g.Entitlement) == key {
			return &h.Grants[i]
		}
	}
	return nil
}

func TestSnapshotAccount(t *testing.T) {
	f := newFakeAWS(t)
	account(f)
	f.fault("GetAccountAuthorizationDetails", 400, 0, 500) // throttled, page one, a 5xx on page two
	s, err := NewSnapshotter(context.Background(), f.config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]connectors.Holding{}
	if err := s.Snapshot(context.Background(), func(h connectors.Holding) error {
		got[h.Principal.ID] = h
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if f.calls["GetAccountAuthorizationDetails"] != 4 {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want 4 (throttled, page 1, 500, page 2)", f.calls["GetAccountAuthorizationDetails"])
	}
	if len(got) != 3 {
		t.Fatalf("%d holders, want 2 users and a role: %v", len(got), got)
	}

	attach := parseOne(t, record("e1", "AttachUserPolicy", `{"userName":"alice","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`, ""))
	alice, ok := got[attach.Subject.ID]
	if !ok {
		t.Fatalf("no holder %s (AttachUserPolicy's subject)", attach.Subject.ID)
	}
	if alice.Principal.Type != schemas.PrincipalHuman || alice.Status != connectors.StatusActive {
		t.Errorf("alice %+v %s", alice.Principal, alice.Status)
	}
	g := grantKeyed(alice, keyOf(attach.Entitlement))
	if g == nil || g.Entitlement.Privilege != schemas.PrivilegeAdmin || !g.Entitlement.Wildcard {
		t.Errorf("AdministratorAccess grant %+v, want keyed %s, ADMIN wildcard", g, keyOf(attach.Entitlement))
	}
	put := parseOne(t, record("e2", "PutUserPolicy", `{"userName":"alice","policyName":"s3-write","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}`, ""))
	if g := grantKeyed(alice, keyOf(put.Entitlement)); g == nil || g.Entitlement.Privilege != put.Entitlement.Privilege || g.Entitlement.Wildcard != put.Entitlement.Wildcard {
		t.Errorf("inline policy grant %+v, want keyed %s rated as ingest rates it (%s, wildcard %v)", g, keyOf(put.Entitlement), put.Entitlement.Privilege, put.Entitlement.Wildcard)
	}
	add := parseOne(t, record("e3", "AddUserToGroup", `{"groupName":"Admins","userName":"alice"}`, ""))
	if g := grantKeyed(alice, keyOf(add.Entitlement)); g == nil || g.Entitlement.Kind != schemas.EntitlementGroup ||
		g.Entitlement.Privilege != schemas.PrivilegeAdmin || !g.Entitlement.Wildcard {
		t.Errorf("group grant %+v, want keyed %s and rated ADMIN wildcard by the group's custom-admin policy", g, keyOf(add.Entitlement))
	}
	if len(alice.Grants) != 3 || len(alice.Credentials) != 0 {
		t.Errorf("alice: %d grants %d keys, want 3 and 0", len(alice.Grants), len(alice.Credentials))
	}

	role := parseOne(t, record("e4", "AttachRolePolicy", `{"roleName":"ops-automation","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, ""))
	r, ok := got[role.Subject.ID]
	if !ok || r.Principal.Type != schemas.PrincipalNHI {
		t.Fatalf("role holder %s: %+v, want an NHI", role.Subject.ID, r.Principal)
	}
	if g := grantKeyed(r, keyOf(role.Entitlement)); g == nil || g.Entitlement.Privilege != schemas.PrivilegeRead {
		t.Errorf("role's ReadOnlyAccess %+v", g)
	}
	putRole := parseOne(t, record("e5", "PutRolePolicy", `{"roleName":"ops-automation","policyName":"kms-decrypt","policyDocument":"{}"}`, ""))
	if grantKeyed(r, keyOf(putRole.Entitlement)) == nil {
		t.Errorf("the role's inline policy is not keyed %s: %+v", keyOf(putRole.Entitlement), r.Grants)
	}

	key := parseOne(t, record("e6", "CreateAccessKey", `{"userName":"svc-deploy"}`, `{"accessKey":{"userName":"svc-deploy","accessKeyId":"AKIAIOSFODNN7EXAMPL1","status":"Active","createDate":"Mar 1, 2021 12:00:00 PM"}}`))
	svc, ok := got[key.Subject.ID]
	if !ok {
		t.Fatalf("no holder %s (CreateAccessKey's subject)", key.Subject.ID)
	}
	if svc.Principal.Type != schemas.PrincipalNHI {
		t.Errorf("svc-deploy is %s; ingest names it an NHI", svc.Principal.Type)
	}
	creds := map[string]connectors.Credential{}
	for _, c := range svc.Credentials {
		creds[c.ID] = c
	}
	c1, ok := creds[key.Credential.ID]
	switch {
	case !ok:
		t.Errorf("no credential %s in %+v", key.Credential.ID, svc.Credentials)
	case c1.Kind != schemas.CredentialAccessKey || c1.CreatedAt == nil || c1.LastUsedAt == nil ||
		!c1.LastUsedAt.Equal(time.Date(2025, 5, 1, 8, 30, 0, 0, time.UTC)) || c1.Owner == nil || c1.Owner.ID != svc.Principal.ID:
		t.Errorf("access key %+v, want ACCESS_KEY with created, last used 2025-05-01 08:30 and its user as owner", c1)
	}
	if c2 := creds["AKIAIOSFODNN7EXAMPL2"]; c2.LastUsedAt != nil || c2.CreatedAt == nil {
		t.Errorf("a never-used key %+v, want no last use", c2)
	}
}

func TestSnapshotErrorsNameNoSecret(t *testing.T) {
	f := newFakeAWS(t)
	account(f)
	f.fault("GetAccountAuthorizationDetails", 500, 500, 500, 500, 500)
	s := must(NewSnapshotter(context.Background(), f.config(), nil))
	err := s.Snapshot(context.Background(), func(connectors.Holding) error { return nil })
	if err == nil {
		t.Fatal("a listing that fails every attempt succeeded")
	}
	if strings.Contains(err.Error(), "wJalrXUtnFEMI") {
		t.Errorf("the error carries the secret: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
