package router

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestJiraWorkIssuesAndAutomationPayloads: a Jira Software task or story on the same
// webhook changes no one's access (OBSERVE, not TRIAGE); Jira Automation's "Send web
// request" in Automation format (the issue as the body, no webhook wrapper) parses.
func TestJiraWorkIssuesAndAutomationPayloads(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	task := `{"timestamp":1764583200000,"webhookEvent":"jira:issue_updated","user":{"accountId":"5b10a2844c20165700ede21g","emailAddress":"dev@example.com"},
	 "issue":{"id":"10042","key":"WEB-17","fields":{"issuetype":{"name":"Story"},"summary":"Checkout button","status":{"name":"In Progress"},
	 "reporter":{"accountId":"5b10a2844c20165700ede21g","emailAddress":"dev@example.com"},"updated":"2026-12-01T10:00:00.000+0000"}},
	 "changelog":{"id":"20001","items":[{"field":"status","fromString":"To Do","toString":"In Progress"}]}}`
	automation := `{"self":"https://example.atlassian.net/rest/api/2/issue/11111","id":11111,"key":"ITSM-7",
	 "changelog":{"startAt":0,"maxResults":0,"total":0,"histories":null},
	 "fields":{"issuetype":{"id":22222,"name":"[System] Service request"},"summary":"Request admin access","status":{"name":"Waiting for approval"},
	 "reporter":{"accountId":"a1","emailAddress":"ann@example.com"},"updated":"2026-12-01T11:00:00.000+0000",
	 "customfield_10010":{"requestType":{"name":"Request admin access"}}}}`
	for _, c := range []struct {
		name, body string
		lane       schemas.Lane
	}{
		{"a Jira Software story", task, schemas.LaneObserve},
		{"an Automation-format request", automation, schemas.LaneServiceDesk},
	} {
		evs, err := ingest.Parsers(ingest.ParserOptions{})[ingest.SourceJiraSM].Parse([]byte(c.body), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %v", c.name, evs, err)
		}
		ev := evs[0]
		d, err := p.Decide(&ev, ev.OccurredAt)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lane != c.lane {
			t.Errorf("%s: lane %s by %s (%v), want %s; attributes %v", c.name, d.Lane, d.RuleID, d.Reasons, c.lane, ev.Attributes)
		}
	}
}
