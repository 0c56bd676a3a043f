package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

// committed is the generated catalogue in the repository.
const committed = "../../../ingest/catalog/data/entra-audit-activities.tsv"

func TestParseReference(t *testing.T) {
	f, err := os.Open("testdata/reference-excerpt.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := parseReference(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"Account provisioning", "ProvisioningManagement", "Add provisioning configuration"},
		{"Account provisioning", "ProvisioningManagement", "Other"},
		{"Application proxy", "Application Management", "Add application"},
		{"Core Directory", "ApplicationManagement", "Add application"},
		{"Core Directory", "ApplicationManagement", "Update application - Certificates and secrets management"},
		{"Core Directory", "RoleManagement", "Add member to role"},
		{"Microsoft Entra ID Protection (Identity Protection)", "Other", "ConfirmCompromised"},
		{"Entitlement Management", "EntitlementManagement", "Fulfill access package resource assignment"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n%v\nwant\n%v", rows, want)
	}
	entries, _ := build(rows)
	keys := map[string]catalog.Entry{}
	for _, e := range entries {
		keys[e.Key] = e
	}
	// "Application Management" and "ApplicationManagement" fold to one key that names
	// both services; the activity has its own entry too.
	e, ok := keys["applicationmanagement/add application"]
	if !ok || e.Action != acctCreate || !strings.Contains(e.Note, "Application proxy; Core Directory") {
		t.Errorf("applicationmanagement/add application = %+v", e)
	}
	if e := keys["add application"]; e.Action != acctCreate {
		t.Errorf("add application = %+v", e)
	}
	if e := keys["rolemanagement/add member to role"]; e.Action != grant || e.Kind != kRole || e.Class != "RoleManagement" {
		t.Errorf("rolemanagement/add member to role = %+v", e)
	}
	if frontMatterDate("ms.date: 10/04/2024\n") != "2024-10-04" {
		t.Error("ms.date not read")
	}
}

// loadCommitted reads the committed catalogue and recovers each entry's folded category
// (empty for an activity-alone entry) and activity. Activity names contain "/", so a key is
// a category's only when what precedes its first "/" is a category some entry's class names.
func loadCommitted(t *testing.T) (*catalog.Catalogue, func(catalog.Entry) (string, string)) {
	t.Helper()
	b, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(committed, string(b))
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]bool{}
	for _, e := range c.Entries() {
		for _, cl := range strings.Split(e.Class, ",") {
			cats[normCategory(cl)] = true
		}
	}
	split := func(e catalog.Entry) (string, string) {
		if cat, act, ok := strings.Cut(e.Key, "/"); ok && cats[cat] && !strings.Contains(e.Class, ",") && normCategory(e.Class) == cat {
			return cat, act
		}
		return "", e.Key
	}
	return c, split
}

// TestCommittedCatalogueIsCurrent: the committed file says what the rules say (a rule edited
// without regenerating fails here), every rule decides some entry, and every key is folded.
func TestCommittedCatalogueIsCurrent(t *testing.T) {
	c, split := loadCommitted(t)
	if n := len(c.Entries()); n < 1500 {
		t.Fatalf("only %d entries", n)
	}
	hits := map[int]int{}
	unknowns := 0
	for _, e := range c.Entries() {
		cat, act := split(e)
		if act != normActivity(act) || strings.HasSuffix(e.Key, "*") {
			t.Errorf("key %q is not a folded exact activity", e.Key)
		}
		res, idx := classify(cat, act)
		hits[idx]++
		if res.Action != e.Action || res.Kind != e.Kind || res.Privilege != e.Privilege || string(res.Category) != string(e.Category) && !(res.Category == "" && e.Category == "IAM") {
			t.Errorf("%q: committed %s %s %s %s, the rules say %+v: regenerate", e.Key, e.Action, e.Category, e.Kind, e.Privilege, res)
		}
		if !strings.HasPrefix(e.Note, res.Why) {
			t.Errorf("%q: note %q does not start with the rule's reason %q", e.Key, e.Note, res.Why)
		}
		if e.Action == catalog.Unknown {
			unknowns++
		}
	}
	if hits[-1] > 0 {
		t.Errorf("%d entries no rule classifies", hits[-1])
	}
	if dead := unreachable(hits); len(dead) > 0 {
		t.Errorf("rules that decide no entry: %s", strings.Join(dead, "; "))
	}
	if unknowns*100 > len(c.Entries()) {
		t.Errorf("%d of %d entries are UNKNOWN: UNKNOWN must stay rare", unknowns, len(c.Entries()))
	}
}

// TestSupplementsSayWhereTheyWereSeen: each supplement is listed once and names its source.
func TestSupplementsSayWhereTheyWereSeen(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range supplements {
		k := normCategory(s.Category) + "/" + normActivity(s.Activity)
		if seen[k] {
			t.Errorf("supplement %q listed twice", k)
		}
		seen[k] = true
		if s.Source == "" {
			t.Errorf("supplement %q says not where it was seen", k)
		}
	}
}
