package gen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// Payload is one vendor event in its native shape.
type Payload struct {
	// Source is the ingest source name (okta, entra, cloudtrail…).
	Source string
	// Time is the event's occurrence time.
	Time time.Time
	// EventID is the event_id ingest gives the event.
	EventID string
	// Event is the bare vendor event: one line of a `tollgate send` JSONL file.
	Event json.RawMessage
}

// Body wraps the event the way its source delivers it over HTTP (an Okta
// event hook, an Event Hubs message, or the bare record).
func (p Payload) Body() ([]byte, error) { return ingest.WrapFixture(p.Source, p.Event) }

// Normalize parses the payload with its ingest parser, exactly as a live
// delivery would be, with ingested_at equal to the event time so the result
// is deterministic.
func Normalize(p Payload) ([]schemas.IdentityEvent, error) {
	evs, err := ingest.ParseFixture(p.Source, p.Event, p.Time)
	if err != nil {
		return nil, fmt.Errorf("gen: normalize %s: %w", p.EventID, err)
	}
	return evs, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("gen: marshal payload: %v", err)) // only maps of strings and numbers reach here
	}
	return b
}

type obj = map[string]any

// --- Okta System Log ---

func oktaUser(p person) obj {
	return obj{"id": p.oktaID(), "type": "User", "alternateId": p.Email, "displayName": p.Name}
}

func oktaSvcUser(n *nhi) obj {
	return obj{"id": "00u" + hashID(n.Name, 17), "type": "User", "alternateId": n.ID(), "displayName": n.Name}
}

func oktaGroup(name string) obj {
	return obj{"id": "00g" + hashID(name, 17), "type": "UserGroup", "alternateId": "unknown", "displayName": name}
}

func (g *Generator) okta(at time.Time, eventType, message string, actor obj, targets []obj, debug obj) Payload {
	id := g.uuid()
	if targets == nil {
		targets = []obj{}
	}
	if debug == nil {
		debug = obj{}
	}
	debug["requestId"] = hashID(id, 20)
	ev := obj{
		"uuid": id, "published": at.Format("2006-01-02T15:04:05.000Z"), "eventType": eventType, "version": "0",
		"severity": "INFO", "displayMessage": message, "actor": actor, "target": targets,
		"outcome":      obj{"result": "SUCCESS"},
		"client":       obj{"ipAddress": g.ip(), "userAgent": obj{"rawUserAgent": "Mozilla/5.0"}},
		"transaction":  obj{"type": "WEB", "id": hashID(id+"tx", 20), "detail": obj{}},
		"debugContext": obj{"debugData": debug},
	}
	return Payload{Source: ingest.SourceOkta, Time: at, EventID: "okta:" + id, Event: mustJSON(ev)}
}

// --- Entra ID audit log (Event Hubs record) ---

func entraUser(p person) obj {
	return obj{"id": p.entraID(), "type": "User", "userPrincipalName": p.Email, "displayName": p.Name, "modifiedProperties": []obj{}}
}

func entraGroup(name string) obj {
	return obj{"id": guid("group:" + name), "type": "Group", "displayName": name, "modifiedProperties": []obj{}}
}

func (g *Generator) entra(at time.Time, activity, category, opType string, actor person, targets []obj, details []obj) Payload {
	id := "Directory_" + g.uuid()
	if targets == nil {
		targets = []obj{}
	}
	if details == nil {
		details = []obj{}
	}
	ts := at.Format("2006-01-02T15:04:05.0000000Z")
	props := obj{
		"id": id, "category": category, "correlationId": g.uuid(), "result": "success", "resultReason": "",
		"activityDisplayName": activity, "activityDateTime": ts, "loggedByService": "Core Directory", "operationType": opType,
		"initiatedBy":       obj{"user": obj{"id": actor.entraID(), "userPrincipalName": actor.Email, "displayName": actor.Name, "ipAddress": g.ip()}},
		"targetResources":   targets,
		"additionalDetails": details,
	}
	rec := obj{"time": ts, "resourceId": "/tenants/" + tenantID + "/providers/Microsoft.aadiam", "operationName": activity,
		"operationVersion": "1.0", "category": "AuditLogs", "tenantId": tenantID, "resultSignature": "None",
		"durationMs": 0, "callerIpAddress": g.ip(), "correlationId": props["correlationId"], "Level": 4, "properties": props}
	return Payload{Source: ingest.SourceEntra, Time: at, EventID: "entra:" + id, Event: mustJSON(rec)}
}

// --- AWS CloudTrail ---

func ctIAMUser(p person) obj {
	return obj{"type": "IAMUser", "principalId": "AIDA" + hashID(p.Local, 16), "arn": p.ARN(), "accountId": awsAcct,
		"accessKeyId": "ASIA" + hashID(p.Local+"k", 16), "userName": p.Local}
}

// ctKeyUser is the userIdentity of a call an IAM user signs with its access key key.
func ctKeyUser(n *nhi, key string) obj {
	return obj{"type": "IAMUser", "principalId": "AIDA" + hashID(n.Name, 16), "arn": n.ID(), "accountId": awsAcct,
		"accessKeyId": key, "userName": n.Name}
}

