package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/router"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestResourceSharesAreGrants: a CloudTrail resource-sharing call, parsed and routed as in
// production, is an access grant the ledgers see. An EBS snapshot made public is both
// unticketed and over-broad; an AMI shared with one outside account is unticketed.
func TestResourceSharesAreGrants(t *testing.T) {
	h := newHarness(t, nil)
	p, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	const records = `{"Records":[
	 {"eventVersion":"1.11","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","userName":"ops"},
	  "eventTime":"2026-03-02T09:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"ModifySnapshotAttribute","awsRegion":"us-east-1",
	  "requestParameters":{"snapshotId":"snap-0abc","attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"add":{"items":[{"group":"all"}]}}},
	  "eventID":"share-1","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"},
	 {"eventVersion":"1.11","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","userName":"ops"},
	  "eventTime":"2026-03-02T09:05:00Z","eventSource":"ec2.amazonaws.com","eventName":"ModifyImageAttribute","awsRegion":"us-east-1",
	  "requestParameters":{"imageId":"ami-0abc","attributeType":"launchPermission","launchPermission":{"add":{"items":[{"userId":"444455556666"}]}}},
	  "eventID":"share-2","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}]}`
	evs, err := ingest.ParseCloudTrail([]byte(records), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var routed []schemas.RoutedEvent
	for _, ev := range evs {
		d, err := p.Decide(&ev, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		routed = append(routed, schemas.RoutedEvent{Event: ev, Decision: d})
	}
	h.write(routed...)
	h.expectOpen(
		want{KindUnticketedAccessChange, "cloudtrail:public", []string{"cloudtrail:share-1"}},
		want{KindOverBroadGrant, "cloudtrail:public", []string{"cloudtrail:share-1"}},
		want{KindUnticketedAccessChange, "cloudtrail:account:444455556666", []string{"cloudtrail:share-2"}},
	)
}
