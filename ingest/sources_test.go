package ingest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, source, file string) []schemas.IdentityEvent {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := Parsers(ParserOptions{})[source].Parse(body, testNow)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return evs
}

// want is the part of an event a per-source table test checks; empty fields are not checked.
type want struct {
	id, action, outcome, actor, actorType, subject, subjectType string
	entName, privilege                                          string
	wildcard                                                    bool
	refs                                                        []string
	ocsf                                                        schemas.Ocsf
}

func check(t *testing.T, ev schemas.IdentityEvent, w want) {
	t.Helper()
	if w.id != "" && ev.EventID != w.id {
		t.Errorf("event_id = %q, want %q", ev.EventID, w.id)
	}
	if w.action != "" && string(ev.Action) != w.action {
		t.Errorf("%s: action = %s, want %s", ev.EventID, ev.Action, w.action)
	}
	if w.outcome != "" && string(ev.Outcome) != w.outcome {
		t.Errorf("%s: outcome = %s, want %s", ev.EventID, ev.Outcome, w.outcome)
	}
	if w.actor != "" && (ev.Actor == nil || ev.Actor.ID != w.actor) {
		t.Errorf("%s: actor = %+v, want %s", ev.EventID, ev.Actor, w.actor)
	}
	if w.actorType != "" && (ev.Actor == nil || string(ev.Actor.Type) != w.actorType) {
		t.Errorf("%s: actor type = %+v, want %s", ev.EventID, ev.Actor, w.actorType)
	}
	if w.subject != "" && (ev.Subject == nil || ev.Subject.ID != w.subject) {
		t.Errorf("%s: subject = %+v, want %s", ev.EventID, ev.Subject, w.subject)
	}
	if w.subjectType != "" && (ev.Subject == nil || string(ev.Subject.Type) != w.subjectType) {
		t.Errorf("%s: subject type = %+v, want %s", ev.EventID, ev.Subject, w.subjectType)
	}
	if w.entName != "" && (ev.Entitlement == nil || ev.Entitlement.Name != w.entName) {
		t.Errorf("%s: entitlement = %+v, want name %s", ev.EventID, ev.Entitlement, w.entName)
	}
	if w.privilege != "" && (ev.Entitlement == nil || string(ev.Entitlement.Privilege) != w.privilege) {
		t.Errorf("%s: entitlement = %+v, want privilege %s", ev.EventID, ev.Entitlement, w.privilege)
	}
	if w.wildcard && (ev.Entitlement == nil || !ev.Entitlement.Wildcard) {
		t.Errorf("%s: entitlement = %+v, want wildcard", ev.EventID, ev.Entitlement)
	}
	if w.refs != nil && !slices.Equal(ev.TicketRefs, w.refs) {
		t.Errorf("%s: ticket_refs = %v, want %v", ev.EventID, ev.TicketRefs, w.refs)
	}
	if w.ocsf != (schemas.Ocsf{}) && ev.Ocsf != w.ocsf {
		t.Errorf("%s: ocsf = %v, want %v", ev.EventID, ev.Ocsf, w.ocsf)
	}
	if !ev.IngestedAt.Equal(testNow) {
		t.Errorf("%s: ingested_at = %v", ev.EventID, ev.IngestedAt)
	}
	if ev.TicketRefs == nil || ev.Attributes == nil {
		t.Errorf("%s: ticket_refs and attributes must be non-nil", ev.EventID)
	}
}

