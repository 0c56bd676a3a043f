package ingest

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

// fixturesPath is the labelled corpus kept in the repository (testdata/fixtures/README.md).
// A missing file fails the tests that read it: they must never pass vacuously.
const fixturesPath = "../testdata/fixtures/labelled-events.jsonl"

type labelled struct {
	ID        string          `json:"id"`
	Source    string          `json:"source"`
	EventType string          `json:"event_type"`
	Lane      string          `json:"lane"`
	Event     json.RawMessage `json:"event"`
}

func loadFixtures(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open(fixturesPath)
	if err != nil {
		t.Fatalf("open fixtures: %v", err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	return out
}

// fixtureActions is the action each labelled event type means, written from the vendors'
// documentation of the event types, not from the parser.
var fixtureActions = map[string]schemas.Action{
	"user.session.impersonation.grant": "IMPERSONATION", "user.account.privilege.grant": "ACCESS_GRANT", "user.session.start": "SIGN_IN",
	"system.api_token.revoke": "CREDENTIAL_DELETE", "app.oauth2.authorize.code": "SIGN_IN", "app.oauth2.token.detect_reuse": "OTHER",
	"app.generic.unauth_app_access_attempt": "SIGN_IN", "app.token.reuse": "OTHER", "group.privilege.grant": "ACCESS_GRANT",
	"user.authentication.auth_via_mfa": "SIGN_IN", "system.idp.lifecycle.create": "POLICY_CHANGE", "user.authentication.auth_via_IDP": "SIGN_IN",
	"system.org.rate_limit.warning": "OTHER", "policy.evaluate_sign_on": "SIGN_IN", "application.lifecycle.update": "POLICY_CHANGE",
	"application.lifecycle.create": "POLICY_CHANGE", "application.user_membership.show_password": "READ", "user.authentication.sso": "SIGN_IN",
	"security.threat.detected": "OTHER", "user.account.lock": "ACCOUNT_LOCK", "user.mfa.factor.reset_all": "MFA_RESET",
	"user.mfa.factor.deactivate": "MFA_RESET", "user.account.report_suspicious_activity_by_enduser": "OTHER",
	"UpdateLoginProfile": "PASSWORD_CHANGE", "GetAccountPasswordPolicy": "READ", "ConsoleLogin": "SIGN_IN", "GetSigninToken": "SIGN_IN",
	"AssumeRole": "SIGN_IN", "AttachRolePolicy": "ACCESS_GRANT", "AttachUserPolicy": "ACCESS_GRANT", "UpdateAssumeRolePolicy": "POLICY_CHANGE",
	"PutUserPolicy": "ACCESS_GRANT", "CreateRole": "ACCOUNT_CREATE", "CreateUser": "ACCOUNT_CREATE", "GetGroup": "READ", "GetGroupPolicy": "READ",
	"ListAttachedGroupPolicies": "READ", "ListGroups": "READ", "DeleteGroupPolicy": "ACCESS_REVOKE", "CreateAccessKey": "CREDENTIAL_CREATE",
	"GetRole": "READ", "CreateServiceLinkedRole": "ACCOUNT_CREATE", "ExternalIdPDirectoryLogin": "SIGN_IN", "ListAccessKeys": "READ",
	"PasswordUpdated": "PASSWORD_CHANGE", "DeleteSAMLProvider": "POLICY_CHANGE", "CreateSAMLProvider": "POLICY_CHANGE", "ChangePassword": "PASSWORD_CHANGE",
	"CreateVirtualMFADevice": "MFA_ENROLL", "CREATE_APPLICATION_SETTING": "POLICY_CHANGE", "CHANGE_EMAIL_SETTING": "POLICY_CHANGE",
	"ADD_APPLICATION": "POLICY_CHANGE", "ADD_MOBILE_APPLICATION_TO_WHITELIST": "POLICY_CHANGE", "titanium_enroll": "MFA_ENROLL",
	"titanium_unenroll": "MFA_RESET", "CHANGE_CALENDAR_SETTING": "POLICY_CHANGE", "email_forwarding_out_of_domain": "OTHER", "2sv_enroll": "MFA_ENROLL",
	"login_success": "SIGN_IN", "ban_user_with_moderation": "ACCESS_REVOKE", "logout": "SIGN_IN", "account_disabled_spamming": "ACCOUNT_DISABLE",
	"authorize": "ACCESS_GRANT", "CREATE_USER": "ACCOUNT_CREATE", "suspicious_login ": "SIGN_IN", "CUSTOMER_TAKEOUT_SUCCEEDED": "READ",
	"CUSTOMER_TAKEOUT_CREATED": "READ", "CREATE_GMAIL_SETTING": "POLICY_CHANGE", "CHANGE_APPLICATION_SETTING": "POLICY_CHANGE",
	"REMOVE_TRUSTED_DOMAINS": "POLICY_CHANGE", "ADD_TRUSTED_DOMAINS": "POLICY_CHANGE", "ASSIGN_ROLE": "ACCESS_GRANT",
	"Update authentication methods policy": "POLICY_CHANGE", "Set federation settings on domain": "POLICY_CHANGE",
	"User has elevated their access to User Access Administrator for their Azure Resources": "ACCESS_GRANT", "Remove role assignment": "ACCESS_REVOKE",
	"Invite external user": "ACCOUNT_CREATE", "Delete policy": "POLICY_CHANGE", "Added policy": "POLICY_CHANGE",
	"Add member to role in PIM completed (permanent)": "ACCESS_GRANT", "Add member to role": "ACCESS_GRANT", "Add service principal credentials": "CREDENTIAL_CREATE",
}

// fixtureDetail is what a security engineer reads off the event itself: whose access
// changes, the entitlement's privilege, and whether a non-human identity is involved.
type fixtureDetail struct {
	subject   string // "" = no subject
	privilege schemas.Privilege
	nhi       bool
}

var fixtureDetails = map[string]fixtureDetail{
	"okta-4":              {subject: "alice@acme.io", privilege: "ADMIN"},
	"okta-9":              {subject: "user@example.com", nhi: true}, // an API token is an NHI credential
	"okta-10":             {subject: "okta:abcd123", nhi: true},     // PublicClientApp actor
	"okta-50":             {subject: "peter.griffin@company.com"},
	"okta-51":             {subject: "homer@springfield.gov"},
	"cloudtrail-36":       {subject: "arn:aws:iam::123456789012:user/new-user", privilege: "ADMIN", nhi: true}, // assumed-role automation actor
	"cloudtrail-37":       {subject: "arn:aws:iam::123456789012:user/new-user", privilege: "READ", nhi: true},
	"cloudtrail-58":       {subject: "arn:aws:iam::123456789:user/user2", nhi: true},
	"cloudtrail-69":       {subject: "arn:aws:iam::123456789012:user/example-user", nhi: true}, // access key
	"cloudtrail-17":       {subject: "arn:aws:iam::123456789012:root"},
	"cloudtrail-84":       {subject: "arn:aws:iam::123456789012:user/test_user"},
	"cloudtrail-43":       {subject: "arn:aws:iam::123456789012:role/new-role", nhi: true},
	"google_workspace-53": {subject: "bob@example.com", privilege: "ADMIN"},
	"google_workspace-29": {subject: "user@example.com", privilege: "ADMIN"},
	"google_workspace-16": {subject: "homer.simpson@.springfield.io"},
	"entra-17":            {subject: "entra:12345", privilege: "ADMIN"},
	"entra-19":            {subject: "entra:12345", privilege: "ADMIN"},
	"entra-5":             {subject: "denethor@lotr.com", privilege: "ADMIN"},
	"entra-6":             {subject: "former@company.com", privilege: "READ"},
	"entra-20":            {subject: "entra:sp-app-456", nhi: true},
}

func involvesNHI(e schemas.IdentityEvent) bool {
	return e.Credential != nil || (e.Subject != nil && e.Subject.Type == schemas.PrincipalNHI) || (e.Actor != nil && e.Actor.Type == schemas.PrincipalNHI)
}

func TestPublicFixtures(t *testing.T) {
	fixtures := loadFixtures(t)
	if len(fixtures) < 100 {
		t.Fatalf("only %d fixtures", len(fixtures))
	}
	seenDetails := 0
	for _, f := range fixtures {
		t.Run(f.ID, func(t *testing.T) {
			evs, err := ParseFixture(f.Source, f.Event, testNow)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events", len(evs))
			}
			e := evs[0]
			if !strings.HasPrefix(e.EventID, strings.ToLower(string(e.Source))+":") {
				t.Errorf("event_id %q lacks the source prefix", e.EventID)
			}
			wantAction, ok := fixtureActions[f.EventType]
			if !ok {
				t.Fatalf("no expected action for %q", f.EventType)
			}
			if e.Action != wantAction {
				t.Errorf("action = %s, want %s", e.Action, wantAction)
			}
			if strings.HasPrefix(f.Lane, "OBSERVE") && strings.Contains(f.EventType, "Login") && e.Action != schemas.ActionSignIn {
				t.Errorf("sign-in not SIGN_IN")
			}
			if e.OccurredAt.IsZero() || (e.OccurredAt.Equal(testNow) != (e.Attributes[AttrOccurredAtFallback] == "true")) {
				t.Errorf("occurred_at %v with attributes %v", e.OccurredAt, e.Attributes)
			}
			if len(e.Raw) == 0 {
				t.Error("raw is empty")
			}
			d, ok := fixtureDetails[f.ID]
			if !ok {
				return
			}
			seenDetails++
			switch {
			case d.subject == "" && e.Subject != nil:
				t.Errorf("subject = %+v, want none", e.Subject)
			case d.subject != "" && (e.Subject == nil || e.Subject.ID != d.subject):
				t.Errorf("subject = %+v, want %s", e.Subject, d.subject)
			}
			if d.privilege != "" && (e.Entitlement == nil || e.Entitlement.Privilege != d.privilege) {
				t.Errorf("entitlement = %+v, want privilege %s", e.Entitlement, d.privilege)
			}
			if involvesNHI(e) != d.nhi {
				t.Errorf("NHI = %v, want %v (actor %+v subject %+v credential %+v)", involvesNHI(e), d.nhi, e.Actor, e.Subject, e.Credential)
			}
		})
	}
	if seenDetails != len(fixtureDetails) {
		t.Errorf("checked %d detailed fixtures of %d listed", seenDetails, len(fixtureDetails))
	}
}

// TestFixtureTimestampsFallBack: fixtures without a usable timestamp are accepted with the
// receive time and say so.
func TestFixtureTimestampsFallBack(t *testing.T) {
	want := map[string]bool{"okta-35": true, "cloudtrail-72": true, "okta-51": true}
	seen := 0
	for _, f := range loadFixtures(t) {
		if !want[f.ID] {
			continue
		}
		seen++
		evs, err := ParseFixture(f.Source, f.Event, testNow)
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		if evs[0].Attributes[AttrOccurredAtFallback] != "true" || !evs[0].OccurredAt.Equal(testNow) {
			t.Errorf("%s: occurred_at %v attrs %v", f.ID, evs[0].OccurredAt, evs[0].Attributes)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d fixtures without a usable timestamp", seen, len(want))
	}
}
