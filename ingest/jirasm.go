package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// jiraIssueKinds maps issue type names (lower-case, "[System] " prefix removed) to kinds;
// the JSM ITSM template defaults are Incident, Service request, Service request with
// approvals, Change and Problem.
var jiraIssueKinds = map[string]schemas.TicketKind{
	"incident":                       schemas.TicketIncident,
	"problem":                        schemas.TicketIncident,
	"service request":                schemas.TicketServiceRequest,
	"service request with approvals": schemas.TicketServiceRequest,
	"access request":                 schemas.TicketServiceRequest,
	"change":                         schemas.TicketChange,
	"emergency change":               schemas.TicketChange,
	"normal change":                  schemas.TicketChange,
	"standard change":                schemas.TicketChange,
	"access review":                  schemas.TicketAccessReview,
}

// jiraStatusApprovals maps status names (lower-case) to approval states.
var jiraStatusApprovals = map[string]schemas.Approval{
	"waiting for approval": schemas.ApprovalPending,
	"awaiting approval":    schemas.ApprovalPending,
	"pending approval":     schemas.ApprovalPending,
	"approved":             schemas.ApprovalApproved,
	"declined":             schemas.ApprovalRejected,
	"rejected":             schemas.ApprovalRejected,
	"denied":               schemas.ApprovalRejected,
}

// jiraWebhookActions maps webhookEvent to the default action before the changelog is read.
var jiraWebhookActions = map[string]schemas.Action{
	"jira:issue_created": schemas.ActionTicketOpened,
	"jira:issue_updated": schemas.ActionTicketUpdated,
	"jira:issue_deleted": schemas.ActionTicketClosed,
}

// JiraParser parses Jira Service Management webhooks (jira:issue_created|updated|deleted).
// RequestTypeField is the id of the sd-customerrequesttype custom field; a field whose value
// has the request-type shape ({requestType:{…}}) is found even when the id differs.
type JiraParser struct {
	RequestTypeField string
}

type jiraUser struct {
	AccountID    string `json:"accountId"`
	EmailAddress string `json:"emailAddress"`
	DisplayName  string `json:"displayName"`
	Name         string `json:"name"`
}

type jiraWebhook struct {
	Timestamp    json.Number `json:"timestamp"`
	WebhookEvent string      `json:"webhookEvent"`
	User         *jiraUser   `json:"user"`
	Issue        *jiraIssue  `json:"issue"`
	Changelog    *struct {
		ID    json.Number `json:"id"`
		Items []struct {
			Field      string `json:"field"`
			FieldID    string `json:"fieldId"`
			FromString string `json:"fromString"`
			ToString   string `json:"toString"`
		} `json:"items"`
	} `json:"changelog"`
}