func TestOktaHook(t *testing.T) {
	evs := parseFile(t, SourceOkta, "okta_hook.json")
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3", len(evs))
	}
	check(t, evs[0], want{id: "okta:6f1c0a52-3c1e-11f0-9a4b-0b7e3d2f9a11", action: "ACCESS_GRANT", outcome: "SUCCESS",
		actor: "ops.admin@example.org", actorType: "HUMAN", subject: "j.doe@example.org", subjectType: "HUMAN",
		entName: "finance-approvers", refs: []string{"RITM0010042", "ITS-442"}, ocsf: schemas.Ocsf{ClassUID: 3006, ActivityID: 3}})
	if !evs[0].OccurredAt.Equal(time.Date(2025, 5, 14, 9, 12, 44, 318e6, time.UTC)) {
		t.Errorf("occurred_at = %v", evs[0].OccurredAt)
	}
	check(t, evs[1], want{action: "ACCESS_GRANT", actorType: "NHI", subject: "j.doe@example.org", entName: "Super administrator", privilege: "ADMIN", ocsf: schemas.Ocsf{ClassUID: 3005, ActivityID: 1}})
	check(t, evs[2], want{action: "PASSWORD_RESET", actorType: "NHI", ocsf: schemas.Ocsf{ClassUID: 3001, ActivityID: 4}})
	if evs[2].Attributes["api_token_id"] != "00T1234" {
		t.Errorf("api token attribute = %v", evs[2].Attributes)
	}
	raw := string(evs[2].Raw)
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "s3cr3t-value") || !strings.Contains(raw, Redacted) {
		t.Errorf("raw not redacted: %s", raw)
	}
	if !strings.Contains(raw, "00T1234") {
		t.Errorf("raw lost the token id (an identifier, not a secret): %s", raw)
	}
}

func TestOktaBareAndArray(t *testing.T) {
	bare := `{"uuid":"u1","published":"2025-05-14T09:12:44Z","eventType":"user.account.unlock_by_admin","actor":{"id":"a","type":"SystemPrincipal","alternateId":"system@okta.com"},"target":[{"id":"t","type":"User","alternateId":"x@example.org"}]}`
	for _, body := range []string{bare, "[" + bare + "]"} {
		evs, err := ParseOkta([]byte(body), testNow)
		if err != nil {
			t.Fatal(err)
		}
		check(t, evs[0], want{id: "okta:u1", action: "ACCOUNT_UNLOCK", actorType: "SYSTEM", subject: "x@example.org"})
	}
}

func TestEntraEventHubs(t *testing.T) {
	evs := parseFile(t, SourceEntra, "entra_eventhubs.json")
	if len(evs) != 2 {
		t.Fatalf("got %d events", len(evs))
	}
	check(t, evs[0], want{id: "entra:Directory_aaaabbbb_ABC12_123456", action: "ACCESS_GRANT", outcome: "SUCCESS", actor: "ops.admin@example.org",
		subject: "j.doe@example.org", entName: "Global Administrator", privilege: "ADMIN", refs: []string{"CHG0030001"}, ocsf: schemas.Ocsf{ClassUID: 3005, ActivityID: 1}})
	if !evs[0].OccurredAt.Equal(time.Date(2025, 5, 14, 10, 1, 7, 123456700, time.UTC)) {
		t.Errorf("occurred_at = %v", evs[0].OccurredAt)
	}
	// en dash, trailing space and an app initiator; KeyDescription [] -> [key] is a new key
	check(t, evs[1], want{action: "CREDENTIAL_CREATE", actorType: "NHI"})
	if evs[1].Credential == nil {
		t.Error("credential missing")
	}
}

// A service principal's sign-in names the key it used (Azure Monitor's
// ServicePrincipalSignInLogs record, properties as the Graph signIn resource).
func TestEntraServicePrincipalSignInNamesItsKey(t *testing.T) {
	body := `{"records":[{"time":"2026-11-02T08:00:00Z","category":"ServicePrincipalSignInLogs","operationName":"Sign-in activity","resultType":"0",
	"properties":{"id":"sp-signin-1","createdDateTime":"2026-11-02T08:00:00Z","appId":"11112222-aaaa-bbbb-cccc-333344445555","appDisplayName":"billing-export",
	"servicePrincipalId":"9a8b7c6d-0000-1111-2222-333344445555","servicePrincipalName":"billing-export",
	"servicePrincipalCredentialKeyId":"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0","servicePrincipalCredentialThumbprint":"",
	"status":{"errorCode":0}}}]}`
	evs, err := ParseEntra([]byte(body), testNow)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %d", err, len(evs))
	}
	e := evs[0]
	if e.Subject == nil || e.Subject.Type != schemas.PrincipalNHI || e.Outcome != schemas.OutcomeSuccess ||
		e.Attributes["credential_key_id"] != "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" || e.Attributes["category"] != "ServicePrincipalSignInLogs" {
		t.Fatalf("service principal sign-in: %+v %v", e.Subject, e.Attributes)
	}
}

