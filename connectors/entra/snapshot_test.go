package entra

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

const (
	janeID    = "5e7d1c2a-0000-4000-8000-00000000000a"
	bobID     = "5e7d1c2a-0000-4000-8000-00000000000b"
	carolID   = "5e7d1c2a-0000-4000-8000-00000000000c"
	billingSP = "7a1b2c3d-0000-4000-8000-0000000000b1"
	graphSP   = "7a1b2c3d-0000-4000-8000-0000000000f1"
	groupID   = "0a0b0c0d-0000-4000-8000-00000000009a"
	userAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	secretKey = "0f5c8a11-3b4d-4e6f-9a0b-1c2d3e4f5a6b"
	certKey   = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	dirRW     = "19dbc75e-c2e2-444c-a770-ec69d8559fc7"
)

// tenant loads the fake with a small tenant, shaped as Graph v1.0's reference documents
// user, servicePrincipal (keyCredential, passwordCredential), unifiedRoleDefinition,
// unifiedRoleAssignment, unifiedRoleEligibilitySchedule, group members and
// appRoleAssignment.
func tenant(f *fakeGraph) {
	f.set("users",
		map[string]any{"id": janeID, "userPrincipalName": "Jane.Doe@example.org", "mail": "jane.doe@example.org", "accountEnabled": true, "displayName": "Jane Doe"},
		map[string]any{"id": bobID, "userPrincipalName": "bob@example.org", "mail": nil, "accountEnabled": false, "displayName": "Bob Leaver"},
		map[string]any{"id": carolID, "userPrincipalName": "carol@example.org", "mail": "carol@example.org", "accountEnabled": true, "displayName": "Carol"},
	)
	f.set("servicePrincipals",
		map[string]any{"id": billingSP, "appId": "aaaa0000-0000-4000-8000-000000000001", "displayName": "billing-export", "accountEnabled": true,
			"servicePrincipalType": "Application", "appRoles": []any{},
			"keyCredentials": []any{map[string]any{"customKeyIdentifier": "52D3E4F0A1", "displayName": "CN=billing-export", "endDateTime": "2026-03-01T00:00:00Z",
				"key": nil, "keyId": certKey, "startDateTime": "2025-03-01T00:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify"}},
			"passwordCredentials": []any{map[string]any{"customKeyIdentifier": nil, "displayName": "ci secret", "endDateTime": "2025-12-31T10:00:00Z",
				"hint": "Xy~", "keyId": strings.ToUpper(secretKey), "secretText": nil, "startDateTime": "2025-01-02T10:00:00Z"}}},
		map[string]any{"id": graphSP, "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph", "accountEnabled": true,
			"servicePrincipalType": "Application", "keyCredentials": []any{}, "passwordCredentials": []any{},
			"appRoles": []any{map[string]any{"allowedMemberTypes": []any{"Application"}, "displayName": "Read and write directory data", "id": dirRW, "isEnabled": true, "value": "Directory.ReadWrite.All"}}},
	)
	f.set("servicePrincipals/"+billingSP+"/owners",
		map[string]any{"@odata.type": "#microsoft.graph.user", "id": janeID, "userPrincipalName": "Jane.Doe@example.org", "displayName": "Jane Doe"})
	f.set("roleManagement/directory/roleDefinitions",
		map[string]any{"id": GlobalAdministratorTemplate, "displayName": "Global Administrator", "templateId": GlobalAdministratorTemplate, "isBuiltIn": true},
		map[string]any{"id": userAdmin, "displayName": "User Administrator", "templateId": userAdmin, "isBuiltIn": true},
	)
	f.set("roleManagement/directory/roleAssignments",
		map[string]any{"id": "lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1", "principalId": janeID, "roleDefinitionId": GlobalAdministratorTemplate, "directoryScopeId": "/"},
		map[string]any{"id": "ra-group", "principalId": groupID, "roleDefinitionId": userAdmin, "directoryScopeId": "/"},
	)
	f.set("roleManagement/directory/roleEligibilitySchedules",
		map[string]any{"id": "e1", "principalId": bobID, "roleDefinitionId": userAdmin, "directoryScopeId": "/", "memberType": "Direct", "status": "Provisioned",
			"createdUsing": "e1", "createdDateTime": "2025-02-01T08:00:00Z", "modifiedDateTime": nil,
			"scheduleInfo": map[string]any{"startDateTime": "2025-02-01T08:00:00Z", "recurrence": nil,
				"expiration": map[string]any{"type": "afterDateTime", "endDateTime": "2025-08-01T08:00:00Z", "duration": nil}}},
		map[string]any{"id": "e2", "principalId": janeID, "roleDefinitionId": GlobalAdministratorTemplate, "directoryScopeId": "/", "memberType": "Direct", "status": "Provisioned",
			"createdDateTime": "2025-02-01T08:00:00Z", "scheduleInfo": map[string]any{"startDateTime": "2025-02-01T08:00:00Z",
				"expiration": map[string]any{"type": "noExpiration", "endDateTime": nil, "duration": nil}}},
	)
	f.set("groups", map[string]any{"id": groupID, "displayName": "Finance Admins", "groupTypes": []any{}, "securityEnabled": true})
	f.set("groups/"+groupID+"/members",
		map[string]any{"@odata.type": "#microsoft.graph.user", "id": janeID},
		map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "id": billingSP},
		map[string]any{"@odata.type": "#microsoft.graph.device", "id": "d-1"},
	)
	f.set("servicePrincipals/"+graphSP+"/appRoleAssignedTo",
		map[string]any{"id": "Xyz1", "deletedDateTime": nil, "appRoleId": dirRW, "createdDateTime": "2025-04-01T12:00:00Z",
			"principalDisplayName": "billing-export", "principalId": billingSP, "principalType": "ServicePrincipal",
			"resourceDisplayName": "Microsoft Graph", "resourceId": graphSP})
	f.set("servicePrincipals/" + billingSP + "/appRoleAssignedTo")
}

