package router

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestServiceNowRecordsOfOtherTables: a ServiceNow feed that carries any table's records
// (a CMDB item, a user, a knowledge article) makes no ticket of them; a group membership
// or role assignment record is ServiceNow's own access, a grant; a problem is break-fix.
func TestServiceNowRecordsOfOtherTables(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	rec := func(class, number, extra string) string {
		return `{"sys_class_name":{"value":"` + class + `"},"sys_id":{"value":"id-` + class + `"},"number":{"value":"` + number + `"},` +
			`"sys_updated_on":{"value":"2026-11-30 10:00:00"},"sys_created_on":{"value":"2026-11-30 10:00:00"},"sys_updated_by":{"value":"admin"}` + extra + `}`
	}
	for _, c := range []struct {
		name, body string
		lane       schemas.Lane
		category   schemas.Category
		action     schemas.Action
		subject    string
	}{
		{"a CMDB server", rec("cmdb_ci_server", "", `,"name":{"value":"web01"}`), schemas.LaneObserve, schemas.CategoryIAM, schemas.ActionOther, ""},
		{"a knowledge article", rec("kb_knowledge", "KB0000011", `,"short_description":{"value":"How to reset"}`), schemas.LaneObserve, schemas.CategoryIAM, schemas.ActionOther, ""},
		{"a user record", rec("sys_user", "", `,"user_name":{"value":"abel.tuter"}`), schemas.LaneObserve, schemas.CategoryIAM, schemas.ActionOther, ""},
		{"a group membership", rec("sys_user_grmember", "", `,"user":{"value":"abel.tuter@example.com","display_value":"Abel Tuter"},"group":{"value":"g1","display_value":"ITSM App-Dev"}`),
			schemas.LaneServiceDesk, schemas.CategoryIAM, schemas.ActionAccessGrant, "abel.tuter@example.com"},
		{"a membership record with no class or number", `{"sys_id":{"value":"m1"},"sys_updated_on":{"value":"2026-11-30 10:00:00"},"user":{"value":"u1","display_value":"Arron Ubhi"},"group":{"value":"g1","display_value":"ITSM App-Dev"}}`,
			schemas.LaneServiceDesk, schemas.CategoryIAM, schemas.ActionAccessGrant, "servicenow:u1"},
		{"a department record with no class or number", `{"sys_id":{"value":"d1"},"sys_updated_on":{"value":"2026-11-30 10:00:00"},"name":{"value":"Finance"}}`,
			schemas.LaneObserve, schemas.CategoryIAM, schemas.ActionOther, ""},
		{"a problem", rec("problem", "PRB0000050", `,"state":{"value":"101","display_value":"New"},"opened_by":{"value":"beth.anglin@example.com"}`),
			schemas.LaneHelpDesk, schemas.CategoryTicket, schemas.ActionTicketOpened, ""},
	} {
		evs, err := ingest.ParseServiceNow([]byte(c.body), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %v", c.name, evs, err)
		}
		ev := evs[0]
		d, err := p.Decide(&ev, ev.OccurredAt)
		if err != nil {
			t.Fatal(err)
		}
		if d.Lane != c.lane || ev.Category != c.category || ev.Action != c.action {
			t.Errorf("%s: lane %s (rule %s), category %s, action %s; want %s %s %s", c.name, d.Lane, d.RuleID, ev.Category, ev.Action, c.lane, c.category, c.action)
		}
		if c.subject != "" && (ev.Subject == nil || ev.Subject.ID != c.subject) {
			t.Errorf("%s: subject %+v, want %s", c.name, ev.Subject, c.subject)
		}
	}
}