// Access review decisions: approve keeps, deny revokes, and "don't know", a reset or the
// application of results is no review at all.
func TestEntraAccessReviewDecisions(t *testing.T) {
	for activity, want := range map[string]struct {
		action   schemas.Action
		decision string
	}{
		"Approve decision":                  {schemas.ActionAccessReviewed, schemas.ReviewKeep},
		"Bulk approve decisions":            {schemas.ActionAccessReviewed, schemas.ReviewKeep},
		"Deny decision":                     {schemas.ActionAccessReviewed, schemas.ReviewRevoke},
		"Bulk deny decisions":               {schemas.ActionAccessReviewed, schemas.ReviewRevoke},
		"Don't know decision":               {schemas.ActionOther, ""},
		"Bulk mark decisions as don't know": {schemas.ActionOther, ""},
		"Reset decision":                    {schemas.ActionOther, ""},
		"Apply decision":                    {schemas.ActionOther, ""},
	} {
		audit := `{"id":"ar1","category":"Policy","loggedByService":"Access Reviews","activityDisplayName":"` + activity + `","activityDateTime":"2026-11-02T10:00:00Z",` +
			`"result":"success","initiatedBy":{"user":{"userPrincipalName":"mgr@example.org"}},"targetResources":[{"id":"u1","type":"User","userPrincipalName":"j.doe@example.org"}]}`
		evs, err := ParseEntra([]byte(audit), testNow)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v", activity, err)
		}
		if evs[0].Action != want.action || evs[0].Attributes[schemas.AttrReviewDecision] != want.decision {
			t.Errorf("%s: action %s decision %q, want %s %q", activity, evs[0].Action, evs[0].Attributes[schemas.AttrReviewDecision], want.action, want.decision)
		}
	}
}

func TestEntraPlainAndValuePage(t *testing.T) {
	audit := `{"id":"g1","activityDisplayName":"RESET PASSWORD (BY ADMIN)","activityDateTime":"2025-05-14T10:00:00Z","result":"failure","initiatedBy":{"user":{"userPrincipalName":"help@example.org"}},"targetResources":[{"id":"u","type":"User","userPrincipalName":"X@Example.org"}]}`
	for _, body := range []string{audit, `{"@odata.context":"x","value":[` + audit + `]}`} {
		evs, err := ParseEntra([]byte(body), testNow)
		if err != nil {
			t.Fatal(err)
		}
		check(t, evs[0], want{id: "entra:g1", action: "PASSWORD_RESET", outcome: "FAILURE", subject: "x@example.org"})
	}
}