// quickClient makes the vendor client's waits instant and records them.
func quickClient(c *connectors.Client, waits *[]time.Duration) {
	c.MinBackoff, c.MaxBackoff = time.Millisecond, time.Millisecond
	c.Sleep = func(ctx context.Context, d time.Duration) bool {
		*waits = append(*waits, d)
		return ctx.Err() == nil
	}
}

func snapshot(t *testing.T, f *fakeGraph) (map[string]connectors.Holding, []time.Duration) {
	t.Helper()
	s, err := NewSnapshotter(context.Background(), f.config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	quickClient(s.Client(), &waits)
	got := map[string]connectors.Holding{}
	if err := s.Snapshot(context.Background(), func(h connectors.Holding) error {
		if _, dup := got[h.Principal.ID]; dup {
			t.Errorf("holder %s emitted twice", h.Principal.ID)
		}
		got[h.Principal.ID] = h
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got, waits
}

// eventEntitlement is what ingest parses of a Graph directoryAudit.
func eventOf(t *testing.T, audit string) schemas.IdentityEvent {
	t.Helper()
	evs, err := ingest.ParseEntra([]byte(audit), time.Now())
	if err != nil || len(evs) != 1 {
		t.Fatalf("ParseEntra: %v (%d events)", err, len(evs))
	}
	return evs[0]
}

func grantKeyed(h connectors.Holding, key string) *connectors.Grant {
	for i, g := range h.Grants {
		if schemas.EntitlementKey(g.Entitlement.System, g.Entitlement.ID, g.Entitlement.Name) == key {
			return &h.Grants[i]
		}
	}
	return nil
}

func keyOf(e *schemas.Entitlement) string { return schemas.EntitlementKey(e.System, e.ID, e.Name) }

func TestSnapshotTenant(t *testing.T) {
	f := newFakeGraph(t)
	tenant(f)
	f.fault("users", http.StatusTooManyRequests)
	f.fault("groups/"+groupID+"/members", http.StatusServiceUnavailable)
	got, waits := snapshot(t, f)

	if len(got) != 5 {
		t.Fatalf("%d holders, want 3 users and 2 service principals: %v", len(got), got)
	}
	if f.requested("users?") != 3 { // the 429, then two pages of two
		t.Errorf("users requested %d times, want 3 (429 then both pages)", f.requested("users?"))
	}
	if !containsWait(waits, 2*time.Second) {
		t.Errorf("Retry-After 2 not honoured: waits %v", waits)
	}

	jane, bob := got["jane.doe@example.org"], got["bob@example.org"]
	if jane.Status != connectors.StatusActive || bob.Status != connectors.StatusSuspended {
		t.Errorf("status jane %s bob %s, want ACTIVE and SUSPENDED", jane.Status, bob.Status)
	}
	if jane.Principal.Type != schemas.PrincipalHuman || jane.Principal.SourceID != janeID {
		t.Errorf("jane's principal %+v", jane.Principal)
	}

	// Group membership: the key of ingest's "Add member to group".
	groupEv := eventOf(t, `{"id":"Directory_1","category":"GroupManagement","result":"success","activityDisplayName":"Add member to group","activityDateTime":"2025-05-14T10:01:07Z","loggedByService":"Core Directory","operationType":"Assign",
		"initiatedBy":{"user":{"id":"9f0c","displayName":"Ops","userPrincipalName":"ops@example.org"}},
		"targetResources":[{"id":"`+janeID+`","displayName":null,"type":"User","userPrincipalName":"Jane.Doe@example.org","modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"`+groupID+`\""},{"displayName":"Group.DisplayName","oldValue":null,"newValue":"\"Finance Admins\""}]},
		{"id":"`+groupID+`","displayName":"Finance Admins","type":"Group","modifiedProperties":[]}],"additionalDetails":[]}`)
	if groupEv.Subject.ID != jane.Principal.ID {
		t.Errorf("event subject %s, snapshot holder %s", groupEv.Subject.ID, jane.Principal.ID)
	}
	if g := grantKeyed(jane, keyOf(groupEv.Entitlement)); g == nil || g.Entitlement.Kind != schemas.EntitlementGroup {
		t.Errorf("jane lacks the group grant keyed %s: %+v", keyOf(groupEv.Entitlement), jane.Grants)
	}

	// Active role: the key of ingest's "Add member to role"; Global Administrator is an admin
	// wildcard. The record lists, as Entra's do, the tenant's directoryRole object id
	// (Role.ObjectID) before the template id the snapshot keys the role by.
	roleEv := eventOf(t, `{"id":"Directory_2","category":"RoleManagement","result":"success","activityDisplayName":"Add member to role","activityDateTime":"2025-05-14T10:01:07.1234567+00:00","loggedByService":"Core Directory","operationType":"Assign",
		"initiatedBy":{"user":{"id":"9f0c","displayName":"Ops","userPrincipalName":"ops@example.org"}},
		"targetResources":[{"id":"`+janeID+`","type":"User","userPrincipalName":"jane.doe@example.org","modifiedProperties":[{"displayName":"Role.ObjectID","oldValue":null,"newValue":"\"0b2c7d4e-5f60-4a81-b9c2-d3e4f5a6b7c8\""},{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""},{"displayName":"Role.TemplateId","oldValue":null,"newValue":"\"`+GlobalAdministratorTemplate+`\""},{"displayName":"Role.WellKnownObjectName","oldValue":null,"newValue":"\"TenantAdmins\""}]}],"additionalDetails":[]}`)
	// Its removal carries the same properties in oldValue: the revocation meets the grant.
	unroleEv := eventOf(t, `{"id":"Directory_5","category":"RoleManagement","result":"success","activityDisplayName":"Remove member from role","activityDateTime":"2025-05-15T10:01:07Z","loggedByService":"Core Directory","operationType":"Unassign",
		"initiatedBy":{"user":{"id":"9f0c","displayName":"Ops","userPrincipalName":"ops@example.org"}},
		"targetResources":[{"id":"`+janeID+`","type":"User","userPrincipalName":"jane.doe@example.org","modifiedProperties":[{"displayName":"Role.ObjectID","oldValue":"\"0b2c7d4e-5f60-4a81-b9c2-d3e4f5a6b7c8\"","newValue":null},{"displayName":"Role.DisplayName","oldValue":"\"Global Administrator\"","newValue":null},{"displayName":"Role.TemplateId","oldValue":"\"`+GlobalAdministratorTemplate+`\"","newValue":null}]}],"additionalDetails":[]}`)
	if keyOf(unroleEv.Entitlement) != keyOf(roleEv.Entitlement) {
		t.Errorf("the removal is keyed %s, the grant %s", keyOf(unroleEv.Entitlement), keyOf(roleEv.Entitlement))
	}
	ga := grantKeyed(jane, keyOf(roleEv.Entitlement))
	switch {
	case ga == nil:
		t.Fatalf("jane lacks the role grant keyed %s: %+v", keyOf(roleEv.Entitlement), jane.Grants)
	case ga.Entitlement.Privilege != schemas.PrivilegeAdmin || !ga.Entitlement.Wildcard || ga.Entitlement.Kind != schemas.EntitlementRole:
		t.Errorf("Global Administrator %+v, want an ADMIN wildcard role", ga.Entitlement)
	case ga.Entitlement.Environment != nil:
		t.Errorf("jane's active assignment is listed as %s; active outranks her eligibility", *ga.Entitlement.Environment)
	}
	if len(jane.Grants) != 2 {
		t.Errorf("jane has %d grants, want the role and the group: %+v", len(jane.Grants), jane.Grants)
	}

	// PIM eligibility: the key of "Add eligible member to role", marked eligible, with its expiry.
	eligEv := eventOf(t, `{"id":"Directory_3","category":"RoleManagement","result":"success","activityDisplayName":"Add eligible member to role","activityDateTime":"2025-02-01T08:00:00Z","loggedByService":"Core Directory",
		"targetResources":[{"id":"`+bobID+`","type":"User","userPrincipalName":"bob@example.org","modifiedProperties":[{"displayName":"Role.DisplayName","newValue":"\"User Administrator\""},{"displayName":"Role.TemplateId","newValue":"\"`+userAdmin+`\""}]}]}`)
	el := grantKeyed(bob, keyOf(eligEv.Entitlement))
	if el == nil || el.Entitlement.Environment == nil || *el.Entitlement.Environment != EnvironmentEligible {
		t.Fatalf("bob's eligibility %+v, want keyed %s and marked %s", el, keyOf(eligEv.Entitlement), EnvironmentEligible)
	}
	if el.ExpiresAt == nil || !el.ExpiresAt.Equal(time.Date(2025, 8, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("bob's eligibility expires %v, want the schedule's endDateTime", el.ExpiresAt)
	}

	// The service principal: an NHI holding an app role and the group, with both credentials owned by jane.
	spEv := eventOf(t, `{"id":"Directory_4","category":"ApplicationManagement","result":"success","activityDisplayName":"Add app role assignment to service principal","activityDateTime":"2025-04-01T12:00:00Z","loggedByService":"Core Directory",
		"initiatedBy":{"user":{"id":"9f0c","userPrincipalName":"ops@example.org"}},
		"targetResources":[{"id":"`+graphSP+`","displayName":"Microsoft Graph","type":"ServicePrincipal","modifiedProperties":[
		{"displayName":"AppRole.Id","oldValue":null,"newValue":"\"`+dirRW+`\""},{"displayName":"AppRole.Value","oldValue":null,"newValue":"\"Directory.ReadWrite.All\""},
		{"displayName":"ServicePrincipal.ObjectID","oldValue":null,"newValue":"\"`+billingSP+`\""},{"displayName":"ServicePrincipal.DisplayName","oldValue":null,"newValue":"\"billing-export\""}]}]}`)
	sp, ok := got[spEv.Subject.ID]
	if !ok {
		t.Fatalf("no holder %s (the app role event's subject)", spEv.Subject.ID)
	}
	if sp.Principal.Type != schemas.PrincipalNHI {
		t.Errorf("service principal type %s, want NHI", sp.Principal.Type)
	}
	ar := grantKeyed(sp, keyOf(spEv.Entitlement))
	if ar == nil || ar.Entitlement.Privilege != spEv.Entitlement.Privilege || ar.GrantedAt == nil {
		t.Errorf("app role grant %+v, want keyed %s with privilege %s and its createdDateTime", ar, keyOf(spEv.Entitlement), spEv.Entitlement.Privilege)
	}
	if grantKeyed(sp, keyOf(groupEv.Entitlement)) == nil {
		t.Errorf("the service principal lacks its group membership: %+v", sp.Grants)
	}

	credEv := eventOf(t, `{"id":"Directory_5","category":"ApplicationManagement","result":"success","activityDisplayName":"Add service principal credentials","activityDateTime":"2025-01-02T10:00:00Z","loggedByService":"Core Directory",
		"targetResources":[{"id":"`+billingSP+`","displayName":"billing-export","type":"ServicePrincipal","modifiedProperties":[
		{"displayName":"KeyDescription","oldValue":"[]","newValue":"[\"[KeyIdentifier=`+secretKey+`,KeyType=Password,KeyUsage=Verify,DisplayName=ci secret]\"]"}]}]}`)
	if credEv.Credential == nil {
		t.Fatalf("ingest made no credential of the credential event")
	}
	creds := map[string]connectors.Credential{}
	for _, c := range sp.Credentials {
		creds[c.ID] = c
	}
	secret, ok := creds[credEv.Credential.ID]
	switch {
	case !ok:
		t.Errorf("no credential %s (ingest's id for the key) in %+v", credEv.Credential.ID, sp.Credentials)
	case secret.Kind != schemas.CredentialClientSecret || secret.ExpiresAt == nil || secret.CreatedAt == nil ||
		!secret.ExpiresAt.Equal(time.Date(2025, 12, 31, 10, 0, 0, 0, time.UTC)) || secret.Owner == nil || secret.Owner.ID != jane.Principal.ID:
		t.Errorf("client secret %+v, want CLIENT_SECRET created 2025-01-02, expiring 2025-12-31, owned by jane", secret)
	}
	cert, ok := creds["entra:key:"+certKey]
	if !ok || cert.Kind != schemas.CredentialCertificate || cert.ExpiresAt == nil {
		t.Errorf("certificate %+v, want CERTIFICATE with its endDateTime", cert)
	}

	// Through the framework: the events carry the same keys.
	res, err := connectors.RunSnapshot(context.Background(), must(NewSnapshotter(context.Background(), f.config(), nil)), &recordSink{}, time.Now, nil)
	if err != nil || res.Holders != 5 || res.Credentials != 2 {
		t.Errorf("RunSnapshot: %+v %v", res, err)
	}
}

func TestSnapshotRenewsARefusedToken(t *testing.T) {
	f := newFakeGraph(t)
	tenant(f)
	s, err := NewSnapshotter(context.Background(), f.config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	quickClient(s.Client(), &waits)
	n := 0
	if err := s.Snapshot(context.Background(), func(connectors.Holding) error {
		if n++; n == 1 {
			f.revokeAll() // not reached mid-listing; the next run meets it
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(context.Background(), func(connectors.Holding) error { return nil }); err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	if f.tokens != 2 {
		t.Errorf("%d tokens fetched, want 2 (the first, one renewal after the 401)", f.tokens)
	}

	f.secret = "rotated"
	f.revokeAll()
	err = s.Snapshot(context.Background(), func(connectors.Holding) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("a refused client secret: %v, want the OAuth error code", err)
	}
	if strings.Contains(err.Error(), "s3cret-value") || strings.Contains(err.Error(), "AADSTS") {
		t.Errorf("the error carries the secret or the endpoint's text: %v", err)
	}
}

func TestSnapshotRefusesForeignNextLink(t *testing.T) {
	f := newFakeGraph(t)
	tenant(f)
	other := newFakeGraph(t)
	s := must(NewSnapshotter(context.Background(), f.config(), nil))
	g := s.g
	if err := g.checkNext(other.srv.URL + "/v1.0/users?$skiptoken=2"); err == nil {
		t.Error("a nextLink to another host was followed")
	}
	if err := g.checkNext(f.srv.URL + "/v1.0/users?$skiptoken=2"); err != nil {
		t.Error(err)
	}
}

func containsWait(ws []time.Duration, d time.Duration) bool {
	for _, w := range ws {
		if w == d {
			return true
		}
	}
	return false
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

type recordSink struct {
	events []schemas.IdentityEvent
	after  func(n int) error
}

func (s *recordSink) Produce(_ context.Context, evs []schemas.IdentityEvent) error {
	s.events = append(s.events, evs...)
	if s.after != nil {
		return s.after(len(s.events))
	}
	return nil
}
