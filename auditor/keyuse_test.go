package auditor

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// CloudTrail's userIdentity.accessKeyId: a call signed with an IAM user's long-term key is a
// use of that key; NHI_UNUSED_CREDENTIAL reads it.
func TestKeyUseFromEventsFeedsUnusedCredential(t *testing.T) {
	h := newHarness(t, nil)
	svc := nhiP("arn:aws:iam::123456789012:user/svc-reports")
	const key, session = "AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"
	create := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, admin, svc, nil)
	create.Event.Credential = &schemas.Credential{ID: key, Kind: schemas.CredentialAccessKey, Owner: admin}
	call := func(at time.Time, k string) schemas.RoutedEvent {
		e := h.ev(schemas.ActionRead, at, schemas.LaneObserve, svc, nil, nil)
		e.Event.Source = schemas.SourceCloudTrail
		e.Event.Attributes = map[string]string{"access_key_id": k, "actor_type": "IAMUser"}
		return e
	}
	used := t0.Add(24 * time.Hour)
	h.write(create, call(used, key), call(used.Add(time.Hour), key))
	h.write(call(used.Add(2*time.Hour), key))        // same day, another batch
	h.write(call(t0.Add(200*24*time.Hour), session)) // a session key is not this credential
	rows, err := h.s.Query(context.Background(), "SELECT count() AS n FROM ledger_facts WHERE credential_id = '"+key+"'")
	if err != nil || rows[0].Int("n") != 2 {
		t.Fatalf("ledger facts of the key: %v %v, want 2 (its creation and one use that day)", rows, err)
	}
	sweepAt := used.Add(h.a.cfg.NHIUnusedAge + 24*time.Hour)
	h.sweep(sweepAt)
	var unused []schemas.Finding
	for _, f := range h.findings(schemas.FindingOpen) {
		if f.Kind == KindNHIUnusedCredential {
			unused = append(unused, f)
		}
	}
	if len(unused) != 1 || unused[0].Principal != svc.ID || !strings.Contains(unused[0].Summary, ts(used)) || !strings.Contains(unused[0].Summary, "owner "+admin.ID) {
		t.Fatalf("unused credential findings %+v, want one naming the last use %s", unused, ts(used))
	}
	// Using the key again resolves it at the next sweep.
	h.clock.now = sweepAt
	h.write(call(sweepAt, key))
	h.sweep(sweepAt.Add(time.Hour))
	for _, f := range h.findings(schemas.FindingOpen) {
		if f.Kind == KindNHIUnusedCredential {
			t.Fatalf("still open after a use: %+v", f)
		}
	}
}

// The same through the CloudTrail decoder: svc-deploy's calls in an unfiltered trail sign
// with its long-term key, and each names it as its principal, so each is a use of the key.
func TestKeyUseOfDecodedCloudTrail(t *testing.T) {
	body, err := os.ReadFile("../ingest/testdata/cloudtrail_trail_mix.json")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ingest.ParseCloudTrail(body, t0)
	if err != nil {
		t.Fatal(err)
	}
	uses, sessions := 0, 0
	for i := range evs {
		r := schemas.RoutedEvent{Event: evs[i]}
		if key, ok := keyUse(&r); ok {
			uses++
			if key != "AKIAEXAMPLECI" || r.Event.Actor.ID != "arn:aws:iam::111122223333:user/svc-deploy" {
				t.Fatalf("event %s: use of %q by %+v", r.Event.EventID, key, r.Event.Actor)
			}
		} else if strings.HasPrefix(r.Event.Attributes["access_key_id"], "ASIA") {
			sessions++
		}
	}
	if uses < 20 || sessions == 0 {
		t.Fatalf("%d key uses and %d session calls in the trail mix, want svc-deploy's ~36 and some sessions", uses, sessions)
	}
}

// An Entra service principal's sign-in names the keyId of the secret it used: the
// credential's last use.
func TestEntraServicePrincipalSignInIsAKeyUse(t *testing.T) {
	h := newHarness(t, nil)
	sp := nhiP("entra:9a8b7c6d-0000-1111-2222-333344445555")
	create := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, admin, sp, nil)
	create.Event.Credential = &schemas.Credential{ID: "entra:key:0f1e2d3c", Kind: schemas.CredentialClientSecret, Owner: admin}
	signIn := h.ev(schemas.ActionSignIn, t0.Add(48*time.Hour), schemas.LaneObserve, sp, sp, nil)
	signIn.Event.Source = schemas.SourceEntra
	signIn.Event.Attributes = map[string]string{"category": "ServicePrincipalSignInLogs", "credential_key_id": "0F1E2D3C"}
	h.write(create, signIn)
	rows, err := h.s.Query(context.Background(), "SELECT toUnixTimestamp64Milli(last_used_at) AS last_used_at FROM credentials FINAL WHERE credential_id = 'entra:key:0f1e2d3c'")
	if err != nil || len(rows) != 1 || !rows[0].Time("last_used_at").Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("last use of the secret: %v %v, want %s", rows, err, t0.Add(48*time.Hour))
	}
}

// An Okta call made with an API token (transaction.detail.requestApiTokenId) uses the
// token, which belongs to the actor that holds it, whoever the call was about.
func TestOktaTokenCallIsAUseOfTheActorsToken(t *testing.T) {
	h := newHarness(t, nil)
	svc := nhiP("svc-provisioning@corp.example")
	create := h.ev(schemas.ActionCredentialCreate, t0, schemas.LaneNHI, svc, nil, nil)
	create.Event.Credential = &schemas.Credential{ID: "okta:00T1abc", Kind: schemas.CredentialAPIToken, Owner: admin}
	create.Event.Subject = svc
	call := h.ev(schemas.ActionAccountCreate, t0.Add(72*time.Hour), schemas.LaneServiceDesk, svc, human("new.hire@corp.example"), nil)
	call.Event.Attributes = map[string]string{"api_token_id": "00T1abc"}
	h.write(create)
	h.write(call)
	rows, err := h.s.Query(context.Background(), "SELECT principal, toUnixTimestamp64Milli(last_used_at) AS last_used_at FROM credentials FINAL WHERE credential_id = 'okta:00T1abc'")
	if err != nil || len(rows) != 1 || rows[0].String("principal") != svc.ID || !rows[0].Time("last_used_at").Equal(t0.Add(72*time.Hour)) {
		t.Fatalf("the token's last use: %v %v", rows, err)
	}
}