func TestDecodeTwice(t *testing.T) {
	for raw, want := range map[string]string{`"\"User Administrator\""`: "User Administrator", `null`: "", `"plain"`: "plain", `"[\"a\",\"b\"]"`: "a,b", `7`: "7"} {
		if got := decodeTwice(json.RawMessage(raw)); got != want {
			t.Errorf("decodeTwice(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestCloudTrail(t *testing.T) {
	evs := parseFile(t, SourceCloudTrail, "cloudtrail_eventbridge.json")
	check(t, evs[0], want{id: "cloudtrail:f0e1d2c3-0001", action: "ACCESS_GRANT", actor: "arn:aws:iam::111122223333:role/ops-automation", actorType: "NHI",
		subject: "arn:aws:iam::111122223333:role/svc-billing-export", subjectType: "NHI", entName: "AdministratorAccess", privilege: "ADMIN", wildcard: true,
		ocsf: schemas.Ocsf{ClassUID: 3001, ActivityID: 7}})
	if evs[0].Attributes["session_name"] != "ops-bot" {
		t.Errorf("session attribute = %v", evs[0].Attributes)
	}
	evs = parseFile(t, SourceCloudTrail, "cloudtrail_records.json")
	if len(evs) != 5 {
		t.Fatalf("got %d events", len(evs))
	}
	check(t, evs[0], want{action: "ACCESS_GRANT", subject: "arn:aws:iam::111122223333:user/bob", entName: "everything", privilege: "ADMIN", wildcard: true})
	check(t, evs[1], want{action: "CREDENTIAL_CREATE", subject: "arn:aws:iam::111122223333:user/svc-backup", subjectType: "NHI"})
	if evs[1].Credential == nil || evs[1].Credential.ID != "AKIANEWKEY" || evs[1].Credential.Kind != schemas.CredentialAccessKey {
		t.Errorf("credential = %+v", evs[1].Credential)
	}
	check(t, evs[2], want{action: "ACCESS_GRANT", outcome: "FAILURE", entName: "Admins", privilege: "ADMIN", ocsf: schemas.Ocsf{ClassUID: 3006, ActivityID: 3}})
	check(t, evs[3], want{action: "ACCESS_GRANT", entName: "s3-all", privilege: "WRITE", wildcard: true})
	check(t, evs[4], want{action: "ACCESS_GRANT", entName: "ReadOnlyAccess", privilege: "READ", refs: []string{"RITM0020001"}})
}

func TestAnalyzePolicy(t *testing.T) {
	cases := []struct {
		doc  string
		want PolicyGrants
	}{
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, PolicyGrants{Wildcard: true, FullAdmin: true}},
		{`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`, PolicyGrants{Wildcard: true, FullAdmin: true}},
		{`{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::b/*"}]}`, PolicyGrants{ReadOnly: true}},
		{`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, PolicyGrants{DenyOnly: true}},
		{`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, PolicyGrants{Wildcard: true, Principals: []string{"*"}}},
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root"],"Service":"lambda.amazonaws.com"},"Action":"sqs:SendMessage"}]}`,
			PolicyGrants{Principals: []string{"arn:aws:iam::444455556666:root"}}},
		{`not json`, PolicyGrants{}},
	}
	for _, c := range cases {
		got := AnalyzePolicy(c.doc)
		if got.Wildcard != c.want.Wildcard || got.FullAdmin != c.want.FullAdmin || got.DenyOnly != c.want.DenyOnly ||
			got.ReadOnly != c.want.ReadOnly || strings.Join(got.Principals, " ") != strings.Join(c.want.Principals, " ") {
			t.Errorf("AnalyzePolicy(%s) = %+v, want %+v", c.doc, got, c.want)
		}
	}
}

func TestWorkspaceMultipleEvents(t *testing.T) {
	evs := parseFile(t, SourceGoogleWorkspace, "workspace_multi.json")
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3", len(evs))
	}
	ids := map[string]bool{}
	for _, e := range evs {
		ids[e.EventID] = true
		if !strings.HasPrefix(e.EventID, "google_workspace:-4412345678901234567:") {
			t.Errorf("event_id %q does not carry the uniqueQualifier", e.EventID)
		}
	}
	if len(ids) != 3 {
		t.Errorf("event ids not distinct: %v", ids)
	}
	check(t, evs[0], want{action: "ACCESS_GRANT", actor: "gadmin@example.org", subject: "j.doe@example.org", entName: "_SEED_ADMIN_ROLE", privilege: "ADMIN"})
	check(t, evs[1], want{action: "MFA_RESET", subject: "j.doe@example.org"})
	check(t, evs[2], want{action: "ACCESS_GRANT", subject: "deployer@proj.iam.gserviceaccount.com", subjectType: "NHI", entName: "Finance@example.org"})
}

