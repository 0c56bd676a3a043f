package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

// TestBothReferenceShapes: AWS's own per-service document and the npm package's give the
// same access levels.
func TestBothReferenceShapes(t *testing.T) {
	awsDoc := `{"Name":"iam","Actions":[
	  {"Name":"AttachUserPolicy","Annotations":{"Properties":{"IsList":false,"IsPermissionManagement":true,"IsTaggingOnly":false,"IsWrite":true}}},
	  {"Name":"TagRole","Annotations":{"Properties":{"IsTaggingOnly":true,"IsWrite":true}}},
	  {"Name":"ListRoles","Annotations":{"Properties":{"IsList":true}}},
	  {"Name":"GetRole","Annotations":{"Properties":{}}}]}`
	pkgDoc := `{"attachuserpolicy":{"name":"AttachUserPolicy","accessLevel":"Permissions management, Write"},
	  "tagrole":{"name":"TagRole","accessLevel":"Tagging, Write"},"listroles":{"name":"ListRoles","accessLevel":"List"},
	  "getrole":{"name":"GetRole","accessLevel":"Read"}}`
	want := map[string]string{"AttachUserPolicy": levelPermissions, "TagRole": levelTagging, "ListRoles": levelList, "GetRole": levelRead}
	for name, doc := range map[string]string{"aws": awsDoc, "npm": pkgDoc} {
		acts, err := parseService("iam", []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(acts) != len(want) {
			t.Fatalf("%s: %d actions", name, len(acts))
		}
		for _, a := range acts {
			if a.Service != "iam" || want[a.Name] != a.Level {
				t.Errorf("%s: %+v, want level %q", name, a, want[a.Name])
			}
		}
	}
	if _, err := level("Sometimes"); err == nil {
		t.Error("an unknown access level was accepted")
	}
}

// TestBuildRefusesDeadRules: a rules table with an override the reference no longer has is
// an error, and patterns never turn a read into a change.
func TestBuildRefusesDeadRules(t *testing.T) {
	_, err := build([]action{{Service: "iam", Name: "GetRole", Level: levelRead}})
	if err == nil || !strings.Contains(err.Error(), "which the reference does not list") {
		t.Fatalf("build on a one-action reference: %v, want the dangling event alias named", err)
	}
	if r, ok := match("iam:GetOpenIDConnectProvider", false); ok {
		t.Errorf("a pattern matched a read: %+v", r)
	}
	if r, ok := match("iam:CreateOpenIDConnectProvider", true); !ok || r.Class != ClassWorkloadFederation {
		t.Errorf("iam:CreateOpenIDConnectProvider: %+v %v", r, ok)
	}
}

// TestEventAliasesMeanTheirAction: each CloudTrail-only event name means what the IAM
// action authorizing it means.
func TestEventAliasesMeanTheirAction(t *testing.T) {
	c := catalog.Get("aws-actions")
	for alias, target := range eventAliases {
		a, ok1 := c.Lookup(alias)
		b, ok2 := c.Lookup(target)
		if !ok1 || !ok2 || a.Action != b.Action || a.Class != b.Class {
			t.Errorf("%s = %+v (%v), %s = %+v (%v)", alias, a, ok1, target, b, ok2)
		}
	}
}

// TestCommittedCatalogueFollowsTheRules: the committed aws-actions.tsv says what the rules
// table says, so a rule edited without regenerating fails here.
func TestCommittedCatalogueFollowsTheRules(t *testing.T) {
	c := catalog.Get("aws-actions")
	for _, r := range supplements {
		if e, ok := c.Lookup(r.Key); !ok || e.Action != r.Action {
			t.Errorf("supplement %s: entry %+v (found %v), want %s", r.Key, e, ok, r.Action)
		}
	}
	for _, r := range overrides {
		matched := false
		for _, e := range c.Entries() {
			if ok, _ := filepath.Match(r.Key, e.Key); ok && e.Action == r.Action {
				matched = true
				break
			}
		}
		if !matched {
			t.Errorf("override %s (%s): no entry of the committed catalogue has its action; regenerate with go run ./scripts/catalog/aws", r.Key, r.Action)
		}
	}
	if n := len(c.Entries()); n < 20000 {
		t.Errorf("the catalogue has %d entries; the reference lists over 20,000 actions", n)
	}
}