func (g *Generator) cloudtrail(at time.Time, eventName string, actor obj, params, response obj) Payload {
	id := g.uuid()
	rec := obj{
		"eventVersion": "1.09", "userIdentity": actor, "eventTime": at.Format("2006-01-02T15:04:05Z"),
		"eventSource": "iam.amazonaws.com", "eventName": eventName, "awsRegion": "us-east-1",
		"sourceIPAddress": g.ip(), "userAgent": "aws-cli/2.15.0", "requestParameters": params,
		"responseElements": response, "requestID": g.uuid(), "eventID": id, "readOnly": false,
		"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": awsAcct, "eventCategory": "Management",
	}
	if eventName == "ConsoleLogin" {
		rec["eventSource"] = "signin.amazonaws.com"
		rec["eventType"] = "AwsConsoleSignIn"
		rec["additionalEventData"] = obj{"MFAUsed": "Yes", "LoginTo": "https://console.aws.amazon.com/"}
	}
	return Payload{Source: ingest.SourceCloudTrail, Time: at, EventID: "cloudtrail:" + id, Event: mustJSON(rec)}
}

// --- Google Workspace Admin SDK activity ---

func (g *Generator) workspace(at time.Time, app, typ, name string, actorEmail string, params []obj) Payload {
	g.seq++
	q := strconv.FormatInt(int64(1e17)+int64(g.seq)*7919, 10)
	act := obj{
		"kind":      "admin#reports#activity",
		"id":        obj{"time": at.Format("2006-01-02T15:04:05.000Z"), "uniqueQualifier": q, "applicationName": app, "customerId": wsCustID},
		"actor":     obj{"callerType": "USER", "email": actorEmail, "profileId": "1" + hashID(actorEmail, 12)},
		"ipAddress": g.ip(),
		"events":    []obj{{"type": typ, "name": name, "parameters": params}},
	}
	return Payload{Source: ingest.SourceGoogleWorkspace, Time: at, EventID: "google_workspace:" + q + ":0:" + name, Event: mustJSON(act)}
}

func wsParam(name, value string) obj { return obj{"name": name, "value": value} }

// --- ServiceNow Table API records ---

func snTime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

// snTicket is one ServiceNow ticket whose successive versions the generator posts.
type snTicket struct {
	SysID, Number, Class string
	Created              time.Time
	Mods                 int
	Fields               obj
	Vars                 obj
}

func (g *Generator) newSN(class, prefix string, at time.Time, fields, vars obj) *snTicket {
	g.snSeq++
	return &snTicket{SysID: hashID(fmt.Sprintf("sn%d-%d", g.opts.Seed, g.snSeq), 32), Number: fmt.Sprintf("%s%07d", prefix, g.snSeq),
		Class: class, Created: at, Fields: fields, Vars: vars}
}

// version renders the ticket's state at `at` with extra field changes applied.
func (g *Generator) snVersion(t *snTicket, at time.Time, updatedBy string, change obj) Payload {
	for k, v := range change {
		t.Fields[k] = v
	}
	rec := obj{}
	for k, v := range t.Fields {
		rec[k] = v
	}
	rec["sys_id"], rec["number"], rec["sys_class_name"] = t.SysID, t.Number, t.Class
	rec["sys_created_on"], rec["sys_updated_on"] = snTime(t.Created), snTime(at)
	rec["sys_mod_count"] = strconv.Itoa(t.Mods)
	rec["sys_updated_by"] = updatedBy
	if len(t.Vars) > 0 {
		rec["variables"] = t.Vars
	}
	t.Mods++
	return Payload{Source: ingest.SourceServiceNow, Time: at, EventID: "servicenow:" + t.SysID + ":" + snTime(at), Event: mustJSON(rec)}
}

// --- Jira Service Management webhooks ---

func jiraUser(p person) obj {
	return obj{"accountId": "5b10" + hashID(p.Email, 20), "emailAddress": p.Email, "displayName": p.Name, "active": true}
}

type jiraIssue struct {
	ID, Key string
	Fields  obj
}

func (g *Generator) newJira(issueType, requestType, summary, description string, reporter person) *jiraIssue {
	g.jiraSeq++
	return &jiraIssue{ID: strconv.Itoa(10000 + g.jiraSeq), Key: fmt.Sprintf("%s-%d", jiraProj, g.jiraSeq), Fields: obj{
		"issuetype": obj{"name": issueType}, "summary": summary, "description": description,
		"reporter": jiraUser(reporter), "customfield_10010": obj{"requestType": obj{"name": requestType}},
		"status": obj{"name": "Waiting for support", "statusCategory": obj{"key": "new"}},
	}}
}

// jiraEvent renders a webhook; a status change (to != "") is an update with a changelog.
func (g *Generator) jiraEvent(is *jiraIssue, at time.Time, user person, from, to, category string) Payload {
	fields := obj{}
	ms := at.UnixMilli()
	w := obj{"timestamp": ms, "user": jiraUser(user)}
	id := "jira_sm:" + is.ID + ":" + strconv.FormatInt(ms, 10)
	if to == "" {
		w["webhookEvent"] = "jira:issue_created"
	} else {
		is.Fields["status"] = obj{"name": to, "statusCategory": obj{"key": category}}
		g.seq++
		cl := strconv.FormatUint(20000+g.seq, 10)
		w["webhookEvent"] = "jira:issue_updated"
		w["changelog"] = obj{"id": cl, "items": []obj{{"field": "status", "fieldId": "status", "fromString": from, "toString": to}}}
		id = "jira_sm:" + is.ID + ":cl" + cl
	}
	for k, v := range is.Fields {
		fields[k] = v
	}
	w["issue"] = obj{"id": is.ID, "key": is.Key, "fields": fields}
	return Payload{Source: ingest.SourceJiraSM, Time: at, EventID: id, Event: mustJSON(w)}
}