func TestServiceNow(t *testing.T) {
	evs := parseFile(t, SourceServiceNow, "servicenow_ritm.json")
	e := evs[0]
	check(t, e, want{id: "servicenow:7c1e9d3f1b2a4c10a8e0f2b3c4d5e6f7:2025-05-14 08:30:00", action: "TICKET_APPROVED", subject: "j.doe@example.org", refs: []string{"REQ0010040"}})
	tk := e.Ticket
	if tk == nil || tk.ID != "RITM0010042" || tk.Kind != schemas.TicketServiceRequest || tk.Approval != schemas.ApprovalApproved {
		t.Fatalf("ticket = %+v", tk)
	}
	if derefString(tk.RequestedEntitlement) != "finance-approvers" || derefString(tk.Justification) != "Q2 close" {
		t.Errorf("variables not read: %+v", tk)
	}
	if tk.IdentityVerified == nil || !*tk.IdentityVerified || tk.ReviewDue == nil || tk.AccessExpires == nil || tk.ApprovedAt == nil {
		t.Errorf("dates/flags not read: %+v", tk)
	}
	if tk.Approver == nil || tk.Approver.ID != "manager@example.org" || derefString(tk.RequestType) != "Request Okta group access" {
		t.Errorf("approver/request type: %+v", tk)
	}
	if e.Category != schemas.CategoryTicket || !e.OccurredAt.Equal(time.Date(2025, 5, 14, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("category %s occurred %v", e.Category, e.OccurredAt)
	}

	evs = parseFile(t, SourceServiceNow, "servicenow_change.json")
	if len(evs) != 2 {
		t.Fatalf("got %d", len(evs))
	}
	if c := evs[0].Ticket; !c.Emergency || c.Kind != schemas.TicketChange || c.Requester == nil || c.Requester.ID != "ops.admin@example.org" {
		t.Errorf("emergency change = %+v", c)
	}
	check(t, evs[0], want{action: "TICKET_APPROVED", refs: []string{"INC0040001"}})
	check(t, evs[1], want{action: "TICKET_CLOSED", subject: "j.doe@example.org"})
	if i := evs[1].Ticket; i.Kind != schemas.TicketIncident || i.IdentityVerified == nil || !*i.IdentityVerified || i.Emergency {
		t.Errorf("incident = %+v", i)
	}
}

func TestServiceNowEachUpdateIsAnEvent(t *testing.T) {
	a := `{"sys_id":"s1","number":"INC0000001","state":"1","sys_updated_on":"2025-05-14 10:00:00","sys_created_on":"2025-05-14 10:00:00"}`
	b := `{"sys_id":"s1","number":"INC0000001","state":"2","sys_updated_on":"2025-05-14 11:00:00","sys_created_on":"2025-05-14 10:00:00"}`
	ea, _ := ParseServiceNow([]byte(a), testNow)
	eb, _ := ParseServiceNow([]byte(b), testNow)
	if ea[0].EventID == eb[0].EventID || ea[0].Action != schemas.ActionTicketOpened || eb[0].Action != schemas.ActionTicketUpdated {
		t.Errorf("got %s %s / %s %s", ea[0].EventID, ea[0].Action, eb[0].EventID, eb[0].Action)
	}
}

// A request item of an access review catalog item (or one whose short description starts
// "Access review") is a review ticket; one that only mentions reviews is not.
func TestServiceNowAccessReviewTickets(t *testing.T) {
	for body, want := range map[string]schemas.TicketKind{
		`{"sys_id":"r1","number":"RITM0010001","sys_class_name":"sc_req_item","cat_item":{"value":"c1","display_value":"Quarterly Access Review"},"approval":"approved","sys_updated_on":"2026-11-02 10:00:00"}`: schemas.TicketAccessReview,
		`{"sys_id":"r2","number":"SCTASK0010002","sys_class_name":"sc_task","short_description":"Access certification: j.doe - finance-admins","sys_updated_on":"2026-11-02 10:00:00"}`:                          schemas.TicketAccessReview,
		`{"sys_id":"r3","number":"RITM0010003","sys_class_name":"sc_req_item","short_description":"Install the access review tool on my laptop","sys_updated_on":"2026-11-02 10:00:00"}`:                         schemas.TicketServiceRequest,
		`{"sys_id":"r4","number":"INC0010004","sys_class_name":"incident","short_description":"Access review page is down","category":"access review","sys_updated_on":"2026-11-02 10:00:00"}`:                   schemas.TicketIncident,
	} {
		evs, err := ParseServiceNow([]byte(body), testNow)
		if err != nil || len(evs) != 1 || evs[0].Ticket == nil {
			t.Fatalf("%s: %v", body, err)
		}
		if evs[0].Ticket.Kind != want {
			t.Errorf("%s: kind %s, want %s", evs[0].Ticket.ID, evs[0].Ticket.Kind, want)
		}
	}
}

// An Okta app assignment names the person's username in the app (its AppUser target), and a
// SAML sign-on the subject it asserted: both become the app_user attribute.
func TestOktaAppUserNames(t *testing.T) {
	assign := `{"uuid":"a1","published":"2026-11-02T10:00:00.000Z","eventType":"application.user_membership.add","displayMessage":"Add user to application membership",
	"outcome":{"result":"SUCCESS"},"actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@corp.example"},
	"target":[{"id":"0ua1","type":"AppUser","alternateId":"Ann.Lee@corp-mail.example","displayName":"Ann Lee"},
	{"id":"0oa1","type":"AppInstance","alternateId":"Google Workspace","displayName":"Google Workspace"},
	{"id":"00u1ann","type":"User","alternateId":"ann@corp.example","displayName":"Ann Lee"}]}`
	sso := `{"uuid":"s1","published":"2026-11-02T11:00:00.000Z","eventType":"user.authentication.sso","displayMessage":"User single sign on to app",
	"outcome":{"result":"SUCCESS"},"actor":{"id":"00u1ann","type":"User","alternateId":"ann@corp.example"},
	"debugContext":{"debugData":{"subject":"ann.lee@corp-mail.example","signOnMode":"SAML 2.0"}},
	"target":[{"id":"0oa1","type":"AppInstance","alternateId":"Google Workspace","displayName":"Google Workspace"}]}`
	for _, body := range []string{assign, sso} {
		evs, err := ParseOkta([]byte(body), testNow)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %d", err, len(evs))
		}
		if got := strings.ToLower(evs[0].Attributes["app_user"]); got != "ann.lee@corp-mail.example" {
			t.Errorf("%s: app_user %q", evs[0].SourceEventType, got)
		}
	}
}

