package router

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestWorkspaceCatalogueLanes decides the Reports API payloads of ingest/testdata under
// the default policy: every class of event the catalogue gives meaning lands in its lane,
// and none in TRIAGE.
func TestWorkspaceCatalogueLanes(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, event string
		n           int // among events of the same name in the file
		lane        schemas.Lane
		rule        string
	}{
		{"workspace_admin_roles.json", "CREATE_ROLE", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_admin_roles.json", "ADD_PRIVILEGE", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_admin_roles.json", "ASSIGN_ROLE", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_admin_roles.json", "UNASSIGN_ROLE", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_admin_roles.json", "GRANT_ADMIN_PRIVILEGE", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_admin_users.json", "CREATE_USER", 0, schemas.LaneServiceDesk, "user-joiner"},
		{"workspace_admin_users.json", "SUSPEND_USER", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_admin_users.json", "DELETE_USER", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_admin_users.json", "CHANGE_PASSWORD", 0, schemas.LaneHelpDesk, "recovery-admin-initiated"},
		{"workspace_admin_users.json", "UNENROLL_USER_FROM_STRONG_AUTH", 0, schemas.LaneHelpDesk, "recovery-admin-initiated"},
		{"workspace_admin_users.json", "TURN_OFF_2_STEP_VERIFICATION", 0, schemas.LaneHelpDesk, "recovery-admin-initiated"},
		{"workspace_admin_users.json", "UNBLOCK_USER_SESSION", 0, schemas.LaneHelpDesk, "recovery-admin-initiated"},
		{"workspace_admin_users.json", "CHANGE_LAST_NAME", 0, schemas.LaneObserve, "catalogued-no-access-change"},
		{"workspace_admin_security.json", "ENFORCE_STRONG_AUTHENTICATION", 0, schemas.LaneServiceDesk, "trust-or-auth-policy-change"},
		{"workspace_admin_security.json", "CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS", 0, schemas.LaneServiceDesk, "trust-or-auth-policy-change"},
		{"workspace_admin_security.json", "CHANGE_SSO_SETTINGS", 0, schemas.LaneServiceDesk, "trust-or-auth-policy-change"},
		{"workspace_admin_security.json", "AUTHORIZE_API_CLIENT_ACCESS", 0, schemas.LaneNHI, "nhi-grant"},
		{"workspace_admin_security.json", "CHANGE_GMAIL_SETTING", 0, schemas.LaneObserve, "mail-settings"},
		{"workspace_groups.json", "ADD_GROUP_MEMBER", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_groups.json", "REMOVE_GROUP_MEMBER", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_groups.json", "UPDATE_GROUP_MEMBER", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_groups.json", "UPDATE_GROUP_MEMBER", 1, schemas.LaneServiceDesk, "grant-admin"}, // promoted to OWNER,
		{"workspace_groups.json", "add_user", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_groups.json", "remove_user", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_groups.json", "add_member", 0, schemas.LaneNHI, "nhi-grant"},
		{"workspace_login.json", "login_success", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_login.json", "login_failure", 0, schemas.LaneObserve, "failed-operation"},
		{"workspace_login.json", "login_challenge", 0, schemas.LaneObserve, "failed-operation"},
		{"workspace_login.json", "suspicious_login", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_login.json", "account_disabled_password_leak", 0, schemas.LaneObserve, "provider-enforcement"},
		{"workspace_login.json", "account_disabled_hijacked", 0, schemas.LaneObserve, "provider-enforcement"},
		{"workspace_login.json", "login_success", 1, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_login.json", "login_failure", 1, schemas.LaneObserve, "failed-operation"},
		{"workspace_token.json", "authorize", 0, schemas.LaneNHI, "nhi-app-consent"},
		{"workspace_token.json", "revoke", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_token.json", "activity", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_user_accounts.json", "password_edit", 0, schemas.LaneHelpDesk, "recovery-self-service"},
		{"workspace_user_accounts.json", "recovery_email_edit", 0, schemas.LaneHelpDesk, "recovery-mfa-self-service"},
		{"workspace_user_accounts.json", "2sv_enroll", 0, schemas.LaneHelpDesk, "recovery-mfa-self-service"},
		{"workspace_user_accounts.json", "2sv_disable", 0, schemas.LaneHelpDesk, "recovery-mfa-self-service"},
		// Content sharing: a named user, anyone with the link (wildcard: CRITICAL), removal,
		// ownership transfer, shared drive membership; views and edits are context.
		{"workspace_drive.json", "change_user_access", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_drive.json", "change_document_visibility", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_drive.json", "change_document_access_scope", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_drive.json", "change_user_access", 2, schemas.LaneServiceDesk, "revoke"},
		{"workspace_drive.json", "change_owner", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_drive.json", "shared_drive_membership_change", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_drive.json", "shared_drive_membership_change", 1, schemas.LaneServiceDesk, "revoke"},
		{"workspace_drive.json", "change_acl_editors", 0, schemas.LaneServiceDesk, "policy-change"},
		{"workspace_drive.json", "view", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_drive.json", "download", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_drive.json", "edit", 0, schemas.LaneObserve, "catalogued-no-access-change"},
		{"workspace_drive.json", "trash", 0, schemas.LaneObserve, "catalogued-no-access-change"},
		{"workspace_calendar_chat.json", "change_calendar_acls", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_calendar_chat.json", "change_calendar_acls", 1, schemas.LaneServiceDesk, "grant-admin"}, // made public
		{"workspace_calendar_chat.json", "change_calendar_acls", 2, schemas.LaneServiceDesk, "revoke"},
		{"workspace_calendar_chat.json", "add_room_member", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_calendar_chat.json", "add_room_member", 1, schemas.LaneServiceDesk, "grant"},
		{"workspace_calendar_chat.json", "remove_room_member", 0, schemas.LaneServiceDesk, "revoke"},
		{"workspace_calendar_chat.json", "message_posted", 0, schemas.LaneObserve, "catalogued-no-access-change"},
		{"workspace_content.json", "user_added_to_course", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_content.json", "modified_acl", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_content.json", "add_collaborator_end", 0, schemas.LaneServiceDesk, "grant"},
		{"workspace_content.json", "create_export_end", 0, schemas.LaneObserve, "sign-in-or-read"},
		{"workspace_content.json", "CHANGE_ASSET_LINK_SHARING_VISIBILITY", 0, schemas.LaneServiceDesk, "grant-admin"},
		{"workspace_content.json", "START_MIGRATION", 0, schemas.LaneObserve, "catalogued-no-access-change"},
	}
	parsed := map[string][]schemas.IdentityEvent{}
	for _, c := range cases {
		evs, ok := parsed[c.file]
		if !ok {
			body, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if evs, err = ingest.ParseWorkspace(body, time.Now()); err != nil {
				t.Fatalf("%s: %v", c.file, err)
			}
			parsed[c.file] = evs
		}
		n, found := c.n, false
		for i := range evs {
			if evs[i].SourceEventType != c.event {
				continue
			}
			if n > 0 {
				n--
				continue
			}
			found = true
			d, err := p.Decide(&evs[i], evs[i].OccurredAt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Lane != c.lane || d.RuleID != c.rule {
				t.Errorf("%s %s #%d: %s by %s (%v), want %s by %s", c.file, c.event, c.n, d.Lane, d.RuleID, d.Reasons, c.lane, c.rule)
			}
			break
		}
		if !found {
			t.Errorf("%s has no event %s #%d", c.file, c.event, c.n)
		}
	}
	// Nothing in these payloads falls through to TRIAGE.
	for file, evs := range parsed {
		cov, err := p.EventCoverage(file, evs)
		if err != nil {
			t.Fatal(err)
		}
		if cov.ByLane[schemas.LaneTriage] != 0 {
			t.Errorf("%s: %d events in TRIAGE: %+v", file, cov.ByLane[schemas.LaneTriage], cov.FallThrough)
		}
	}
}

// TestWorkspaceGoogleDisablesAnAccount: an account Google disabled on its own is provider
// enforcement (OBSERVE) whatever actor the record was filed under.
func TestWorkspaceGoogleDisablesAnAccount(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"kind":"admin#reports#activity","id":{"time":"2026-11-30T10:00:00Z","uniqueQualifier":"-42","applicationName":"login","customerId":"C01"},
	 "actor":{"email":"foo@example.org","profileId":"1234"},
	 "events":[{"type":"account_warning","name":"account_disabled_password_leak","parameters":[{"name":"affected_email_address","value":"bar@example.org"}]}]}`
	evs, err := ingest.ParseWorkspace([]byte(body), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	ev := evs[0]
	d, err := p.Decide(&ev, ev.OccurredAt)
	if err != nil {
		t.Fatal(err)
	}
	if d.Lane != schemas.LaneObserve || d.RuleID != "provider-enforcement" || ev.Subject == nil || ev.Subject.ID != "bar@example.org" || ev.Attributes["reported_actor"] == "" {
		t.Fatalf("lane %s by %s, subject %+v, attributes %v", d.Lane, d.RuleID, ev.Subject, ev.Attributes)
	}
}
