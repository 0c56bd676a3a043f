package ingest

import (
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// entraCase is what one record of an Entra test payload must become: the event's action,
// subject, entitlement and credential, and the lane the default policy gives it. Empty
// fields are not checked.
type entraCase struct {
	activity  string // the record's activityDisplayName, to keep the table readable
	action    schemas.Action
	subject   string
	subjType  schemas.PrincipalType
	entName   string
	entID     string
	entKind   schemas.EntitlementKind
	privilege schemas.Privilege
	wildcard  bool
	credID    string
	credKind  schemas.CredentialKind
	entry     string // catalog_entry
	lane      schemas.Lane
	reason    string // a part of the decision's reasons
}

const (
	jane    = "jane.doe@contoso.example"
	ciSP    = "entra:e0000000-0000-0000-0000-000000005b01"
	billApp = "entra:d0000000-0000-0000-0000-00000000a901"
)

// entraAudits is testdata/entra_directory_audits.json, a Microsoft Graph page of
// directoryAudit records (shapes from the directoryAudit, targetResource and
// modifiedProperty resources of Graph v1.0), in file order.
//
// A role's id is its Role.TemplateId, the same in every tenant and the id Graph's role
// assignments (so connectors/entra's snapshot) use, not the Role.ObjectID the records list
// first (the tenant's directoryRole object, 3f5a6c1e-… here); a removal carries it in
// oldValue.
var entraAudits = []entraCase{
	{activity: "Add member to role", action: "ACCESS_GRANT", subject: jane, entName: "Privileged Role Administrator", entID: "entra:role:e8611ab8-c189-46e8-94e1-60213ab1f814", entKind: "ROLE", privilege: "ADMIN", entry: "rolemanagement/add member to role", lane: "SERVICE_DESK"},
	{activity: "Add eligible member to role", action: "ACCESS_GRANT", subject: jane, entName: "User Administrator", entID: "entra:role:fe930be7-5e62-47db-91af-98c3a49a38b1", entKind: "ROLE", privilege: "ADMIN", lane: "SERVICE_DESK"},
	{activity: "Add member to role completed (PIM activation)", action: "ACCESS_GRANT", subject: jane, entName: "Global Administrator", entKind: "ROLE", privilege: "ADMIN", lane: "SERVICE_DESK"},
	{activity: "Add scoped member to role", action: "ACCESS_GRANT", subject: jane, entName: "Helpdesk Administrator", entID: "entra:role:729827e3-9c14-49f7-bb1b-9608f156bbb8", entKind: "ROLE", privilege: "ADMIN", lane: "SERVICE_DESK"},
	{activity: "Remove member from role", action: "ACCESS_REVOKE", subject: jane, entName: "User Administrator", entID: "entra:role:fe930be7-5e62-47db-91af-98c3a49a38b1", entKind: "ROLE", lane: "SERVICE_DESK"},
	{activity: "Add member to group", action: "ACCESS_GRANT", subject: jane, entName: "Finance-Approvers", entKind: "GROUP", lane: "SERVICE_DESK"},
	{activity: "Remove member from group", action: "ACCESS_REVOKE", subject: jane, entName: "Finance-Approvers", entKind: "GROUP", lane: "SERVICE_DESK"},
	{activity: "Add app role assignment grant to user", action: "ACCESS_GRANT", subject: jane, entName: "Sales Manager", entKind: "APP", lane: "SERVICE_DESK"},
	// The assignee of an app role is in modifiedProperties; the target is the resource API.
	{activity: "Add app role assignment to service principal", action: "ACCESS_GRANT", subject: ciSP, subjType: "NHI", entName: "RoleManagement.ReadWrite.Directory", entKind: "APP", privilege: "ADMIN", lane: "NHI"},
	{activity: "Consent to application", action: "ACCESS_GRANT", subject: "entra:e0000000-0000-0000-0000-000000003501", subjType: "NHI", entName: "Mail.ReadWrite User.Read offline_access", entKind: "PERMISSION", privilege: "WRITE", lane: "NHI"},
	{activity: "Add delegated permission grant", action: "ACCESS_GRANT", subject: "entra:e0000000-0000-0000-0000-000000003502", subjType: "NHI", entName: "Directory.ReadWrite.All User.Read", entKind: "PERMISSION", privilege: "ADMIN", wildcard: true, lane: "NHI"},
	// KeyDescription [k1] -> [k1, k2]: a certificate was added.
	{activity: "Update application – Certificates and secrets management", action: "CREDENTIAL_CREATE", subject: billApp, subjType: "NHI", credID: "entra:key:4f1c2d3e-0000-4000-8000-000000000002", credKind: "CERTIFICATE",
		entry: "applicationmanagement/update application - certificates and secrets management", lane: "NHI"},
	// KeyDescription [k1, k2] -> [k2]: a secret was removed.
	{activity: "Update application – Certificates and secrets management", action: "CREDENTIAL_DELETE", subject: billApp, credID: "entra:key:4f1c2d3e-0000-4000-8000-000000000001", credKind: "CLIENT_SECRET", lane: "NHI"},
	// Values encoded twice: a JSON string holding a JSON string holding the list.
	{activity: "Remove service principal credentials", action: "CREDENTIAL_DELETE", subject: ciSP, credID: "entra:key:4f1c2d3e-0000-4000-8000-000000000003", credKind: "CLIENT_SECRET", lane: "NHI"},
	{activity: "Add service principal credentials", action: "CREDENTIAL_CREATE", subject: ciSP, credID: "entra:key:4f1c2d3e-0000-4000-8000-000000000001", credKind: "CLIENT_SECRET", lane: "NHI"},
	{activity: "Set domain authentication", action: "POLICY_CHANGE", entName: "contoso.example", entKind: "POLICY", lane: "SERVICE_DESK", reason: "trust relationship"},
	{activity: "Set federation settings on domain", action: "POLICY_CHANGE", entKind: "POLICY", lane: "SERVICE_DESK", reason: "trust relationship"},
	{activity: "Add federated identity credential", action: "CREDENTIAL_CREATE", subject: billApp, credKind: "OTHER", lane: "NHI"},
	{activity: "Update conditional access policy", action: "POLICY_CHANGE", entName: "Require MFA for admins", entKind: "POLICY", lane: "SERVICE_DESK"},
	{activity: "Authentication Methods Policy Update", action: "POLICY_CHANGE", entKind: "POLICY", entry: "applicationmanagement/authentication methods policy update", lane: "SERVICE_DESK"},
	{activity: "Add user", action: "ACCOUNT_CREATE", subject: "new.hire@contoso.example", lane: "SERVICE_DESK"},
	{activity: "Delete user", action: "ACCOUNT_DELETE", subject: "new.hire@contoso.example", lane: "SERVICE_DESK"},
	{activity: "Disable account", action: "ACCOUNT_DISABLE", subject: jane, lane: "SERVICE_DESK"},
	{activity: "Enable account", action: "ACCOUNT_ENABLE", subject: jane, lane: "SERVICE_DESK"},
	{activity: "Restore user", action: "ACCOUNT_ENABLE", subject: "new.hire@contoso.example", lane: "SERVICE_DESK"},
	// The catalogue says an update changes no access; AccountEnabled [true] -> [false] says otherwise.
	{activity: "Update user", action: "ACCOUNT_DISABLE", subject: jane, entry: "usermanagement/update user", lane: "SERVICE_DESK"},
	{activity: "Reset password (by admin)", action: "PASSWORD_RESET", subject: jane, lane: "HELP_DESK"},
	{activity: "Reset user password", action: "PASSWORD_RESET", subject: jane, lane: "HELP_DESK"},
	{activity: "Change user password", action: "PASSWORD_CHANGE", subject: jane, lane: "HELP_DESK"},
	{activity: "Reset password (self-service)", action: "PASSWORD_RESET", subject: jane, lane: "HELP_DESK"},
	{activity: "User registered security info", action: "MFA_ENROLL", subject: jane, lane: "HELP_DESK"},
	{activity: "Admin deleted security info", action: "MFA_RESET", subject: jane, lane: "HELP_DESK"},
	{activity: "User deleted security info", action: "MFA_RESET", subject: jane, lane: "HELP_DESK"},
	{activity: "Admin registered security info", action: "MFA_ENROLL", subject: jane, lane: "HELP_DESK"},
	{activity: "User started security info registration", action: "MFA_ENROLL", subject: jane, lane: "HELP_DESK"},
	{activity: "Download users - finished (bulk)", action: "READ", lane: "OBSERVE"},
	{activity: "Update company", action: "OTHER", entry: "directorymanagement/update company", lane: "OBSERVE", reason: "changing no one's access"},
	// A PIM request is the IdP's own access-request ticket.
	{activity: "Add member to role in PIM requested (timebound)", action: "TICKET_OPENED", subject: jane, entName: "User Administrator", entKind: "ROLE", lane: "SERVICE_DESK"},
	// The same activity name means different things by category.
	{activity: "Request approved", action: "IMPERSONATION", entry: "microsoftsupportaccessmanagement/request approved", lane: "BREAK_GLASS"},
	{activity: "Request approved", action: "OTHER", entry: "request approved", lane: "TRIAGE", reason: "only the record's category tells which"},
	// PIM for Groups: the "role" is a group's membership.
	{activity: "Add member to role completed (PIM activation)", action: "ACCESS_GRANT", subject: jane, entName: "Tier0-Admins", entKind: "GROUP", entry: "groupmanagement/add member to role completed (pim activation)", lane: "SERVICE_DESK"},
	{activity: "Frobnicate tenant widget", action: "OTHER", lane: "TRIAGE", reason: `catalogue has no entry for "frobnicate tenant widget"`},
}

// entraHubRecords is testdata/entra_catalog_eventhubs.json: Azure Monitor records
// ({"records":[…]}, the Graph object under properties) of audit and sign-in logs.
var entraHubRecords = []entraCase{
	{activity: "Add owner to service principal", action: "ACCESS_GRANT", subject: "bob@contoso.example", entName: "svc-reporting", entKind: "APP", lane: "SERVICE_DESK"},
	{activity: "Remove service principal credentials", action: "CREDENTIAL_DELETE", subject: "entra:e0000000-0000-0000-0000-000000005b02", credID: "entra:key:4f1c2d3e-0000-4000-8000-000000000004", lane: "NHI"},
	{activity: "Add service principal", action: "ACCOUNT_CREATE", subject: "entra:e0000000-0000-0000-0000-000000005b02", subjType: "NHI", lane: "NHI"},
	{activity: "Update user", action: "OTHER", subject: jane, lane: "OBSERVE"},
	{activity: "Sign-in activity", action: "SIGN_IN", subject: jane, subjType: "HUMAN", entry: "signinlogs/sign-in activity", lane: "OBSERVE"},
	{activity: "Sign-in activity", action: "SIGN_IN", subject: "entra:e0000000-0000-0000-0000-000000005b02", subjType: "NHI", entry: "serviceprincipalsigninlogs/sign-in activity", lane: "OBSERVE"},
}

func TestEntraCatalogueClasses(t *testing.T) {
	p, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	for file, cases := range map[string][]entraCase{"entra_directory_audits.json": entraAudits, "entra_catalog_eventhubs.json": entraHubRecords} {
		evs := parseFile(t, SourceEntra, file)
		if len(evs) != len(cases) {
			t.Fatalf("%s: %d events, want %d", file, len(evs), len(cases))
		}
		for i, c := range cases {
			ev := evs[i]
			name := file + "#" + ev.EventID
			if EntraActivityKey(ev.SourceEventType) != EntraActivityKey(c.activity) {
				t.Fatalf("%s: record %d is %q, the table says %q", name, i, ev.SourceEventType, c.activity)
			}
			if ev.Action != c.action {
				t.Errorf("%s %s: action %s, want %s", name, c.activity, ev.Action, c.action)
			}
			if c.subject != "" && (ev.Subject == nil || ev.Subject.ID != c.subject) {
				t.Errorf("%s %s: subject %+v, want %s", name, c.activity, ev.Subject, c.subject)
			}
			if c.subjType != "" && (ev.Subject == nil || ev.Subject.Type != c.subjType) {
				t.Errorf("%s %s: subject %+v, want type %s", name, c.activity, ev.Subject, c.subjType)
			}
			if c.entName != "" || c.entKind != "" {
				e := ev.Entitlement
				switch {
				case e == nil:
					t.Errorf("%s %s: no entitlement, want %s %s", name, c.activity, c.entKind, c.entName)
				case c.entName != "" && e.Name != c.entName, c.entID != "" && e.ID != c.entID, c.entKind != "" && e.Kind != c.entKind,
					c.privilege != "" && e.Privilege != c.privilege, e.Wildcard != c.wildcard:
					t.Errorf("%s %s: entitlement %+v, want %s %s %s %s wildcard=%v", name, c.activity, *e, c.entKind, c.entName, c.entID, c.privilege, c.wildcard)
				}
			}
			if c.credID != "" || c.credKind != "" {
				cr := ev.Credential
				switch {
				case cr == nil:
					t.Errorf("%s %s: no credential", name, c.activity)
				case c.credID != "" && cr.ID != c.credID, c.credKind != "" && cr.Kind != c.credKind:
					t.Errorf("%s %s: credential %+v, want %s %s", name, c.activity, *cr, c.credID, c.credKind)
				}
			}
			if c.entry != "" && ev.Attributes[catalog.AttrEntry] != c.entry {
				t.Errorf("%s %s: catalogue entry %q, want %q", name, c.activity, ev.Attributes[catalog.AttrEntry], c.entry)
			}
			if !strings.HasPrefix(ev.Attributes[catalog.AttrCatalog], "entra-audit-activities@") {
				t.Errorf("%s %s: catalog attribute %q", name, c.activity, ev.Attributes[catalog.AttrCatalog])
			}
			d, err := p.Decide(&ev, ev.OccurredAt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Lane != c.lane {
				t.Errorf("%s %s: lane %s by %s (%v), want %s", name, c.activity, d.Lane, d.RuleID, d.Reasons, c.lane)
			}
			if c.reason != "" && !strings.Contains(strings.Join(d.Reasons, " "), c.reason) {
				t.Errorf("%s %s: reasons %v lack %q", name, c.activity, d.Reasons, c.reason)
			}
		}
	}
}

// TestEntraCatalogueKeysFoldLikeTheParser: the generator folds names on its own (it must
// not import ingest); every key it wrote must already be what the parser looks up.
func TestEntraCatalogueKeysFoldLikeTheParser(t *testing.T) {
	c := catalog.Get("entra-audit-activities")
	if n := len(c.Entries()); n < 1500 {
		t.Fatalf("only %d entries", n)
	}
	for _, e := range c.Entries() {
		act := e.Key
		if cat, rest, ok := strings.Cut(e.Key, "/"); ok && !strings.Contains(e.Class, ",") && EntraCategoryKey(e.Class) == cat {
			act = rest
			if EntraCategoryKey(cat) != cat {
				t.Errorf("%q: category not folded", e.Key)
			}
		}
		if EntraActivityKey(act) != act {
			t.Errorf("%q: activity not folded (parser folds it to %q)", e.Key, EntraActivityKey(act))
		}
	}
	// Every entry keyed by a category has its activity-alone fallback.
	for _, e := range c.Entries() {
		if cat, act, ok := strings.Cut(e.Key, "/"); ok && EntraCategoryKey(e.Class) == cat {
			if _, ok := c.Lookup(act); !ok {
				t.Errorf("%q has no activity-alone entry %q", e.Key, act)
			}
		}
	}
}

// TestEntraLookupFallsBackToTheActivity: a category the reference does not list for the
// activity (or none) finds the activity's own entry; case, dashes and spacing fold.
func TestEntraLookupFallsBackToTheActivity(t *testing.T) {
	for _, tc := range []struct{ category, activity, entry string }{
		{"RoleManagement", "Add member to role", "rolemanagement/add member to role"},
		{"Application Management", "Update application – Certificates and secrets management ", "applicationmanagement/update application - certificates and secrets management"},
		{"Policy", "ADD MEMBER TO ROLE", "add member to role"},
		{"", "Consent  to application", "consent to application"},
	} {
		ev := schemas.IdentityEvent{}
		e, ok := entraLookup(&ev, tc.category, tc.activity)
		if !ok || e.Key != tc.entry || ev.Attributes[catalog.AttrEntry] != tc.entry {
			t.Errorf("%q/%q: entry %q (%v), want %q", tc.category, tc.activity, e.Key, ok, tc.entry)
		}
	}
}

func TestEntraDecodeList(t *testing.T) {
	for raw, want := range map[string]string{
		`"[]"`: "", `null`: "", `"[\"a\",\"b\"]"`: "a|b", `"\"[\\\"a\\\"]\""`: "a", `"[true]"`: "true", `["x"]`: "x", `"plain"`: "plain",
	} {
		if got := strings.Join(decodeList([]byte(raw)), "|"); got != want {
			t.Errorf("decodeList(%s) = %q, want %q", raw, got, want)
		}
	}
}

// TestEntraGraphSignIn: a Graph signIn object (no envelope, no activityDisplayName) is a
// sign-in of the SignInLogs category; a non-zero errorCode is a failure.
func TestEntraGraphSignIn(t *testing.T) {
	body := `{"id":"66ea54eb-0000-4000-8000-000000000001","createdDateTime":"2026-11-30T11:00:00Z","userDisplayName":"Jane Doe",
	 "userPrincipalName":"Jane.Doe@contoso.example","userId":"b0000000-0000-0000-0000-00000000a001","appId":"00000002-0000-0ff1-ce00-000000000000",
	 "appDisplayName":"Office 365 Exchange Online","ipAddress":"198.51.100.4","clientAppUsed":"Browser",
	 "status":{"errorCode":50126,"failureReason":"Error validating credentials due to invalid username or password."}}`
	evs, err := ParseEntra([]byte(body), testNow)
	if err != nil {
		t.Fatal(err)
	}
	check(t, evs[0], want{id: "entra:66ea54eb-0000-4000-8000-000000000001", action: "SIGN_IN", outcome: "FAILURE", subject: jane, actor: jane})
	if evs[0].Attributes[catalog.AttrEntry] != "signinlogs/sign-in activity" || evs[0].Attributes["app"] != "Office 365 Exchange Online" {
		t.Errorf("attributes %v", evs[0].Attributes)
	}
}

// TestEntraSignInResultType: Event Hubs sign-in records carry resultType as a string or a
// number, an error code or a word; the outcome follows it when the properties have no
// status.
func TestEntraSignInResultType(t *testing.T) {
	for result, want := range map[string]schemas.Outcome{
		`0`: schemas.OutcomeSuccess, `"0"`: schemas.OutcomeSuccess, `50126`: schemas.OutcomeFailure,
		`"50126"`: schemas.OutcomeFailure, `"Success"`: schemas.OutcomeSuccess, `"Failure"`: schemas.OutcomeFailure,
	} {
		body := `{"records":[{"time":"2026-11-30T10:05:00Z","operationName":"Sign-in activity","category":"SignInLogs","resultType":` + result +
			`,"properties":{"id":"s1","createdDateTime":"2026-11-30T10:05:00Z","userPrincipalName":"jane.doe@contoso.example","userId":"u1","appDisplayName":"Azure Portal"}}]}`
		evs, err := ParseEntra([]byte(body), testNow)
		if err != nil {
			t.Fatalf("resultType %s: %v", result, err)
		}
		if len(evs) != 1 || evs[0].Action != schemas.ActionSignIn || evs[0].Outcome != want {
			t.Errorf("resultType %s: %+v, want a SIGN_IN with outcome %s", result, evs, want)
		}
	}
}