func TestJira(t *testing.T) {
	body, _ := os.ReadFile("testdata/jira_updated.json")
	// The configured field id is wrong on purpose: the request type is found by its shape.
	evs, err := JiraParser{RequestTypeField: "customfield_10010"}.Parse(body, testNow)
	if err != nil {
		t.Fatal(err)
	}
	e := evs[0]
	check(t, e, want{id: "jira_sm:10442:cl55001", action: "TICKET_APPROVED", actor: "manager@example.org", subject: "j.doe@example.org", refs: []string{"OPS-17"}})
	tk := e.Ticket
	if tk.ID != "ITS-442" || tk.Kind != schemas.TicketServiceRequest || tk.Approval != schemas.ApprovalApproved || derefString(tk.RequestType) != "Request group access" || tk.ApprovedAt == nil {
		t.Errorf("ticket = %+v", tk)
	}
	if !e.OccurredAt.Equal(time.UnixMilli(1747213964123).UTC()) {
		t.Errorf("occurred_at = %v", e.OccurredAt)
	}
	created := `{"timestamp":1747213964000,"webhookEvent":"jira:issue_created","issue":{"id":"1","key":"ITS-1","fields":{"issuetype":{"name":"Emergency Change"},"status":{"name":"Waiting for approval"}}}}`
	evs, err = JiraParser{RequestTypeField: DefaultJiraRequestTypeField}.Parse([]byte(created), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if tk := evs[0].Ticket; evs[0].Action != schemas.ActionTicketOpened || !tk.Emergency || tk.Kind != schemas.TicketChange || tk.Approval != schemas.ApprovalPending {
		t.Errorf("created = %s %+v", evs[0].Action, tk)
	}
}

func TestGeneric(t *testing.T) {
	evs := parseFile(t, SourceGeneric, "generic_cloudevent.json")
	check(t, evs[0], want{id: "generic:evt-1", action: "ACCOUNT_DISABLE", subject: "j.doe@example.org", ocsf: schemas.Ocsf{ClassUID: 3001, ActivityID: 5}})
	if !evs[0].OccurredAt.Equal(time.Date(2025, 5, 14, 13, 0, 0, 0, time.UTC)) || evs[0].Attributes["ce_source"] != "/hr/workday" {
		t.Errorf("event = %+v", evs[0])
	}
	canon, _ := json.Marshal([]schemas.IdentityEvent{evs[0], evs[0]})
	again, err := ParseGeneric(canon, testNow)
	if err != nil || len(again) != 2 || again[0].EventID != "generic:evt-1" {
		t.Fatalf("round trip: %v %d", err, len(again))
	}
	bad := []struct{ body, want string }{
		{`{"event_id":"x","action":"NOPE","source":"GENERIC"}`, "action"},
		{`{"event_id":"x","source":"GENERIC"}`, "action"},
		{`{"action":"READ"}`, "event_id"},
		{`{"event_id":"x","action":"READ","surprise":1}`, "surprise"},
		{`{"specversion":"0.3","id":"1","source":"s","type":"t","data":{}}`, "specversion"},
	}
	for _, b := range bad {
		_, err := ParseGeneric([]byte(b.body), testNow)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseGeneric(%s) = %v, want error about %s", b.body, err, b.want)
		}
	}
}

