package router

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestCloudTrailTrailMixTriageUnderTwoPercent: an unfiltered trail (every management event,
// read and write, plus S3 and Lambda data events; ingest/testdata/cloudtrail_trail_mix.json,
// written by scripts/testdata/cloudtrail_trail_mix.py) lands in TRIAGE for under 2 % of its
// events under the default policy.
func TestCloudTrailTrailMixTriageUnderTwoPercent(t *testing.T) {
	body, err := os.ReadFile("../ingest/testdata/cloudtrail_trail_mix.json")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ingest.ParseCloudTrail(body, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 400 {
		t.Fatalf("the trail mix parsed to %d events, want its ~490 records", len(evs))
	}
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	cov, err := p.EventCoverage("trail mix", evs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = cov.Write(&b, 10)
	t.Log(b.String())
	if share := float64(cov.ByLane[schemas.LaneTriage]) / float64(cov.Total); share >= 0.02 {
		t.Errorf("TRIAGE is %.1f %% of the trail mix, want under 2 %%", 100*share)
	}
	if cov.ByLane[schemas.LaneObserve] < cov.Total*9/10 {
		t.Errorf("OBSERVE holds %d of %d events: a trail is mostly reads and resource use", cov.ByLane[schemas.LaneObserve], cov.Total)
	}
}

// ctRecord writes one CloudTrail record in the shape of the CloudTrail record contents
// reference, acting in account 111122223333 as an Identity Center administrator.
func ctRecord(source, name string, readOnly bool, category, params string, extra ...string) string {
	ro := "false"
	if readOnly {
		ro = "true"
	}
	rec := `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:dana@example.com",` +
		`"arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0123abcd/dana@example.com","accountId":"111122223333",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123abcd"}}},` +
		`"eventTime":"2026-12-01T10:00:00Z","eventSource":"` + source + `","eventName":"` + name + `","awsRegion":"us-east-1",` +
		`"sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":` + params + `,"responseElements":null,` +
		`"eventID":"` + name + `-1","readOnly":` + ro + `,"eventType":"AwsApiCall","managementEvent":` + map[bool]string{true: "true", false: "false"}[category == "Management"] +
		`,"recipientAccountId":"111122223333","eventCategory":"` + category + `"`
	for _, e := range extra {
		rec += "," + e
	}
	return rec + "}"
}

// TestCloudTrailClasses decides real-shaped records of each class the AWS catalogue and the
// record metadata distinguish.
func TestCloudTrailClasses(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		lane     schemas.Lane
		action   schemas.Action
		subject  string
		entry    string // catalog_entry
		class    string // catalog_class
		entID    string
		priv     schemas.Privilege
		wildcard bool
		reason   string // a substring of the decision's reasons
	}
	cases := []struct {
		name   string
		record string
		want   []want // one per event the record becomes
	}{
		{"a Write action the record marks read-only reads", ctRecord("kms.amazonaws.com", "Decrypt", true, "Management", `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionRead, entry: "kms:Decrypt", class: "Write"}}},
		{"a Write action changes a resource, not access", ctRecord("ec2.amazonaws.com", "RunInstances", false, "Management", `{"instanceType":"t3.small"}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionOther, entry: "ec2:RunInstances", class: "no_access_change"}}},
		{"a data event", ctRecord("s3.amazonaws.com", "PutObject", false, "Data", `{"bucketName":"b","key":"k"}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionOther, entry: "s3:PutObject", class: "no_access_change"}}},
		{"an API version suffix and a service alias", ctRecord("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", false, "Management", `{"functionName":"orders"}`),
			[]want{{lane: schemas.LaneObserve, entry: "lambda:UpdateFunctionCode"}}},
		{"CloudWatch records as monitoring", ctRecord("monitoring.amazonaws.com", "PutMetricAlarm", false, "Management", `{"alarmName":"a"}`),
			[]want{{lane: schemas.LaneObserve, entry: "cloudwatch:PutMetricAlarm"}}},
		{"a call the reference lacks, writing", ctRecord("ec2.amazonaws.com", "FrobnicateWidgets", false, "Management", `{}`),
			[]want{{lane: schemas.LaneTriage, action: schemas.ActionOther, reason: `the aws-actions@0.21.202609261 catalogue has no entry for "ec2:FrobnicateWidgets"`}}},
		{"a call the reference lacks, read-only", ctRecord("ec2.amazonaws.com", "FrobnicateWidgets", true, "Management", `{}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionRead}}},
		{"a denied call", ctRecord("iam.amazonaws.com", "CreateUser", false, "Management", `{"userName":"backdoor"}`, `"errorCode":"AccessDenied"`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionAccountCreate}}},
		{"CreateLoginProfile is console access, not a reset", ctRecord("iam.amazonaws.com", "CreateLoginProfile", false, "Management", `{"userName":"ann","passwordResetRequired":true}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "arn:aws:iam::111122223333:user/ann", entID: "aws-console:111122223333", class: "Console access"}}},
		{"UpdateLoginProfile by an admin is a reset", ctRecord("iam.amazonaws.com", "UpdateLoginProfile", false, "Management", `{"userName":"ann","passwordResetRequired":true}`),
			[]want{{lane: schemas.LaneHelpDesk, action: schemas.ActionPasswordReset, subject: "arn:aws:iam::111122223333:user/ann"}}},
		{"an EBS snapshot made public", ctRecord("ec2.amazonaws.com", "ModifySnapshotAttribute", false, "Management",
			`{"snapshotId":"snap-0abc","attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"add":{"items":[{"group":"all"}]}}}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", entID: "snap-0abc#createVolumePermission", priv: schemas.PrivilegeRead, wildcard: true, class: "Resource sharing"}}},
		{"an AMI shared with another account", ctRecord("ec2.amazonaws.com", "ModifyImageAttribute", false, "Management",
			`{"imageId":"ami-0abc","attributeType":"launchPermission","launchPermission":{"add":{"items":[{"userId":"444455556666"}]}}}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:444455556666", entID: "ami-0abc#launchPermission"}}},
		{"a snapshot shared inside the account is a policy change", ctRecord("ec2.amazonaws.com", "ModifySnapshotAttribute", false, "Management",
			`{"snapshotId":"snap-0abc","createVolumePermission":{"add":{"items":[{"userId":"111122223333"}]}}}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionPolicyChange}}},
		{"an AMI share taken back", ctRecord("ec2.amazonaws.com", "ModifyImageAttribute", false, "Management",
			`{"imageId":"ami-0abc","launchPermission":{"remove":{"items":[{"userId":"444455556666"}]}}}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessRevoke, subject: "cloudtrail:account:444455556666"}}},
		{"an RDS snapshot shared for restore", ctRecord("rds.amazonaws.com", "ModifyDBSnapshotAttribute", false, "Management",
			`{"dBSnapshotIdentifier":"orders-1","attributeName":"restore","valuesToAdd":["444455556666"]}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:444455556666", entID: "orders-1#restore"}}},
		{"a Lambda function anyone may invoke", ctRecord("lambda.amazonaws.com", "AddPermission20150331v2", false, "Management",
			`{"functionName":"orders","statementId":"open","action":"lambda:InvokeFunction","principal":"*"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", entID: "orders#lambda:InvokeFunction", wildcard: true}}},
		{"a Lambda permission for an AWS service", ctRecord("lambda.amazonaws.com", "AddPermission20150331v2", false, "Management",
			`{"functionName":"orders","statementId":"s3","action":"lambda:InvokeFunction","principal":"s3.amazonaws.com","sourceArn":"arn:aws:s3:::b"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionPolicyChange, entry: "lambda:AddPermission"}}},
		{"a public function URL", ctRecord("lambda.amazonaws.com", "CreateFunctionUrlConfig", false, "Management", `{"functionName":"orders","authType":"NONE"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", wildcard: true}}},
		{"a public bucket policy", ctRecord("s3.amazonaws.com", "PutBucketPolicy", false, "Management",
			`{"bucketName":"site","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]},"policy":[""]}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", entID: "arn:aws:s3:::site#s3:GetObject", priv: schemas.PrivilegeRead, wildcard: true}}},
		{"a bucket ACL for all users", ctRecord("s3.amazonaws.com", "PutBucketAcl", false, "Management",
			`{"bucketName":"site","AccessControlPolicy":{"AccessControlList":{"Grant":[{"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}}}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", wildcard: true}}},
		{"an SQS queue shared with two accounts", ctRecord("sqs.amazonaws.com", "AddPermission", false, "Management",
			`{"queueUrl":"https://sqs.us-east-1.amazonaws.com/111122223333/orders","label":"partners","aWSAccountIds":["444455556666","777788889999"],"actions":["SendMessage"]}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:444455556666"},
				{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:777788889999"}}},
		{"a KMS key policy for every action of another account", ctRecord("kms.amazonaws.com", "PutKeyPolicy", false, "Management",
			`{"keyId":"k1","policyName":"default","policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:444455556666", priv: schemas.PrivilegeAdmin}}},
		{"a KMS grant", ctRecord("kms.amazonaws.com", "CreateGrant", false, "Management",
			`{"keyId":"k1","granteePrincipal":"arn:aws:iam::111122223333:role/reports","operations":["Decrypt"]}`),
			[]want{{lane: schemas.LaneNHI, action: schemas.ActionAccessGrant, subject: "arn:aws:iam::111122223333:role/reports", entID: "k1#Decrypt"}}},
		{"a RAM share to an outside account", ctRecord("ram.amazonaws.com", "CreateResourceShare", false, "Management",
			`{"name":"subnets","resourceArns":["arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1"],"principals":["444455556666"],"allowExternalPrincipals":true}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:account:444455556666"}}},
		{"a Roles Anywhere trust anchor", ctRecord("rolesanywhere.amazonaws.com", "CreateTrustAnchor", false, "Management", `{"name":"onprem","enabled":true}`),
			[]want{{lane: schemas.LaneNHI, action: schemas.ActionPolicyChange, class: "Workload federation"}}},
		{"an OIDC provider", ctRecord("iam.amazonaws.com", "CreateOpenIDConnectProvider", false, "Management", `{"url":"https://token.actions.githubusercontent.com"}`),
			[]want{{lane: schemas.LaneNHI, action: schemas.ActionPolicyChange, class: "Workload federation"}}},
		{"a SAML provider", ctRecord("iam.amazonaws.com", "CreateSAMLProvider", false, "Management", `{"name":"corp-idp"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionPolicyChange, class: "Federation", reason: "trust relationship"}}},
		{"a role trust policy edit", ctRecord("iam.amazonaws.com", "UpdateAssumeRolePolicy", false, "Management", `{"roleName":"deploy","policyDocument":"{}"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionPolicyChange, class: "Federation"}}},
		{"an Identity Center account assignment", ctRecord("sso.amazonaws.com", "CreateAccountAssignment", false, "Management",
			`{"instanceArn":"arn:aws:sso:::instance/ssoins-1","targetId":"111122223333","targetType":"AWS_ACCOUNT","permissionSetArn":"arn:aws:sso:::permissionSet/ssoins-1/ps-1","principalType":"USER","principalId":"9067-user"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:9067-user", entID: "arn:aws:sso:::permissionSet/ssoins-1/ps-1@111122223333"}}},
		{"an AWS service event the reference lacks", strings.Replace(ctRecord("secretsmanager.amazonaws.com", "RotationSucceeded", false, "Management", `null`), `"AwsApiCall"`, `"AwsServiceEvent"`, 1),
			[]want{{lane: schemas.LaneObserve, class: "no_access_change"}}},
		{"an S3 event logged under the REST API's name", ctRecord("s3.amazonaws.com", "PutBucketLifecycle", false, "Management", `{"bucketName":"b","lifecycle":[""]}`),
			[]want{{lane: schemas.LaneObserve, entry: "s3:PutBucketLifecycle", class: "no_access_change"}}},
		{"an S3 event spelled in another case than the reference", ctRecord("s3.amazonaws.com", "PutBucketCors", false, "Management", `{"bucketName":"b"}`),
			[]want{{lane: schemas.LaneObserve, entry: "s3:PutBucketCORS"}}},
		{"a bucket's public access block removed", ctRecord("s3.amazonaws.com", "DeleteBucketPublicAccessBlock", false, "Management", `{"bucketName":"b","publicAccessBlock":[""]}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionPolicyChange, entry: "s3:DeleteBucketPublicAccessBlock"}}},
		{"aws sso login's OIDC token", ctRecord("sso-oauth.amazonaws.com", "CreateToken", false, "Management", `{"clientId":"c","grantType":"urn:ietf:params:oauth:grant-type:device_code"}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionSignIn}}},
		{"Macie Classic", ctRecord("macie.amazonaws.com", "UpdateMacieSession", false, "Management", `{"status":"PAUSED"}`),
			[]want{{lane: schemas.LaneObserve, entry: "macie2:UpdateMacieSession"}}},
		{"a DB security group opened to a network", ctRecord("rds.amazonaws.com", "AuthorizeDBSecurityGroupIngress", false, "Management", `{"dBSecurityGroupName":"default","cIDRIP":"0.0.0.0/0"}`),
			[]want{{lane: schemas.LaneObserve, class: "no_access_change"}}},
		{"an AMI's description edited shares nothing", ctRecord("ec2.amazonaws.com", "ModifyImageAttribute", false, "Management", `{"imageId":"ami-0abc","attributeType":"description","description":{"value":"web"}}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionOther, class: "no_access_change"}}},
		{"a CodeBuild project made public", ctRecord("codebuild.amazonaws.com", "UpdateProjectVisibility", false, "Management", `{"projectArn":"arn:aws:codebuild:us-east-1:111122223333:project/web","projectVisibility":"PUBLIC_READ"}`),
			[]want{{lane: schemas.LaneServiceDesk, action: schemas.ActionAccessGrant, subject: "cloudtrail:public", wildcard: true, priv: schemas.PrivilegeRead}}},
		{"a CodeBuild project made private", ctRecord("codebuild.amazonaws.com", "UpdateProjectVisibility", false, "Management", `{"projectArn":"arn:aws:codebuild:us-east-1:111122223333:project/web","projectVisibility":"PRIVATE"}`),
			[]want{{lane: schemas.LaneObserve, class: "no_access_change"}}},
		{"a console sign-in", ctRecord("signin.amazonaws.com", "ConsoleLogin", false, "Management", `null`, `"responseElements":{"ConsoleLogin":"Success"}`),
			[]want{{lane: schemas.LaneObserve, action: schemas.ActionSignIn, entry: "signin:ConsoleLogin"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, err := ingest.ParseCloudTrail([]byte(c.record), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != len(c.want) {
				t.Fatalf("%d events, want %d: %+v", len(evs), len(c.want), evs)
			}
			ids := map[string]bool{}
			for i, w := range c.want {
				ev := evs[i]
				ids[ev.EventID] = true
				d, err := p.Decide(&ev, ev.OccurredAt)
				if err != nil {
					t.Fatal(err)
				}
				if d.Lane != w.lane {
					t.Errorf("lane %s (rule %s: %v), want %s; attributes %v", d.Lane, d.RuleID, d.Reasons, w.lane, ev.Attributes)
				}
				if w.action != "" && ev.Action != w.action {
					t.Errorf("action %s, want %s", ev.Action, w.action)
				}
				if w.subject != "" && (ev.Subject == nil || ev.Subject.ID != w.subject) {
					t.Errorf("subject %+v, want %s", ev.Subject, w.subject)
				}
				if w.entry != "" && ev.Attributes["catalog_entry"] != w.entry {
					t.Errorf("catalog_entry %q, want %q", ev.Attributes["catalog_entry"], w.entry)
				}
				if w.class != "" && ev.Attributes["catalog_class"] != w.class {
					t.Errorf("catalog_class %q, want %q", ev.Attributes["catalog_class"], w.class)
				}
				if w.entID != "" || w.priv != "" || w.wildcard {
					e := ev.Entitlement
					switch {
					case e == nil:
						t.Errorf("no entitlement, want %s", w.entID)
					case w.entID != "" && e.ID != w.entID:
						t.Errorf("entitlement %s, want %s", e.ID, w.entID)
					case w.priv != "" && e.Privilege != w.priv:
						t.Errorf("privilege %s, want %s", e.Privilege, w.priv)
					case e.Wildcard != w.wildcard:
						t.Errorf("wildcard %v, want %v", e.Wildcard, w.wildcard)
					}
				}
				if w.reason != "" && !strings.Contains(strings.Join(d.Reasons, " "), w.reason) {
					t.Errorf("reasons %v, want one containing %q", d.Reasons, w.reason)
				}
			}
			if len(ids) != len(evs) {
				t.Errorf("event ids repeat: %v", ids)
			}
		})
	}
}
