package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// snValue is a ServiceNow field: a plain value, or {value, display_value, link} when the
// sender used sysparm_display_value=all.
type snValue struct {
	Value   string
	Display string
}

// UnmarshalJSON accepts strings, numbers, booleans, null and the {value,display_value}
// object.
func (v *snValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '{':
		var o struct {
			Value   json.RawMessage `json:"value"`
			Display json.RawMessage `json:"display_value"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		v.Value, v.Display = rawScalar(o.Value), rawScalar(o.Display)
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, &v.Value)
	case b[0] == 't' || b[0] == 'f':
		var x bool
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		v.Value = strconv.FormatBool(x)
		return nil
	case b[0] == '[':
		return nil // list fields (watch lists…) are not read
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		v.Value = n.String()
		return nil
	}
}

// text is the display value when the sender gave one, else the raw value.
func (v snValue) text() string {
	if v.Display != "" {
		return v.Display
	}
	return v.Value
}

// snTicketKinds maps sys_class_name to the ticket kind.
var snTicketKinds = map[string]schemas.TicketKind{
	"incident":       schemas.TicketIncident,
	"sc_request":     schemas.TicketServiceRequest,
	"sc_req_item":    schemas.TicketServiceRequest,
	"sc_task":        schemas.TicketServiceRequest,
	"change_request": schemas.TicketChange,
	"change_task":    schemas.TicketChange,
	"problem":        schemas.TicketIncident, // break-fix work, as JSM's problem type
	"problem_task":   schemas.TicketIncident,
}

// snTicketTables are the task tables whose records are tickets. A record of another table
// (a CMDB item, a knowledge article, a user) is not a ticket: the parser reads the two
// tables that hold access (group membership and role assignment) as grants and every other
// one as a change of no one's access, instead of inventing a ticket.
var snTicketTables = map[string]bool{"task": true, "sysapproval_approver": true}

// isTicketTable reports whether records of table are tickets; an unnamed table is assumed
// to be one (a ticket payload without sys_class_name).
func isTicketTable(table string) bool {
	if table == "" || snTicketTables[table] {
		return true
	}
	_, ok := snTicketKinds[table]
	return ok
}

// snNumberPrefixes infer the table from the number when sys_class_name is absent.
var snNumberPrefixes = map[string]string{"INC": "incident", "REQ": "sc_request", "RITM": "sc_req_item", "SCTASK": "sc_task", "CHG": "change_request", "CTASK": "change_task",
	"PRB": "problem", "PTASK": "problem_task"}

// snApprovals maps the approval field.
var snApprovals = map[string]schemas.Approval{
	"approved":          schemas.ApprovalApproved,
	"rejected":          schemas.ApprovalRejected,
	"requested":         schemas.ApprovalPending,
	"not requested":     schemas.ApprovalNotRequired,
	"not yet requested": schemas.ApprovalPending,
	"cancelled":         schemas.ApprovalRejected,
	"duplicate":         schemas.ApprovalRejected,
}

// snClosedStates are state codes that end a ticket, per table (the out-of-box state
// models; instances can customise them, so display values are checked too).
var snClosedStates = map[string][]string{
	"incident":       {"6", "7", "8"},
	"change_request": {"3", "4"},
	"sc_req_item":    {"3", "4", "7"},
	"sc_task":        {"3", "4", "7"},
	"sc_request":     {"3", "4", "7"},
}

// snVariableKeys name the catalog variables (and fields) that carry each governance fact;
// the first present wins.
var snVariableKeys = struct {
	Entitlement, Justification, ReviewDue, IdentityVerified, AccessExpires, Emergency, Approver []string
}{
	Entitlement:      []string{"requested_entitlement", "entitlement", "target_group", "group", "role", "requested_role", "application", "requested_access", "access"},
	Justification:    []string{"justification", "business_justification", "reason", "business_reason"},
	ReviewDue:        []string{"review_date", "review_due", "access_review_date", "next_review"},
	IdentityVerified: []string{"identity_verified", "caller_verified", "id_verified", "identity_proofed"},
	AccessExpires:    []string{"access_expires", "access_expiry", "expiry_date", "expiration_date", "access_end_date", "end_date"},
	Emergency:        []string{"emergency", "break_glass", "breakglass"},
	Approver:         []string{"approver", "approved_by"},
}

// ParseServiceNow parses ServiceNow records (incident, sc_req_item, sc_task,
// change_request…): one record, an array, or a Table API response {"result": …}. Each
// update of a ticket is its own event: the id is sys_id plus sys_updated_on.
func ParseServiceNow(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return serviceNowParser.Parse(body, now)
}

var serviceNowParser = itemParser{split: serviceNowItems, one: serviceNowEvent}

func serviceNowItems(body []byte) ([]json.RawMessage, error) {
	var items []json.RawMessage
	switch firstByte(body) {
	case '[':
		return validArray(body)
	case '{':
		var env struct {
			Result json.RawMessage `json:"result"`
		}
		if err := decodeEnvelope(body, &env); err != nil {
			return nil, err
		}
		switch firstByte(env.Result) {
		case '[':
			items, _ = splitArray(env.Result)
		case '{':
			items = []json.RawMessage{env.Result}
		default:
			items = []json.RawMessage{body}
		}
	default:
		return nil, notObjectOrArray(body)
	}
	return items, nil
}

func serviceNowEvent(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var rec map[string]snValue
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	var vars map[string]snValue
	var envelope struct {
		Variables json.RawMessage `json:"variables"`
	}
	_ = json.Unmarshal(raw, &envelope)
	if firstByte(envelope.Variables) == '{' {
		if err := json.Unmarshal(envelope.Variables, &vars); err != nil {
			return nil, fmt.Errorf("%w: variables: %v", ErrShape, err)
		}
	}
	field := func(name string) snValue { return rec[name] }
	sysID := field("sys_id").Value
	if sysID == "" {
		return nil, missing("sys_id")
	}
	number := field("number").Value
	table := field("sys_class_name").Value
	if table == "" {
		for prefix, t := range snNumberPrefixes {
			if strings.HasPrefix(number, prefix) && (table == "" || len(prefix) > 3) {
				table = t
			}
		}
	}
	updated := field("sys_updated_on").Value
	ev := newEvent(schemas.SourceServiceNow, sysID+":"+updated, raw, now)
	ev.Category = schemas.CategoryTicket
	ev.SourceEventType = table
	setOccurredAt(&ev, now, updated, field("sys_created_on").Value)
	ev.Outcome = schemas.OutcomeSuccess
	setAttr(&ev, "sys_id", sysID)

	if table == "" && number == "" {
		// Every task-table record has a number; a record with neither a class nor a number
		// is of another table. A user and a group (or role) name a membership.
		switch {
		case field("user").Value != "" && field("group").Value != "":
			table = "sys_user_grmember"
		case field("user").Value != "" && field("role").Value != "":
			table = "sys_user_has_role"
		default:
			table = "unnamed table"
		}
		ev.SourceEventType = table
	}
	if !isTicketTable(table) {
		return []schemas.IdentityEvent{serviceNowRecord(ev, table, field)}, nil
	}

	lookup := func(keys []string) snValue {
		for _, k := range keys {
			if v, ok := vars[k]; ok && v.text() != "" {
				return v
			}
			if v, ok := rec[k]; ok && v.text() != "" {
				return v
			}
		}
		return snValue{}
	}
	person := func(name string) *schemas.Principal {
		v := field(name)
		email := field(name + ".email").Value
		if email == "" {
			email = field(name + "_email").Value
		}
		if email == "" && strings.Contains(v.Value, "@") {
			email = v.Value
		}
		return newPrincipal(schemas.SourceServiceNow, v.Value, email, v.Display, schemas.PrincipalHuman)
	}

	t := &schemas.Ticket{
		ID:       number,
		System:   "servicenow",
		Kind:     schemas.TicketOther,
		State:    field("state").text(),
		Approval: schemas.ApprovalUnknown,
	}
	if t.ID == "" {
		t.ID = sysID
	}
	if k, ok := snTicketKinds[table]; ok {
		t.Kind = k
	}
	if a, ok := snApprovals[strings.ToLower(field("approval").Value)]; ok {
		t.Approval = a
	}
	t.Requester = person("opened_by")
	if p := person("requested_by"); p != nil {
		t.Requester = p
	}
	t.RequestedFor = person("requested_for")
	if t.RequestedFor == nil {
		t.RequestedFor = person("caller_id")
	}
	if v := lookup(snVariableKeys.Approver); v.text() != "" {
		email := ""
		if strings.Contains(v.Value, "@") {
			email = v.Value
		}
		t.Approver = newPrincipal(schemas.SourceServiceNow, v.Value, email, v.Display, schemas.PrincipalHuman)
	}
	t.RequestedEntitlement = ptr(lookup(snVariableKeys.Entitlement).text())
	t.Justification = ptr(lookup(snVariableKeys.Justification).text())
	if v := lookup(snVariableKeys.IdentityVerified).Value; v != "" {
		b := truthy(v)
		t.IdentityVerified = &b
	}
	if at, ok := parseTime(lookup(snVariableKeys.ReviewDue).Value); ok {
		t.ReviewDue = &at
	}
	if at, ok := parseTime(lookup(snVariableKeys.AccessExpires).Value); ok {
		t.AccessExpires = &at
	}
	if at, ok := parseTime(field("approval_set").Value); ok {
		t.ApprovedAt = &at
	}
	if rt := field("cat_item").text(); rt != "" {
		t.RequestType = &rt
	} else if c := field("category").text(); c != "" {
		t.RequestType = &c
	}
	if t.Kind != schemas.TicketIncident && t.Kind != schemas.TicketChange &&
		snAccessReview(derefString(t.RequestType), field("short_description").text()) {
		// (a short description counts only when it starts with the words: "Access review:
		// j.doe – finance-admins", not "Install the access review tool")
		// A request item or task of an access review or certification catalog item: the
		// reviewer's decision about the access it names.
		t.Kind = schemas.TicketAccessReview
	}
	t.Emergency = strings.EqualFold(field("type").Value, "emergency") || truthy(lookup(snVariableKeys.Emergency).Value)
	ev.Ticket = t
	ev.Subject = t.RequestedFor
	ev.Actor = person("sys_updated_by")
	if ev.Actor == nil {
		ev.Actor = t.Requester
	}
	ev.Action = serviceNowAction(table, field("state"), t.Approval, field("sys_created_on").Value, updated, field("sys_mod_count").Value)

	refs := appendTicketRefs(nil, field("short_description").text(), field("description").text(), field("request").text(), field("parent").text(), derefString(t.Justification))
	for _, r := range refs {
		if r != number {
			ev.TicketRefs = append(ev.TicketRefs, r)
		}
	}
	finish(&ev)
	return []schemas.IdentityEvent{ev}, nil
}

// serviceNowRecord reads a record of a table that holds no tickets. A group membership
// (sys_user_grmember) or a role assignment (sys_user_has_role) is ServiceNow's own access:
// a grant of the group or role to the user. Any other table's record changes no one's access.
func serviceNowRecord(ev schemas.IdentityEvent, table string, field func(string) snValue) schemas.IdentityEvent {
	ev.Category = schemas.CategoryIAM
	ev.Action = schemas.ActionOther
	user := field("user")
	ev.Actor = newPrincipal(schemas.SourceServiceNow, field("sys_updated_by").Value, "", "", schemas.PrincipalHuman)
	switch table {
	case "sys_user_grmember", "sys_user_has_role":
		kind, ent := schemas.EntitlementGroup, field("group")
		if table == "sys_user_has_role" {
			kind, ent = schemas.EntitlementRole, field("role")
		}
		if user.Value != "" && ent.Value != "" {
			ev.Action = schemas.ActionAccessGrant
			ev.Subject = newPrincipal(schemas.SourceServiceNow, user.Value, "", user.Display, schemas.PrincipalHuman)
			name := ent.text()
			ev.Entitlement = &schemas.Entitlement{ID: ent.Value, Name: name, Kind: kind, Privilege: PrivilegeOf(name), System: "servicenow"}
			setAttr(&ev, "catalog_basis", "sys_class_name="+table+": a ServiceNow group membership or role assignment")
			finish(&ev)
			return ev
		}
	}
	ev.Attributes["catalog_class"] = "no_access_change"
	setAttr(&ev, "catalog_basis", "sys_class_name="+table+": not a ticket table")
	finish(&ev)
	return ev
}

// serviceNowAction decides what an update of a ticket means: closed, rejected, approved,
// opened (first version) or updated.
func serviceNowAction(table string, state snValue, approval schemas.Approval, created, updated, modCount string) schemas.Action {
	closed := false
	for _, s := range snClosedStates[table] {
		if state.Value == s {
			closed = true
		}
	}
	d := strings.ToLower(state.Display)
	if strings.HasPrefix(d, "closed") || strings.HasPrefix(d, "resolved") || strings.HasPrefix(d, "cancel") {
		closed = true
	}
	switch {
	case closed:
		return schemas.ActionTicketClosed
	case approval == schemas.ApprovalRejected:
		return schemas.ActionTicketRejected
	case approval == schemas.ApprovalApproved:
		return schemas.ActionTicketApproved
	case modCount == "0" || (created != "" && created == updated):
		return schemas.ActionTicketOpened
	default:
		return schemas.ActionTicketUpdated
	}
}

// truthy reads the yes/no forms ITSM tools use.
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "on", "verified":
		return true
	}
	return false
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// snAccessReviewWords mark a catalog item, category or short description of an access
// review (ServiceNow has no review table out of the box; instances run reviews as catalog
// requests or tasks).
var snAccessReviewWords = []string{"access review", "access certification", "user access review", "access recertification",
	"entitlement review", "privileged access review", "certification campaign"}

func snAccessReview(requestType, shortDescription string) bool {
	rt, sd := strings.ToLower(requestType), strings.ToLower(strings.TrimSpace(shortDescription))
	for _, w := range snAccessReviewWords {
		if strings.Contains(rt, w) || strings.HasPrefix(sd, w) {
			return true
		}
	}
	return false
}