func TestBadInputNamesIndex(t *testing.T) {
	body := `{"data":{"events":[{"uuid":"a","eventType":"user.session.start"},{"uuid":"b"}]}}`
	_, err := ParseOkta([]byte(body), testNow)
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != 1 || !errors.Is(err, ErrMissingField) {
		t.Fatalf("err = %v", err)
	}
	for src, p := range Parsers(ParserOptions{}) {
		if _, err := p.Parse([]byte(`{"broken"`), testNow); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: malformed body: %v", src, err)
		}
		if _, err := p.Parse([]byte(`42`), testNow); err == nil {
			t.Errorf("%s: number body accepted", src)
		}
	}
}

func TestTicketRefs(t *testing.T) {
	got := TicketRefs("see INC0012345, RITM0010042 and CHG0030001 / SCTASK0001234 REQ0000123; ABC-123 fixed; UTF-8 and SHA-256, ISO-8601, CVE-2024-1234 are not tickets; INC0012345 again")
	want := []string{"INC0012345", "RITM0010042", "CHG0030001", "SCTASK0001234", "REQ0000123", "ABC-123"}
	if !slices.Equal(got, want) {
		t.Errorf("TicketRefs = %v, want %v", got, want)
	}
}

func TestRedact(t *testing.T) {
	in := `{"a":{"client_secret":"x","Authorization":"Bearer y","nested":[{"sessionToken":"z","cookie":"c","privateKey":"k"}]},"requestApiTokenId":"keep","passwordResetRequired":true,"user":"keep"}`
	out := string(Redact([]byte(in)))
	for _, s := range []string{`"x"`, "Bearer", `"z"`, `"c"`, `"k"`} {
		if strings.Contains(out, s) {
			t.Errorf("secret %s survived: %s", s, out)
		}
	}
	for _, s := range []string{`"keep"`, `"passwordResetRequired":true`} {
		if !strings.Contains(out, s) {
			t.Errorf("%s lost: %s", s, out)
		}
	}
}

func TestTimestampFallback(t *testing.T) {
	for _, ts := range []string{`"published":"redacted",`, ``} {
		body := `{"uuid":"u",` + ts + `"eventType":"user.session.start"}`
		evs, err := ParseOkta([]byte(body), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if !evs[0].OccurredAt.Equal(testNow) || evs[0].Attributes[AttrOccurredAtFallback] != "true" {
			t.Errorf("%s: occurred_at %v attrs %v", body, evs[0].OccurredAt, evs[0].Attributes)
		}
	}
}

func TestEventIDStableWithoutSourceID(t *testing.T) {
	body := []byte(`{"eventType":"user.session.start","published":"2025-01-01T00:00:00Z"}`)
	a, _ := ParseOkta(body, testNow)
	b, _ := ParseOkta([]byte(`{ "eventType": "user.session.start", "published": "2025-01-01T00:00:00Z" }`), testNow.Add(time.Hour))
	if a[0].EventID != b[0].EventID || !strings.HasPrefix(a[0].EventID, "okta:sha256-") {
		t.Errorf("ids %s %s", a[0].EventID, b[0].EventID)
	}
}

func TestPrivilegeOf(t *testing.T) {
	for name, want := range map[string]schemas.Privilege{
		"AdministratorAccess": "ADMIN", "IAMFullAccess": "ADMIN", "Global Administrator": "ADMIN", "_SEED_ADMIN_ROLE": "ADMIN",
		"_GROUPS_ADMIN_ROLE": "ADMIN", "Super administrator": "ADMIN", "ReadOnlyAccess": "READ", "Reader": "READ", "*": "ADMIN",
		"finance-approvers": "UNKNOWN", "": "UNKNOWN",
	} {
		if got := PrivilegeOf(name); got != want {
			t.Errorf("PrivilegeOf(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestOcsfTableCoversActions(t *testing.T) {
	for a := range validActions {
		if strings.HasPrefix(a, "TICKET_") {
			continue
		}
		if OcsfFor(schemas.Action(a), "", schemas.PrivilegeUnknown).ClassUID == 0 {
			t.Errorf("no OCSF class for %s", a)
		}
	}
}
