package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// workspaceCase is what one event of a Reports API payload must normalize to; empty
// fields are not checked. The payloads (testdata/workspace_*.json) are written from the
// Activity events appendix: each event's type, name and parameters as the reference
// documents them.
type workspaceCase struct {
	file, event                string // payload file and event name; n picks among events of one name
	n                          int
	action, outcome            schemas.Action
	subject                    string
	subjectType                schemas.PrincipalType
	entKind                    schemas.EntitlementKind
	entName                    string
	privilege                  schemas.Privilege
	entry, class, catalogClass string
}

var workspaceCases = []workspaceCase{
	// Delegated admin: role definitions are policy, assignments are grants of an admin role.
	{file: "workspace_admin_roles.json", event: "CREATE_ROLE", action: "POLICY_CHANGE", entKind: "ROLE", entName: "Finance Helpdesk", privilege: "ADMIN", entry: "admin:CREATE_ROLE", class: "DELEGATED_ADMIN_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "ADD_PRIVILEGE", action: "POLICY_CHANGE", entKind: "ROLE", entName: "Finance Helpdesk", privilege: "ADMIN"},
	{file: "workspace_admin_roles.json", event: "ASSIGN_ROLE", action: "ACCESS_GRANT", subject: "m.keller@example.org", entKind: "ROLE", entName: "_HELP_DESK_ADMIN_ROLE", privilege: "ADMIN", entry: "admin:ASSIGN_ROLE", class: "DELEGATED_ADMIN_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "UNASSIGN_ROLE", action: "ACCESS_REVOKE", subject: "m.keller@example.org", entKind: "ROLE", entName: "_GROUPS_READER_ROLE", privilege: "READ"},
	{file: "workspace_admin_roles.json", event: "GRANT_ADMIN_PRIVILEGE", action: "ACCESS_GRANT", subject: "r.osei@example.org", entKind: "ROLE", entName: "Super Admin", privilege: "ADMIN", class: "USER_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "REVOKE_ADMIN_PRIVILEGE", action: "ACCESS_REVOKE", subject: "former.admin@example.org", entKind: "ROLE", privilege: "ADMIN"},
	// User settings: lifecycle, and break-fix on someone else's credentials.
	{file: "workspace_admin_users.json", event: "CREATE_USER", action: "ACCOUNT_CREATE", subject: "new.hire@example.org", entry: "admin:CREATE_USER", class: "USER_SETTINGS"},
	{file: "workspace_admin_users.json", event: "SUSPEND_USER", action: "ACCOUNT_DISABLE", subject: "leaver@example.org"},
	{file: "workspace_admin_users.json", event: "UNSUSPEND_USER", action: "ACCOUNT_ENABLE", subject: "returner@example.org"},
	{file: "workspace_admin_users.json", event: "DELETE_USER", action: "ACCOUNT_DELETE", subject: "leaver@example.org"},
	{file: "workspace_admin_users.json", event: "CHANGE_PASSWORD", action: "PASSWORD_RESET", subject: "j.doe@example.org"},
	{file: "workspace_admin_users.json", event: "CHANGE_PASSWORD_ON_NEXT_LOGIN", action: "PASSWORD_RESET", subject: "j.doe@example.org"},
	{file: "workspace_admin_users.json", event: "UNENROLL_USER_FROM_STRONG_AUTH", action: "MFA_RESET", subject: "j.doe@example.org"},
	{file: "workspace_admin_users.json", event: "TURN_OFF_2_STEP_VERIFICATION", action: "MFA_RESET", subject: "j.doe@example.org"},
	{file: "workspace_admin_users.json", event: "UNBLOCK_USER_SESSION", action: "ACCOUNT_UNLOCK", subject: "j.doe@example.org"},
	{file: "workspace_admin_users.json", event: "CHANGE_LAST_NAME", action: "OTHER", subject: "m.keller@example.org", catalogClass: catalog.ClassNoAccessChange},
	// Security and domain settings: authentication policy, federation, delegation.
	{file: "workspace_admin_security.json", event: "ENFORCE_STRONG_AUTHENTICATION", action: "POLICY_CHANGE", entKind: "POLICY", class: "SECURITY_SETTINGS"},
	{file: "workspace_admin_security.json", event: "CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS", action: "POLICY_CHANGE", entKind: "POLICY"},
	{file: "workspace_admin_security.json", event: "CHANGE_SSO_SETTINGS", action: "POLICY_CHANGE", entKind: "POLICY", class: "DOMAIN_SETTINGS"},
	{file: "workspace_admin_security.json", event: "AUTHORIZE_API_CLIENT_ACCESS", action: "ACCESS_GRANT", subject: "google_workspace:109876543210987654321", subjectType: "NHI", entKind: "APP", privilege: "ADMIN"},
	{file: "workspace_admin_security.json", event: "CHANGE_GMAIL_SETTING", action: "POLICY_CHANGE", entKind: "POLICY", entName: "SPAM_OVERRIDE_LISTS", class: "EMAIL_SETTINGS"},
	// Group membership, in the admin console and in Groups itself.
	{file: "workspace_groups.json", event: "ADD_GROUP_MEMBER", action: "ACCESS_GRANT", subject: "m.keller@example.org", entKind: "GROUP", entName: "finance-approvers@example.org", class: "GROUP_SETTINGS"},
	{file: "workspace_groups.json", event: "REMOVE_GROUP_MEMBER", action: "ACCESS_REVOKE", subject: "leaver@example.org", entKind: "GROUP"},
	{file: "workspace_groups.json", event: "UPDATE_GROUP_MEMBER", action: "ACCESS_REVOKE", subject: "r.osei@example.org", entKind: "GROUP"}, // OWNER → MEMBER
	{file: "workspace_groups.json", event: "UPDATE_GROUP_MEMBER", n: 1, action: "ACCESS_GRANT", subject: "m.keller@example.org", entKind: "GROUP", privilege: "ADMIN"},
	{file: "workspace_groups.json", event: "add_user", action: "ACCESS_GRANT", subject: "contractor@partner.example", entKind: "GROUP", entName: "project-x@example.org", entry: "groups:add_user", class: "moderator_action"},
	{file: "workspace_groups.json", event: "remove_user", action: "ACCESS_REVOKE", subject: "old.member@example.org", entKind: "GROUP"},
	{file: "workspace_groups.json", event: "join", action: "ACCESS_GRANT", subject: "j.doe@example.org", entKind: "GROUP", entName: "social@example.org"},
	{file: "workspace_groups.json", event: "add_member", action: "ACCESS_GRANT", subject: "deployer@ci-prod.iam.gserviceaccount.com", subjectType: "NHI", entKind: "GROUP", entry: "groups_enterprise:add_member"},
	// Sign-ins: success, failure read from the record, Google's warnings.
	{file: "workspace_login.json", event: "login_success", action: "SIGN_IN", outcome: "SUCCESS", subject: "j.doe@example.org", entry: "login:login_success", class: "login"},
	{file: "workspace_login.json", event: "login_failure", action: "SIGN_IN", outcome: "FAILURE", subject: "j.doe@example.org"},
	{file: "workspace_login.json", event: "login_challenge", action: "SIGN_IN", outcome: "FAILURE"},
	{file: "workspace_login.json", event: "login_verification", action: "SIGN_IN", outcome: "SUCCESS"},
	{file: "workspace_login.json", event: "suspicious_login", action: "SIGN_IN", subject: "m.keller@example.org", class: "account_warning"},
	{file: "workspace_login.json", event: "account_disabled_password_leak", action: "ACCOUNT_DISABLE", subject: "m.keller@example.org"},
	{file: "workspace_login.json", event: "account_disabled_hijacked", action: "ACCOUNT_DISABLE", subject: "r.osei@example.org"},
	{file: "workspace_login.json", event: "login_success", n: 1, action: "SIGN_IN", outcome: "SUCCESS", entry: "saml:login_success"},
	{file: "workspace_login.json", event: "login_failure", n: 1, action: "SIGN_IN", outcome: "FAILURE", entry: "saml:login_failure"},
	// OAuth: a user's grant of scopes to an app, its revocation, its use.
	{file: "workspace_token.json", event: "authorize", action: "ACCESS_GRANT", subject: "j.doe@example.org", entKind: "APP", entName: "Calendar Sync Pro", privilege: "WRITE", entry: "token:authorize", class: "auth"},
	{file: "workspace_token.json", event: "revoke", action: "ACCESS_REVOKE", subject: "j.doe@example.org", entKind: "APP", entName: "Calendar Sync Pro"},
	{file: "workspace_token.json", event: "activity", action: "READ"},
	// The user's own credentials.
	{file: "workspace_user_accounts.json", event: "password_edit", action: "PASSWORD_CHANGE", subject: "j.doe@example.org", entry: "user_accounts:password_edit", class: "password_change"},
	{file: "workspace_user_accounts.json", event: "recovery_email_edit", action: "MFA_ENROLL", subject: "j.doe@example.org", class: "recovery_info_change"},
	{file: "workspace_user_accounts.json", event: "recovery_phone_edit", action: "MFA_ENROLL", subject: "j.doe@example.org"},
	{file: "workspace_user_accounts.json", event: "2sv_enroll", action: "MFA_ENROLL", subject: "j.doe@example.org"},
	{file: "workspace_user_accounts.json", event: "2sv_disable", action: "MFA_RESET", subject: "m.keller@example.org"},
}

// workspaceEvent parses a payload and returns the n-th event called name.
func workspaceEvent(t *testing.T, file, name string, n int) schemas.IdentityEvent {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ParseWorkspace(body, testNow)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, ev := range evs {
		if ev.SourceEventType == name {
			if n == 0 {
				return ev
			}
			n--
		}
	}
	t.Fatalf("%s has no event %s", file, name)
	return schemas.IdentityEvent{}
}

func TestWorkspaceCatalogue(t *testing.T) {
	for _, c := range workspaceCases {
		ev := workspaceEvent(t, c.file, c.event, c.n)
		where := c.file + " " + c.event
		if ev.Action != c.action {
			t.Errorf("%s: action %s, want %s", where, ev.Action, c.action)
		}
		if c.outcome != "" && string(ev.Outcome) != string(c.outcome) {
			t.Errorf("%s: outcome %s, want %s", where, ev.Outcome, c.outcome)
		}
		if c.subject != "" && (ev.Subject == nil || ev.Subject.ID != c.subject) {
			t.Errorf("%s: subject %+v, want %s", where, ev.Subject, c.subject)
		}
		if c.subjectType != "" && (ev.Subject == nil || ev.Subject.Type != c.subjectType) {
			t.Errorf("%s: subject %+v, want type %s", where, ev.Subject, c.subjectType)
		}
		if c.entKind != "" && (ev.Entitlement == nil || ev.Entitlement.Kind != c.entKind) {
			t.Errorf("%s: entitlement %+v, want kind %s", where, ev.Entitlement, c.entKind)
		}
		if c.entName != "" && (ev.Entitlement == nil || ev.Entitlement.Name != c.entName) {
			t.Errorf("%s: entitlement %+v, want %s", where, ev.Entitlement, c.entName)
		}
		if c.privilege != "" && (ev.Entitlement == nil || ev.Entitlement.Privilege != c.privilege) {
			t.Errorf("%s: entitlement %+v, want privilege %s", where, ev.Entitlement, c.privilege)
		}
		if ev.Attributes[catalog.AttrCatalog] == "" || ev.Attributes[catalog.AttrMiss] != "" {
			t.Errorf("%s: attributes %v, want a catalogue hit", where, ev.Attributes)
		}
		if c.entry != "" && ev.Attributes[catalog.AttrEntry] != c.entry {
			t.Errorf("%s: entry %q, want %q", where, ev.Attributes[catalog.AttrEntry], c.entry)
		}
		if c.class != "" && (ev.Attributes[catalog.AttrClass] != c.class || ev.Attributes["event_category"] != c.class) {
			t.Errorf("%s: class %q (type %q), want %q", where, ev.Attributes[catalog.AttrClass], ev.Attributes["event_category"], c.class)
		}
		if c.catalogClass != "" && ev.Attributes[catalog.AttrClass] != c.catalogClass {
			t.Errorf("%s: class %q, want %q", where, ev.Attributes[catalog.AttrClass], c.catalogClass)
		}
	}
}

// TestWorkspaceOneActivityManyEvents: the role activity holds six events; each is its own
// event with its own id, entry and action, all sharing the activity's actor and time.
func TestWorkspaceOneActivityManyEvents(t *testing.T) {
	body, err := os.ReadFile("testdata/workspace_admin_roles.json")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ParseWorkspace(body, testNow)
	if err != nil || len(evs) != 6 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	ids := map[string]bool{}
	var actions []string
	for _, ev := range evs {
		ids[ev.EventID] = true
		actions = append(actions, string(ev.Action))
		if ev.Actor == nil || ev.Actor.ID != "it.lead@example.org" || ev.OccurredAt.Format("15:04:05") != "09:14:07" {
			t.Errorf("%s: actor %+v at %v", ev.EventID, ev.Actor, ev.OccurredAt)
		}
	}
	if len(ids) != 6 {
		t.Errorf("ids not distinct: %v", ids)
	}
	if got := strings.Join(actions, " "); got != "POLICY_CHANGE POLICY_CHANGE ACCESS_GRANT ACCESS_REVOKE ACCESS_GRANT ACCESS_REVOKE" {
		t.Errorf("actions %s", got)
	}
}

// TestWorkspaceKeys: names whose case differs from the reference's, activities without an
// application name, and events the catalogue does not know.
func TestWorkspaceKeys(t *testing.T) {
	cases := []struct{ body, entry, miss string }{
		{`{"id":{"applicationName":"LOGIN"},"actor":{"email":"a@example.org"},"events":[{"name":"LOGIN_SUCCESS"}]}`, "login:login_success", ""},
		{`{"id":{"time":"2026-03-01T00:00:00Z"},"actor":{"email":"a@example.org"},"events":[{"name":"CHANGE_PASSWORD","parameters":[{"name":"USER_EMAIL","value":"b@example.org"}]}]}`, "admin:CHANGE_PASSWORD", ""},
		{`{"id":{"applicationName":"login"},"events":[{"type":"account_warning","name":"suspicious_login "}]}`, "login:suspicious_login", ""},
		{`{"id":{"applicationName":"drive"},"actor":{"email":"a@example.org"},"events":[{"type":"access","name":"view"}]}`, "drive:view", ""},
		{`{"id":{"applicationName":"drive"},"actor":{"email":"a@example.org"},"events":[{"type":"access","name":"not_in_the_reference"}]}`, "", `no entry for "drive:not_in_the_reference"`},
	}
	for _, c := range cases {
		evs, err := ParseWorkspace([]byte(c.body), testNow)
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		ev := evs[0]
		if ev.Attributes[catalog.AttrEntry] != c.entry || !strings.Contains(ev.Attributes[catalog.AttrMiss], c.miss) {
			t.Errorf("%s: attributes %v, want entry %q miss %q", c.body, ev.Attributes, c.entry, c.miss)
		}
		if c.miss != "" && ev.Action != schemas.ActionOther {
			t.Errorf("%s: a miss gave action %s", c.body, ev.Action)
		}
	}
}
