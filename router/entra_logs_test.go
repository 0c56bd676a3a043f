package router

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestEntraOtherLogCategories: Graph activity logs and risk detections, which diagnostic
// settings stream beside the audit logs, are context (OBSERVE), not TRIAGE; an application
// created with a key is a credential event.
func TestEntraOtherLogCategories(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"records":[
	 {"time":"2026-11-30T10:00:00Z","operationName":"Microsoft Graph Activity","category":"MicrosoftGraphActivityLogs","tenantId":"t1",
	  "properties":{"requestId":"g1","requestMethod":"GET","requestUri":"https://graph.microsoft.com/v1.0/users","responseStatusCode":200,"appId":"a1","servicePrincipalId":"sp1"}},
	 {"time":"2026-11-30T10:01:00Z","operationName":"User Risk Detection","category":"UserRiskEvents","tenantId":"t1",
	  "properties":{"id":"r1","riskEventType":"unfamiliarFeatures","riskLevel":"medium","userPrincipalName":"jane.doe@contoso.example","userId":"u1"}},
	 {"time":"2026-11-30T10:02:00Z","operationName":"Create application – Certificates and secrets management ","category":"AuditLogs","tenantId":"t1",
	  "properties":{"id":"a9","category":"ApplicationManagement","activityDisplayName":"Create application – Certificates and secrets management ","result":"success",
	   "activityDateTime":"2026-11-30T10:02:00Z","loggedByService":"Core Directory",
	   "initiatedBy":{"user":{"id":"u2","userPrincipalName":"admin@contoso.example"}},
	   "targetResources":[{"id":"app1","displayName":"payroll-sync","type":"Application","modifiedProperties":[
	    {"displayName":"KeyDescription","oldValue":"[]","newValue":"[\"[KeyIdentifier=7dff0000-0000-0000-0000-000000000001,KeyType=Password,KeyUsage=Verify,DisplayName=ci]\"]"}]}]}}]}`
	evs, err := ingest.ParseEntra([]byte(body), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(evs) != 3 {
		t.Fatalf("%v %v", evs, err)
	}
	for i, want := range []schemas.Lane{schemas.LaneObserve, schemas.LaneObserve, schemas.LaneNHI} {
		ev := evs[i]
		d, err := p.Decide(&ev, ev.OccurredAt)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lane != want {
			t.Errorf("%s: lane %s by %s (%v), want %s", ev.SourceEventType, d.Lane, d.RuleID, d.Reasons, want)
		}
	}
	if evs[2].Action != schemas.ActionCredentialCreate {
		t.Errorf("application created with a key: action %s, want CREDENTIAL_CREATE", evs[2].Action)
	}
}
