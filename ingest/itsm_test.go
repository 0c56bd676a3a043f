package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// ServiceNow Table API records and a JSM webhook, shaped as the vendors document them
// (display_value objects for ServiceNow; requestType under the request-type custom field
// for JSM), carrying out-of-box item and request-type names.
const (
	snLaptop = `{"sys_class_name":{"value":"sc_req_item","display_value":"Requested Item"},"sys_id":{"value":"b1"},"number":{"value":"RITM0030001"},
	 "cat_item":{"value":"04b7e94b4f7b4200086eeed18110c7fd","display_value":"Standard Laptop"},"requested_for":{"value":"u1","display_value":"Abel Tuter"},
	 "approval":{"value":"requested"},"state":{"value":"1","display_value":"Open"},"sys_updated_on":"2026-05-14 08:30:00","sys_created_on":"2026-05-14 08:30:00"}`
	snProblem = `{"sys_class_name":{"value":"problem","display_value":"Problem"},"sys_id":{"value":"p1"},"number":{"value":"PRB0040001"},
	 "category":{"value":"software","display_value":"Software"},"state":{"value":"101","display_value":"New"},"sys_updated_on":"2026-05-14 08:30:00","sys_created_on":"2026-05-14 08:30:00"}`
	snSiteItem = `{"sys_class_name":{"value":"sc_req_item"},"sys_id":{"value":"s1"},"number":{"value":"RITM0030002"},
	 "cat_item":{"value":"x","display_value":"Get back into Workday"},"requested_for":{"value":"u2","display_value":"Beth Anglin"},
	 "approval":{"value":"not requested"},"state":{"value":"1"},"sys_updated_on":"2026-05-14 09:00:00","sys_created_on":"2026-05-14 09:00:00"}`
	jsmAdmin = `{"timestamp":1778749200000,"webhookEvent":"jira:issue_created","user":{"accountId":"712020:req","emailAddress":"j.doe@example.org"},
	 "issue":{"id":"20001","key":"ITSM-77","fields":{"issuetype":{"name":"[System] Service request with approvals"},"status":{"name":"Waiting for approval"},
	 "summary":"Admin on the build servers","reporter":{"accountId":"712020:req","emailAddress":"j.doe@example.org"},
	 "customfield_10010":{"requestType":{"id":"12","name":"Request admin access","serviceDeskId":"1"}}}}}`
)

func TestRequestTypesClassifyTickets(t *testing.T) {
	now := time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)
	site := []RequestTypeRule{{Match: "get back into *", Class: ClassRecovery}}
	ps := Parsers(ParserOptions{RequestTypes: site})
	for name, tc := range map[string]struct {
		source, body, class string
		kind                schemas.TicketKind
	}{
		"ServiceNow hardware item":         {SourceServiceNow, snLaptop, ClassNoAccess, schemas.TicketServiceRequest},
		"ServiceNow problem by category":   {SourceServiceNow, snProblem, ClassNoAccess, schemas.TicketIncident},
		"site rule before the defaults":    {SourceServiceNow, snSiteItem, ClassRecovery, schemas.TicketServiceRequest},
		"JSM out-of-box admin access type": {SourceJiraSM, jsmAdmin, ClassPrivilegedAccess, schemas.TicketServiceRequest},
	} {
		evs, err := ps[tc.source].Parse([]byte(tc.body), now)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %d events", name, err, len(evs))
		}
		if got := evs[0].Attributes[AttrITSMClass]; got != tc.class || evs[0].Ticket.Kind != tc.kind {
			t.Errorf("%s: class %q kind %s, want %q %s (rule %q)", name, got, evs[0].Ticket.Kind, tc.class, tc.kind, evs[0].Attributes[AttrITSMRule])
		}
	}
	// Without the site rule the same item is unclassified.
	evs, err := Parsers(ParserOptions{})[SourceServiceNow].Parse([]byte(snSiteItem), now)
	if err != nil || evs[0].Attributes[AttrITSMClass] != "" {
		t.Fatalf("unconfigured site item classified %q (%v)", evs[0].Attributes[AttrITSMClass], err)
	}
}

func TestValidateRequestTypes(t *testing.T) {
	if err := ValidateRequestTypes("ingest.request_types", DefaultRequestTypes); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for rules, want := range map[*[]RequestTypeRule]string{
		{{Match: "", Class: ClassAccess}}:                  "[0].match: empty",
		{{Match: "a", Class: "nope"}}:                      "[0].class",
		{{Match: "a", Class: ClassAccess, Kind: "TICKET"}}: "[0].kind",
		{{Match: "[", Class: ClassAccess}}:                 "not a glob",
	} {
		if err := ValidateRequestTypes("ingest.request_types", *rules); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", *rules, err, want)
		}
	}
}
