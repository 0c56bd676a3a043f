package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// committed is the generated catalogue in the repository; its keys are every event type of
// the reference it was generated from.
const committed = "../../../ingest/catalog/data/okta-event-types.tsv"

func loadCommitted(t *testing.T) *catalog.Catalogue {
	t.Helper()
	b, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(committed, string(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryRuleDecidesSomething: every rule is the first match of at least one event type of
// the reference, and every override names an event type of the reference and says something
// its family's rule does not. A rule nothing reaches is dead weight that misleads a reader.
func TestEveryRuleDecidesSomething(t *testing.T) {
	c := loadCommitted(t)
	hits := make([]int, len(rules))
	for _, e := range c.Entries() {
		if _, ok := overrides[e.Key]; ok {
			continue
		}
		for i, r := range rules {
			if matches(r.Pattern, e.Key) {
				hits[i]++
				break
			}
		}
	}
	for i, r := range rules {
		if hits[i] == 0 {
			t.Errorf("rule %d %q matches no event type that an earlier rule or an override has not already decided", i, r.Pattern)
		}
	}
	for id, o := range overrides {
		if _, ok := c.Lookup(id); !ok {
			t.Errorf("override %q is not an event type of the reference", id)
			continue
		}
		for _, r := range rules {
			if matches(r.Pattern, id) {
				if r.Action == o.Action && r.Kind == o.Kind && r.Privilege == o.Privilege && r.Category == o.Category {
					t.Errorf("override %q says what rule %q already says", id, r.Pattern)
				}
				break
			}
		}
	}
}

// TestCommittedCatalogueIsCurrent: the committed file says what the rules say, so a rule
// edited without regenerating the file fails here.
func TestCommittedCatalogueIsCurrent(t *testing.T) {
	c := loadCommitted(t)
	if len(c.Entries()) < 1000 {
		t.Fatalf("only %d entries", len(c.Entries()))
	}
	for _, e := range c.Entries() {
		if strings.HasSuffix(e.Key, "*") {
			t.Errorf("prefix entry %q: the generator writes every event type as one exact entry", e.Key)
		}
		r, ok := classify(e.Key)
		if !ok {
			t.Errorf("%s: no rule matches it any more", e.Key)
			continue
		}
		if r.Category == "" {
			r.Category = schemas.CategoryIAM // as Parse reads an empty category
		}
		if r.Action != e.Action || r.Kind != e.Kind || r.Privilege != e.Privilege || r.Category != e.Category {
			t.Errorf("%s: file says %s/%s/%s/%s, rules say %s/%s/%s/%s; regenerate the file", e.Key,
				e.Action, e.Kind, e.Privilege, e.Category, r.Action, r.Kind, r.Privilege, r.Category)
		}
		if e.Class == "" {
			t.Errorf("%s: no class (the reference's category)", e.Key)
		}
	}
}

func TestGenerateFromReference(t *testing.T) {
	out := filepath.Join(t.TempDir(), "okta.tsv")
	if err := run("testdata/event-types.json", out, "0123abc", "2026-08-21"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(out, string(b))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != Name || c.Source != "okta" || c.Version != "2026.08.1" || !strings.Contains(c.Provenance, "at commit 0123abc (2026-08-21)") {
		t.Errorf("header %+v", c)
	}
	if len(c.Entries()) != 5 {
		t.Fatalf("%d entries, want the 5 V2 event types (not the V1 one)", len(c.Entries()))
	}
	want := map[string]struct{ action, kind, priv, class, note string }{
		"group.user_membership.add":               {"ACCESS_GRANT", "GROUP", "", "ud-core", "a user was added to a group"},
		"user.account.privilege.grant":            {"ACCESS_GRANT", "ROLE", "ADMIN", "dda", "a user was given admin roles"},
		"user.privileged_account.privilege.grant": {"ACCESS_GRANT", "ROLE", "ADMIN", "ud-core", "(beta in the reference)"},
		"user.internal.risk.change":               {"NO_ACCESS_CHANGE", "", "", "itp", "(internal in the reference)"},
		"support.org.update":                      {"UNKNOWN", "", "", "insights-platform", "debugData.supportAction"},
	}
	for key, w := range want {
		e, ok := c.Lookup(key)
		if !ok || e.Key != key {
			t.Errorf("%s: no exact entry", key)
			continue
		}
		if e.Action != w.action || string(e.Kind) != w.kind || string(e.Privilege) != w.priv || e.Class != w.class || !strings.Contains(e.Note, w.note) {
			t.Errorf("%s: %+v, want %+v", key, e, w)
		}
	}
}

func TestUnclassifiedEventTypeStopsTheGenerator(t *testing.T) {
	_, err := classifyAll([]eventType{{ID: "group.user_membership.add"}, {ID: "brand_new.family.create"}})
	if err == nil || !strings.Contains(err.Error(), "brand_new.family.create") {
		t.Fatalf("err = %v, want one naming the unclassified event type", err)
	}
	if _, err := classifyAll([]eventType{{ID: "zone.update"}, {ID: "zone.update"}}); err == nil {
		t.Fatal("a duplicate event type was accepted")
	}
}
