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
	entID                      string // the entitlement's id (the shared item, for content applications)
	wildcard                   bool   // checked for every PERMISSION entitlement
	noSubject                  bool   // the record names no grantee
}

var workspaceCases = []workspaceCase{
	// Delegated admin: role definitions are policy, assignments are grants of an admin role.
	{file: "workspace_admin_roles.json", event: "CREATE_ROLE", action: "POLICY_CHANGE", entKind: "ROLE", entName: "Finance Helpdesk", privilege: "ADMIN", entry: "admin:CREATE_ROLE", class: "DELEGATED_ADMIN_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "ADD_PRIVILEGE", action: "POLICY_CHANGE", entKind: "ROLE", entName: "Finance Helpdesk", privilege: "ADMIN"},
	{file: "workspace_admin_roles.json", event: "ASSIGN_ROLE", action: "ACCESS_GRANT", subject: "m.keller@example.org", entKind: "ROLE", entName: "_HELP_DESK_ADMIN_ROLE", privilege: "ADMIN", entry: "admin:ASSIGN_ROLE", class: "DELEGATED_ADMIN_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "UNASSIGN_ROLE", action: "ACCESS_REVOKE", subject: "m.keller@example.org", entKind: "ROLE", entName: "_GROUPS_READER_ROLE", privilege: "READ"},
	// The super administrator role as ASSIGN_ROLE and the Directory API name it.
	{file: "workspace_admin_roles.json", event: "GRANT_ADMIN_PRIVILEGE", action: "ACCESS_GRANT", subject: "r.osei@example.org", entKind: "ROLE", entName: "_SEED_ADMIN_ROLE", entID: "google_workspace:role:_SEED_ADMIN_ROLE", privilege: "ADMIN", class: "USER_SETTINGS"},
	{file: "workspace_admin_roles.json", event: "REVOKE_ADMIN_PRIVILEGE", action: "ACCESS_REVOKE", subject: "former.admin@example.org", entKind: "ROLE", entName: "_SEED_ADMIN_ROLE", entID: "google_workspace:role:_SEED_ADMIN_ROLE", privilege: "ADMIN"},
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
	// Drive sharing: a named user as editor and as commenter, anyone with the link, removal,
	// demotion, ownership transfer, shared drive membership, a narrower link, who may share.
	{file: "workspace_drive.json", event: "change_user_access", action: "ACCESS_GRANT", subject: "r.osei@example.org", subjectType: "HUMAN", entKind: "PERMISSION", entName: "FY25 budget", entID: "google_workspace:drive:1qT8x2mR4vLbZ9cNwE5yHj0KdPfA3sGu7", privilege: "WRITE", entry: "drive:change_user_access", class: "acl_change"},
	{file: "workspace_drive.json", event: "change_user_access", n: 1, action: "ACCESS_GRANT", subject: "auditor@partner.example", entKind: "PERMISSION", privilege: "READ"},
	{file: "workspace_drive.json", event: "change_document_visibility", action: "ACCESS_GRANT", subject: "google_workspace:public", subjectType: "UNKNOWN", entKind: "PERMISSION", entName: "Roadmap 2026 (internal)", privilege: "READ", wildcard: true, entry: "drive:change_document_visibility"},
	{file: "workspace_drive.json", event: "change_document_access_scope", action: "ACCESS_GRANT", subject: "google_workspace:public", entKind: "PERMISSION", privilege: "READ", wildcard: true},
	{file: "workspace_drive.json", event: "change_user_access", n: 2, action: "ACCESS_REVOKE", subject: "auditor@partner.example", entKind: "PERMISSION", privilege: "READ"}, // can_comment → none
	{file: "workspace_drive.json", event: "change_user_access", n: 3, action: "ACCESS_REVOKE", subject: "r.osei@example.org", entKind: "PERMISSION", privilege: "WRITE"},     // can_edit → can_view
	{file: "workspace_drive.json", event: "change_owner", action: "ACCESS_GRANT", subject: "team.lead@example.org", entKind: "PERMISSION", entName: "Vendor contracts", privilege: "WRITE", entry: "drive:change_owner"},
	{file: "workspace_drive.json", event: "change_user_access", n: 5, action: "ACCESS_REVOKE", subject: "leaver@example.org", entKind: "PERMISSION", privilege: "WRITE"}, // owner → can_edit
	{file: "workspace_drive.json", event: "view", action: "READ", subject: "r.osei@example.org", entry: "drive:view", class: "access"},
	{file: "workspace_drive.json", event: "edit", action: "OTHER", catalogClass: catalog.ClassNoAccessChange, entry: "drive:edit"},
	{file: "workspace_drive.json", event: "download", action: "READ"},
	{file: "workspace_drive.json", event: "move", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
	{file: "workspace_drive.json", event: "trash", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
	{file: "workspace_drive.json", event: "shared_drive_membership_change", action: "ACCESS_GRANT", subject: "n.ahmed@example.org", entKind: "PERMISSION", entName: "Finance shared drive", entID: "google_workspace:drive:0AFa7kR2mPq4xUk9PVA", privilege: "WRITE"},
	{file: "workspace_drive.json", event: "shared_drive_membership_change", n: 1, action: "ACCESS_REVOKE", subject: "leaver@example.org", entKind: "PERMISSION", privilege: "WRITE"},
	{file: "workspace_drive.json", event: "change_document_visibility", n: 1, action: "ACCESS_REVOKE", subject: "google_workspace:public", entKind: "PERMISSION", wildcard: true}, // anyone with the link → the domain
	{file: "workspace_drive.json", event: "change_acl_editors", action: "POLICY_CHANGE", noSubject: true, entKind: "PERMISSION", entName: "Roadmap 2026 (internal)"},
	// Calendar ACLs and Chat space members.
	{file: "workspace_calendar_chat.json", event: "change_calendar_acls", action: "ACCESS_GRANT", subject: "assistant@example.org", entKind: "PERMISSION", entID: "google_workspace:calendar:ceo@example.org", privilege: "WRITE", entry: "calendar:change_calendar_acls", class: "calendar_change"},
	{file: "workspace_calendar_chat.json", event: "change_calendar_acls", n: 1, action: "ACCESS_GRANT", subject: "google_workspace:public", entKind: "PERMISSION", privilege: "READ", wildcard: true},
	{file: "workspace_calendar_chat.json", event: "change_calendar_acls", n: 2, action: "ACCESS_REVOKE", subject: "former.assistant@example.org", entKind: "PERMISSION"},
	{file: "workspace_calendar_chat.json", event: "create_event", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
	{file: "workspace_calendar_chat.json", event: "export_calendar", action: "READ"},
	{file: "workspace_calendar_chat.json", event: "add_room_member", action: "ACCESS_GRANT", subject: "contractor@partner.example", entKind: "PERMISSION", entID: "google_workspace:chat:AAAAq1w2e3r4", privilege: "WRITE", entry: "chat:add_room_member", class: "user_action"},
	{file: "workspace_calendar_chat.json", event: "add_room_member", n: 1, action: "ACCESS_GRANT", subject: "n.ahmed@example.org", entKind: "PERMISSION"},
	{file: "workspace_calendar_chat.json", event: "role_updated", action: "ACCESS_GRANT", subject: "n.ahmed@example.org", entKind: "PERMISSION", privilege: "WRITE"},
	{file: "workspace_calendar_chat.json", event: "remove_room_member", action: "ACCESS_REVOKE", subject: "old.member@example.org", entKind: "PERMISSION"},
	{file: "workspace_calendar_chat.json", event: "message_posted", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
	{file: "workspace_calendar_chat.json", event: "attachment_download", action: "READ"},
	// Classroom rosters, Keep collaborators, Vault matters, Looker Studio sharing, migration.
	{file: "workspace_content.json", event: "user_added_to_course", action: "ACCESS_GRANT", subject: "s.lin@school.example.org", entKind: "PERMISSION", entName: "Chemistry 10B", privilege: "WRITE", class: "course_membership_change"}, // a teacher
	{file: "workspace_content.json", event: "user_removed_from_course", action: "ACCESS_REVOKE", subject: "pupil.17@school.example.org", entKind: "PERMISSION", privilege: "READ"},                                                       // a student
	{file: "workspace_content.json", event: "modified_acl", action: "ACCESS_GRANT", noSubject: true, entKind: "PERMISSION", entID: "google_workspace:keep:notes/1a2b3c4d5e6f7g8h9i0j", entry: "keep:modified_acl"},
	{file: "workspace_content.json", event: "add_collaborator_end", action: "ACCESS_GRANT", subject: "outside.counsel@example.org", entKind: "PERMISSION", entName: "Matter: Contoso dispute", privilege: "WRITE"},
	{file: "workspace_content.json", event: "create_export_end", action: "READ", entry: "vault:create_export_end"},
	{file: "workspace_content.json", event: "add_litigation_hold_end", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
	{file: "workspace_content.json", event: "CHANGE_USER_ACCESS", action: "ACCESS_GRANT", subject: "r.osei@example.org", entKind: "PERMISSION", entName: "Sales pipeline", privilege: "READ", entry: "data_studio:CHANGE_USER_ACCESS", class: "ACL_CHANGE"},
	{file: "workspace_content.json", event: "CHANGE_ASSET_LINK_SHARING_VISIBILITY", action: "ACCESS_GRANT", subject: "google_workspace:public", entKind: "PERMISSION", wildcard: true},
	{file: "workspace_content.json", event: "VIEW", action: "READ"},
	{file: "workspace_content.json", event: "START_MIGRATION", action: "OTHER", catalogClass: catalog.ClassNoAccessChange},
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
		if c.entID != "" && (ev.Entitlement == nil || ev.Entitlement.ID != c.entID) {
			t.Errorf("%s: entitlement %+v, want id %s", where, ev.Entitlement, c.entID)
		}
		if c.entKind == schemas.EntitlementPermission && ev.Entitlement != nil && ev.Entitlement.Wildcard != c.wildcard {
			t.Errorf("%s: entitlement wildcard %v, want %v", where, ev.Entitlement.Wildcard, c.wildcard)
		}
		if c.noSubject && ev.Subject != nil {
			t.Errorf("%s: subject %+v, want none", where, ev.Subject)
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

// TestWorkspaceSharingParameters: how a sharing event's parameters decide its direction,
// grantee and privilege, one parameter shape at a time (Activity events appendix).
func TestWorkspaceSharingParameters(t *testing.T) {
	activity := func(app, typ, name, params string) string {
		return `{"kind":"admin#reports#activity","id":{"time":"2025-05-12T09:00:00Z","uniqueQualifier":"42","applicationName":"` + app +
			`"},"actor":{"callerType":"USER","email":"owner@example.org","profileId":"1"},"events":[{"type":"` + typ + `","name":"` + name + `","parameters":[` + params + `]}]}`
	}
	doc := `{"name":"doc_id","value":"D1"},{"name":"doc_title","value":"Plan"},`
	cases := []struct {
		what, body string
		action     schemas.Action
		subject    string
		privilege  schemas.Privilege
		wildcard   bool
	}{
		{"a domain named as target_domain", activity("drive", "acl_change", "change_document_access_scope", doc+`{"name":"target_domain","value":"partner.example"},{"name":"old_value","multiValue":["none"]},{"name":"new_value","multiValue":["can_edit"]},{"name":"visibility","value":"people_within_domain_with_link"}`),
			"ACCESS_GRANT", "google_workspace:domain:partner.example", "WRITE", false},
		{"the link opened to the actor's domain", activity("drive", "acl_change", "change_document_visibility", doc+`{"name":"target_domain","value":"all"},{"name":"old_value","multiValue":["private"]},{"name":"new_value","multiValue":["public_in_the_domain"]}`),
			"ACCESS_GRANT", "google_workspace:domain:example.org", "READ", false},
		{"the link made private", activity("drive", "acl_change", "change_document_visibility", doc+`{"name":"target_domain","value":"all"},{"name":"old_value","multiValue":["public_on_the_web"]},{"name":"new_value","multiValue":["private"]}`),
			"ACCESS_REVOKE", "google_workspace:public", "READ", true},
		{"the link's role removed for anyone", activity("drive", "acl_change", "change_document_access_scope", doc+`{"name":"target_domain","value":"all"},{"name":"old_value","multiValue":["can_view"]},{"name":"new_value","multiValue":["none"]},{"name":"old_visibility","value":"people_with_link"},{"name":"visibility","value":"private"}`),
			"ACCESS_REVOKE", "google_workspace:public", "READ", true},
		{"published to the web", activity("drive", "acl_change", "publish_change", doc+`{"name":"old_value","multiValue":["none"]},{"name":"new_value","multiValue":["auto"]},{"name":"old_publish_visibility","value":"nobody"},{"name":"new_publish_visibility","value":"public_on_the_web"}`),
			"ACCESS_GRANT", "google_workspace:public", "READ", true},
		{"unpublished", activity("drive", "acl_change", "publish_change", doc+`{"name":"old_value","multiValue":["auto"]},{"name":"new_value","multiValue":["none"]},{"name":"old_publish_visibility","value":"public_on_the_web"},{"name":"new_publish_visibility","value":"unchanged"}`),
			"ACCESS_REVOKE", "google_workspace:public", "READ", true},
		{"a group shared by its email", activity("drive", "acl_change", "change_user_access_hierarchy_reconciled", doc+`{"name":"target_user","value":"Finance-Team@example.org"},{"name":"old_value","multiValue":["none"]},{"name":"new_value","multiValue":["can_view"]}`),
			"ACCESS_GRANT", "finance-team@example.org", "READ", false},
		{"a shared drive member promoted", activity("drive", "acl_change", "shared_drive_membership_change", doc+`{"name":"membership_change_type","value":"change_roles"},{"name":"removed_role","value":"viewer"},{"name":"added_role","value":"content_manager"},{"name":"target_user","value":"m.keller@example.org"}`),
			"ACCESS_GRANT", "m.keller@example.org", "WRITE", false},
		{"a shared drive member demoted", activity("drive", "acl_change", "shared_drive_membership_change", doc+`{"name":"membership_change_type","value":"change_roles"},{"name":"removed_role","value":"organizer"},{"name":"added_role","value":"viewer"},{"name":"target_user","value":"m.keller@example.org"}`),
			"ACCESS_REVOKE", "m.keller@example.org", "WRITE", false},
		{"an item moved into a shared drive", activity("drive", "acl_change", "change_owner", doc+`{"name":"new_owner","value":"Finance shared drive"},{"name":"new_owner_is_shared_drive","boolValue":true},{"name":"new_owner_shared_drive_id","value":"0AFa7kR2mPq4xUk9PVA"}`),
			"ACCESS_GRANT", "google_workspace:shared_drive:0AFa7kR2mPq4xUk9PVA", "WRITE", false},
		{"a calendar's root access", activity("calendar", "calendar_change", "change_calendar_acls", `{"name":"calendar_id","value":"room@example.org"},{"name":"grantee_email","value":"it.lead@example.org"},{"name":"access_level","value":"root"}`),
			"ACCESS_GRANT", "it.lead@example.org", "ADMIN", false},
		{"a calendar's free/busy for a domain", activity("calendar", "calendar_change", "change_calendar_acls", `{"name":"calendar_id","value":"room@example.org"},{"name":"grantee_email","value":"partner.example"},{"name":"access_level","value":"freebusy"}`),
			"ACCESS_GRANT", "google_workspace:domain:partner.example", "READ", false},
		{"a space manager made a member again", activity("chat", "user_action", "role_updated", `{"name":"room_id","value":"AAAA1"},{"name":"target_user_role","value":"MEMBER"},{"name":"target_users","value":"n.ahmed@example.org"}`),
			"ACCESS_REVOKE", "n.ahmed@example.org", "WRITE", false},
		{"the actor joined a space", activity("chat", "user_action", "invite_accept", `{"name":"room_id","value":"AAAA1"}`),
			"ACCESS_GRANT", "owner@example.org", "WRITE", false},
		{"a student joined a course", activity("classroom", "course_membership_change", "user_joined_course", `{"name":"course_id","value":"61"},{"name":"course_role","value":"student"}`),
			"ACCESS_GRANT", "owner@example.org", "READ", false},
		{"a Looker Studio permission removed", activity("data_studio", "ACL_CHANGE", "CHANGE_USER_ACCESS", `{"name":"ASSET_ID","value":"A1"},{"name":"TARGET_USER_EMAIL","value":"r.osei@example.org"},{"name":"OLD_VALUE","value":"CAN_EDIT"},{"name":"NEW_VALUE","value":"NONE"}`),
			"ACCESS_REVOKE", "r.osei@example.org", "WRITE", false},
		{"a Looker Studio workspace role", activity("data_studio", "ACL_CHANGE", "CHANGE_USER_ACCESS_TO_ASSET_VIA_WORKSPACE", `{"name":"ASSET_ID","value":"A1"},{"name":"TARGET_USER_EMAIL","value":"r.osei@example.org"},{"name":"PREVIOUS_VALUE","value":"VIEWER"},{"name":"CURRENT_VALUE","value":"CONTRIBUTOR"}`),
			"ACCESS_GRANT", "r.osei@example.org", "WRITE", false},
		{"a Looker Studio link opened to anyone", activity("data_studio", "ACL_CHANGE", "CHANGE_ASSET_LINK_SHARING_ACCESS_TYPE", `{"name":"ASSET_ID","value":"A1"},{"name":"TARGET_DOMAIN","value":"all"},{"name":"OLD_VALUE","value":"NONE"},{"name":"NEW_VALUE","value":"CAN_VIEW"},{"name":"VISIBILITY","value":"PEOPLE_WITH_LINK"}`),
			"ACCESS_GRANT", "google_workspace:public", "READ", true},
	}
	for _, c := range cases {
		evs, err := ParseWorkspace([]byte(c.body), testNow)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %d events, %v", c.what, len(evs), err)
		}
		ev := evs[0]
		if ev.Action != c.action || ev.Subject == nil || ev.Subject.ID != c.subject || ev.Entitlement == nil ||
			ev.Entitlement.Privilege != c.privilege || ev.Entitlement.Wildcard != c.wildcard || ev.Entitlement.Kind != schemas.EntitlementPermission {
			t.Errorf("%s: %s subject %+v entitlement %+v, want %s %s %s wildcard=%v", c.what, ev.Action, ev.Subject, ev.Entitlement, c.action, c.subject, c.privilege, c.wildcard)
		}
	}
}

// TestWorkspaceDriveEventIDs: every event of the content payloads has its own id — the
// events of one Drive activity by their index, each person a space is shared with by
// their id — and the events made for several grantees do not share attributes.
func TestWorkspaceDriveEventIDs(t *testing.T) {
	ids := map[string]string{}
	for _, f := range []string{"workspace_drive.json", "workspace_calendar_chat.json", "workspace_content.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := ParseWorkspace(body, testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if prev, dup := ids[ev.EventID]; dup {
				t.Errorf("%s: id %s also names %s", f, ev.EventID, prev)
			}
			ids[ev.EventID] = ev.SourceEventType
		}
		if f != "workspace_calendar_chat.json" {
			continue
		}
		var added []schemas.IdentityEvent
		for _, ev := range evs {
			if ev.SourceEventType == "add_room_member" {
				added = append(added, ev)
			}
		}
		if len(added) != 2 || !strings.HasSuffix(added[0].EventID, "#contractor@partner.example") || !strings.HasSuffix(added[1].EventID, "#n.ahmed@example.org") {
			t.Fatalf("add_room_member events %+v", added)
		}
		added[0].Attributes["x"] = "y"
		if added[1].Attributes["x"] != "" {
			t.Error("the events of one share hold one attribute map")
		}
	}
	if ids["google_workspace:-2208831645120044104:2:change_user_access"] == "" {
		t.Errorf("the third event of the ownership transfer is not numbered by its index: %v", ids)
	}
}
