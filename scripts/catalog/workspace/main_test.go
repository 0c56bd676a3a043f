package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

// TestParsePage reads a trimmed copy of one appendix page: the application from the
// introduction, the type from its section, each event with its parameters.
func TestParsePage(t *testing.T) {
	b, err := os.ReadFile("testdata/admin-delegated-admin-settings.md")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePage("admin-delegated-admin-settings", string(b))
	if err != nil {
		t.Fatal(err)
	}
	if p.App != "admin" || p.Fetched != "2026-04-23" || !strings.HasSuffix(p.Source, "/appendix/activity/admin-delegated-admin-settings") {
		t.Fatalf("page = %+v", p)
	}
	var got []string
	for _, e := range p.Events {
		got = append(got, e.Key()+" "+e.Type+" "+strings.Join(e.Params, ","))
	}
	want := []string{
		"admin:ASSIGN_ROLE DELEGATED_ADMIN_SETTINGS ORG_UNIT_NAME,ROLE_NAME,USER_EMAIL",
		"admin:RENAME_ROLE DELEGATED_ADMIN_SETTINGS NEW_VALUE,ROLE_NAME",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := parsePage("x", "no application here"); err == nil {
		t.Error("a page without applicationName parsed")
	}
}

// TestRulesAgreeWithCatalogue re-derives every entry of the committed catalogue from the
// rules table (the entry's key names the application and event, its class the type), so
// a rule edited without regenerating the file fails here, and requires that every rule
// decides at least one entry: the table has no unreachable rule.
func TestRulesAgreeWithCatalogue(t *testing.T) {
	const file = "../../../ingest/catalog/data/workspace-events.tsv"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(file, string(b))
	if err != nil {
		t.Fatal(err)
	}
	used := make([]int, len(rules))
	for _, e := range c.Entries() {
		app, name, ok := strings.Cut(e.Key, ":")
		if !ok {
			t.Errorf("%s: key is not <application>:<event>", e.Key)
			continue
		}
		i, ok := match(app, e.Class, name)
		if !ok {
			t.Errorf("%s (%s): no rule matches", e.Key, e.Class)
			continue
		}
		used[i]++
		r := rules[i]
		if r.Action != e.Action || r.Kind != e.Kind || r.Privilege != e.Privilege || !strings.HasPrefix(e.Note, r.Why) {
			t.Errorf("%s: file says %s/%s/%s %q, rule %d says %s/%s/%s %q: regenerate the catalogue", e.Key, e.Action, e.Kind, e.Privilege, e.Note, i, r.Action, r.Kind, r.Privilege, r.Why)
		}
		if e.Action == catalog.Unknown && strings.TrimSpace(e.Note) == "" {
			t.Errorf("%s: UNKNOWN without a reason", e.Key)
		}
	}
	for _, u := range unusedRules(used) {
		t.Errorf("unreachable: %s decides no entry", u)
	}
	for _, s := range supplements {
		e, ok := c.Lookup(s.Key())
		if !ok || !strings.Contains(e.Note, "not in the published reference") {
			t.Errorf("supplement %s: entry %+v does not say it is not in the reference", s.Key(), e)
		}
	}
	for _, key := range []string{"admin:ASSIGN_ROLE", "login:login_success", "token:authorize", "user_accounts:password_edit", "groups:add_user", "saml:login_failure",
		"drive:change_user_access", "drive:view", "calendar:change_calendar_acls", "chat:add_room_member", "classroom:user_added_to_course",
		"keep:modified_acl", "vault:add_collaborator_end", "data_studio:CHANGE_USER_ACCESS", "data_migration:START_MIGRATION"} {
		if _, ok := c.Lookup(key); !ok {
			t.Errorf("%s is missing", key)
		}
	}
}

// TestSupplementsAreNotInTheReference: events() refuses a supplement the reference lists.
func TestSupplementsAreNotInTheReference(t *testing.T) {
	p := page{Name: "admin-x", App: "admin", Events: []event{{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "CUSTOMER_TAKEOUT_CREATED"}}}
	if _, err := events([]page{p}); err == nil {
		t.Error("a supplement the reference lists was accepted")
	}
	p.Events = []event{{App: "admin", Type: "A", Name: "X"}, {App: "admin", Type: "B", Name: "X"}}
	if _, err := events([]page{p}); err == nil {
		t.Error("one key under two types was accepted")
	}
}

// TestUnscopedPagesAreRefused: a page of the input directory that is neither in scope nor
// an index stops the generator, so a new application is never left out by accident.
func TestUnscopedPagesAreRefused(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"drive", "admin-event-names"} {
		if err := os.WriteFile(filepath.Join(dir, n+".md"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := unscopedPages(dir); err != nil {
		t.Errorf("pages in scope refused: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new-app.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unscopedPages(dir); err == nil || !strings.Contains(err.Error(), "new-app") {
		t.Errorf("an unscoped page was accepted: %v", err)
	}
}