type jiraIssue struct {
	ID     json.Number                `json:"id"`
	Key    string                     `json:"key"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// jiraWorkWords name Jira Software's issue types (Task, Sub-task, Story, Bug, Epic, and
// sites' own like "Technical Task/story"): project work, not requests to a service desk.
// An issue of such a type with no request type changes no one's access.
var jiraWorkWords = []string{"task", "story", "bug", "epic", "improvement", "feature", "spike"}

func jiraWorkType(issueType string) bool {
	for _, w := range jiraWorkWords {
		if strings.Contains(issueType, w) {
			return true
		}
	}
	return false
}

// Parse parses one webhook or an array of webhooks, all or nothing.
func (p JiraParser) Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return allOrNothing(p.ParseBatch(body, now))
}

// ParseBatch parses one webhook or an array of webhooks, item by item.
func (p JiraParser) ParseBatch(body []byte, now time.Time) (Batch, error) {
	return itemParser{split: jiraItems, one: p.event}.ParseBatch(body, now)
}

// jiraItems is an array's elements, or a bare webhook as the only item.
func jiraItems(body []byte) ([]json.RawMessage, error) {
	switch firstByte(body) {
	case '[':
		return validArray(body)
	case '{':
		return []json.RawMessage{body}, nil
	default:
		return nil, notObjectOrArray(body)
	}
}

func (p JiraParser) event(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var w jiraWebhook
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if w.Issue == nil {
		// Jira Automation's "Send web request" with the issue data in Automation format:
		// the body is the issue itself.
		var bare jiraIssue
		if json.Unmarshal(raw, &bare) == nil && bare.Key != "" && bare.Fields != nil {
			w.Issue, w.WebhookEvent = &bare, "automation:issue"
		}
	}
	if w.Issue == nil || w.Issue.ID.String() == "" {
		return nil, missing("issue.id")
	}
	version := w.Timestamp.String()
	if version == "" {
		var updated string
		if json.Unmarshal(w.Issue.Fields["updated"], &updated) == nil {
			version = updated // an automation payload has no timestamp: the issue's last update tells its versions apart
		}
	}
	if w.Changelog != nil && w.Changelog.ID.String() != "" {
		version = "cl" + w.Changelog.ID.String()
	}
	sourceID := w.Issue.ID.String()
	if version != "" {
		sourceID += ":" + version
	}
	ev := newEvent(schemas.SourceJiraSM, sourceID, raw, now)
	ev.Category = schemas.CategoryTicket
	ev.SourceEventType = w.WebhookEvent
	ev.Outcome = schemas.OutcomeSuccess
	setOccurredAt(&ev, now, w.Timestamp.String())
	action, ok := jiraWebhookActions[w.WebhookEvent]
	if !ok {
		action = schemas.ActionTicketUpdated
	}

	fields := w.Issue.Fields
	var f struct {
		IssueType *struct {
			Name string `json:"name"`
		} `json:"issuetype"`
		Status *struct {
			Name           string `json:"name"`
			StatusCategory *struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		} `json:"status"`
		Summary  string    `json:"summary"`
		Reporter *jiraUser `json:"reporter"`
		Assignee *jiraUser `json:"assignee"`
		Labels   []string  `json:"labels"`
		Priority *struct {
			Name string `json:"name"`
		} `json:"priority"`
	}
	if b, err := json.Marshal(fields); err == nil {
		_ = json.Unmarshal(b, &f) // fields of unexpected type stay empty
	}
	t := &schemas.Ticket{ID: w.Issue.Key, System: "jira_sm", Kind: schemas.TicketOther, Approval: schemas.ApprovalUnknown}
	if t.ID == "" {
		t.ID = w.Issue.ID.String()
	}
	issueType := ""
	if f.IssueType != nil {
		issueType = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f.IssueType.Name, "[System] ")))
		if k, ok := jiraIssueKinds[issueType]; ok {
			t.Kind = k
		}
	}
	if t.Kind == schemas.TicketOther && jiraWorkType(issueType) && p.requestType(fields) == "" {
		setAttr(&ev, AttrITSMClass, ClassNoAccess)
		setAttr(&ev, AttrITSMRule, "Jira Software issue type "+issueType)
	}
	statusCategory := ""
	if f.Status != nil {
		t.State = f.Status.Name
		if a, ok := jiraStatusApprovals[strings.ToLower(f.Status.Name)]; ok {
			t.Approval = a
		}
		if f.Status.StatusCategory != nil {
			statusCategory = f.Status.StatusCategory.Key
		}
	}
	if rt := p.requestType(fields); rt != "" {
		t.RequestType = &rt
	}
	if d := jiraApprovals(fields); d != "" {
		if a, ok := jiraStatusApprovals[d]; ok {
			t.Approval = a
		}
	}
	if w.Changelog != nil {
		for _, it := range w.Changelog.Items {
			if strings.EqualFold(it.Field, "status") {
				to := strings.ToLower(it.ToString)
				if a, ok := jiraStatusApprovals[to]; ok {
					t.Approval = a
					switch a {
					case schemas.ApprovalApproved:
						action = schemas.ActionTicketApproved
						at := ev.OccurredAt
						t.ApprovedAt = &at
					case schemas.ApprovalRejected:
						action = schemas.ActionTicketRejected
					}
				}
				if to == "done" || to == "closed" || to == "resolved" || to == "canceled" || to == "cancelled" {
					action = schemas.ActionTicketClosed
				}
			}
			if strings.EqualFold(it.Field, "resolution") && it.ToString != "" && action == schemas.ActionTicketUpdated {
				action = schemas.ActionTicketClosed
			}
		}
	}
	if action == schemas.ActionTicketUpdated && statusCategory == "done" {
		action = schemas.ActionTicketClosed
	}
	ev.Action = action
	t.Emergency = strings.Contains(issueType, "emergency")
	for _, l := range f.Labels {
		if ll := strings.ToLower(l); ll == "emergency" || ll == "break-glass" || ll == "breakglass" {
			t.Emergency = true
		}
	}
	t.Requester = jiraPrincipal(f.Reporter)
	t.RequestedFor = t.Requester
	description := adfText(fields["description"])
	t.Justification = ptr(description)
	ev.Ticket = t
	ev.Subject = t.RequestedFor
	ev.Actor = jiraPrincipal(w.User)
	setAttr(&ev, "summary", f.Summary)
	for _, r := range appendTicketRefs(nil, f.Summary, description) {
		if r != t.ID {
			ev.TicketRefs = append(ev.TicketRefs, r)
		}
	}
	finish(&ev)
	return []schemas.IdentityEvent{ev}, nil
}

// requestType reads the JSM request type from the configured field, or from any field
// whose value has the sd-customerrequesttype shape.
func (p JiraParser) requestType(fields map[string]json.RawMessage) string {
	type rtValue struct {
		RequestType *struct {
			Name string `json:"name"`
		} `json:"requestType"`
	}
	read := func(raw json.RawMessage) string {
		var v rtValue
		if firstByte(raw) != '{' || json.Unmarshal(raw, &v) != nil || v.RequestType == nil {
			return ""
		}
		return v.RequestType.Name
	}
	if name := read(fields[p.RequestTypeField]); name != "" {
		return name
	}
	for k, raw := range fields {
		if strings.HasPrefix(k, "customfield_") {
			if name := read(raw); name != "" {
				return name
			}
		}
	}
	return ""
}

// jiraApprovals reads the final decision of the JSM approvals field (an array of
// {finalDecision, approvers}), wherever it is.
func jiraApprovals(fields map[string]json.RawMessage) string {
	for k, raw := range fields {
		if !strings.HasPrefix(k, "customfield_") || firstByte(raw) != '[' {
			continue
		}
		var approvals []struct {
			FinalDecision string `json:"finalDecision"`
		}
		if json.Unmarshal(raw, &approvals) != nil || len(approvals) == 0 {
			continue
		}
		if d := approvals[len(approvals)-1].FinalDecision; d != "" {
			return strings.ToLower(d)
		}
	}
	return ""
}

func jiraPrincipal(u *jiraUser) *schemas.Principal {
	if u == nil {
		return nil
	}
	id := u.AccountID
	if id == "" {
		id = u.Name
	}
	return newPrincipal(schemas.SourceJiraSM, id, u.EmailAddress, u.DisplayName, schemas.PrincipalHuman)
}

// adfText returns the plain text of a Jira description: a string (API v2) or an Atlassian
// Document Format tree (API v3).
func adfText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var node any
	if json.Unmarshal(raw, &node) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(n any) {
		switch t := n.(type) {
		case map[string]any:
			if txt, ok := t["text"].(string); ok {
				b.WriteString(txt)
				b.WriteByte(' ')
			}
			walk(t["content"])
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(node)
	return strings.TrimSpace(b.String())
}
