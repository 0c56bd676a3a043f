package ingest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// workspaceParam is one name/value parameter; value and multiValue arrive as strings or
// numbers, and boolValue as a boolean or a string, depending on the feed.
type workspaceParam struct {
	Name       looseString     `json:"name"`
	Value      looseString     `json:"value"`
	IntValue   json.RawMessage `json:"intValue"`
	BoolValue  looseString     `json:"boolValue"`
	MultiValue []looseString   `json:"multiValue"`
}

type workspaceActivity struct {
	Kind string `json:"kind"`
	ID   *struct {
		Time            looseString     `json:"time"`
		UniqueQualifier json.RawMessage `json:"uniqueQualifier"` // int64 as string, or a number
		ApplicationName looseString     `json:"applicationName"`
		CustomerID      looseString     `json:"customerId"`
	} `json:"id"`
	Actor *struct {
		CallerType looseString `json:"callerType"`
		Email      looseString `json:"email"`
		ProfileID  looseString `json:"profileId"` // a number in some feeds
		Key        looseString `json:"key"`
	} `json:"actor"`
	IPAddress looseString `json:"ipAddress"`
	Events    []struct {
		Type       looseString      `json:"type"`
		Name       looseString      `json:"name"`
		Parameters []workspaceParam `json:"parameters"`
	} `json:"events"`
}

// ParseWorkspace parses Google Workspace Reports activities: one activity, an array, or a
// list response {"items":[…]}. One activity can hold several events; each becomes its own
// IdentityEvent with an id made of the activity's uniqueQualifier and the event's index.
// What an event means comes from the workspace-events catalogue, keyed
// "<applicationName>:<event name>"; subjects, entitlements, credentials and outcome come
// from the event's parameters.
func ParseWorkspace(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return workspaceParser.Parse(body, now)
}

var workspaceParser = itemParser{
	split: func(body []byte) ([]json.RawMessage, error) { return batchItems(body, "items") },
	one:   workspaceEvents,
}

// rawScalar reads a JSON string or number as text.
func rawScalar(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// workspaceCatalogName is the catalogue of Reports API activity events, keyed
// "<applicationName>:<event name>" (ingest/catalog/data/workspace-events.tsv, generated
// by scripts/catalog/workspace from Google's Activity events appendix).
const workspaceCatalogName = "workspace-events"

// workspaceIndex finds a catalogue key for names whose case differs from the reference's,
// and for activities without id.applicationName.
type workspaceIndex struct {
	folded map[string]string   // lower-cased key → key
	byName map[string][]string // lower-cased event name → keys, admin first
}

var (
	workspaceIndexOnce sync.Once
	workspaceIdx       workspaceIndex
)

func workspaceKeys() workspaceIndex {
	workspaceIndexOnce.Do(func() {
		workspaceIdx = workspaceIndex{folded: map[string]string{}, byName: map[string][]string{}}
		for _, e := range catalog.Get(workspaceCatalogName).Entries() {
			workspaceIdx.folded[strings.ToLower(e.Key)] = e.Key
			if _, name, ok := strings.Cut(e.Key, ":"); ok {
				n := strings.ToLower(name)
				workspaceIdx.byName[n] = append(workspaceIdx.byName[n], e.Key)
			}
		}
		for _, keys := range workspaceIdx.byName {
			sort.Slice(keys, func(i, j int) bool {
				ai, aj := strings.HasPrefix(keys[i], "admin:"), strings.HasPrefix(keys[j], "admin:")
				if ai != aj {
					return ai
				}
				return keys[i] < keys[j]
			})
		}
	})
	return workspaceIdx
}

// workspaceKey is the catalogue key of an event: "<application>:<name>" as the reference
// spells it when only the case differs; for an activity without its application, the
// one application that logs the name (the admin application first).
func workspaceKey(app, name string) string {
	idx := workspaceKeys()
	if app == "" {
		if keys := idx.byName[strings.ToLower(name)]; len(keys) > 0 {
			return keys[0]
		}
		return ":" + name
	}
	key := app + ":" + name
	if k, ok := idx.folded[strings.ToLower(key)]; ok {
		return k
	}
	return key
}

func workspaceEvents(raw json.RawMessage, now time.Time) ([]schemas.IdentityEvent, error) {
	var a workspaceActivity
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShape, err)
	}
	if len(a.Events) == 0 {
		return nil, missing("events")
	}
	var qualifier, when, app string
	if a.ID != nil {
		qualifier, when, app = rawScalar(a.ID.UniqueQualifier), string(a.ID.Time), strings.ToLower(strings.TrimSpace(string(a.ID.ApplicationName)))
	}
	cat := catalog.Get(workspaceCatalogName)
	out := make([]schemas.IdentityEvent, 0, len(a.Events))
	for i, e := range a.Events {
		// Real feeds carry names with stray spaces ("suspicious_login ").
		name := strings.TrimSpace(string(e.Name))
		if name == "" {
			return nil, missing(fmt.Sprintf("events[%d].name", i))
		}
		sourceID := ""
		if qualifier != "" {
			sourceID = qualifier + ":" + strconv.Itoa(i) + ":" + name
		}
		ev := newEvent(schemas.SourceGoogleWorkspace, sourceID, raw, now)
		if sourceID == "" && len(a.Events) > 1 {
			ev.EventID += ":" + strconv.Itoa(i)
		}
		ev.SourceEventType = name
		key := workspaceKey(app, name)
		entry, ok := cat.Apply(&ev, key)
		if ok {
			ev.Action = entry.CanonicalAction()
		}
		setOccurredAt(&ev, now, when)
		setAttr(&ev, "application", app)
		setAttr(&ev, "event_category", string(e.Type))
		setAttr(&ev, "src_ip", string(a.IPAddress))
		params := workspaceParams(e.Parameters)
		ev.Outcome = workspaceOutcome(name, params)
		if a.Actor != nil {
			typ := schemas.PrincipalHuman
			if strings.EqualFold(string(a.Actor.CallerType), "KEY") || isServiceAccount(string(a.Actor.Email)) {
				typ = schemas.PrincipalNHI
			}
			id := string(a.Actor.ProfileID)
			if id == "" {
				id = string(a.Actor.Key)
			}
			ev.Actor = newPrincipal(schemas.SourceGoogleWorkspace, id, string(a.Actor.Email), "", typ)
		}
		ev.Action = workspaceRefine(name, ev.Action, params)
		ev.Subject = workspaceSubject(key, ev.Action, params, ev.Actor)
		ev.Entitlement = workspaceEntitlement(name, entry, params)
		if ev.Entitlement != nil && ev.Entitlement.Kind == schemas.EntitlementPolicy {
			// Which application the setting belongs to (Gmail, Drive, …): policies tell
			// mail-flow settings from access settings by it.
			setAttr(&ev, "setting_application", params["APPLICATION_NAME"])
		}
		ev.Credential = workspaceCredential(name, ev.Action, params, ev.Subject)
		texts := []string{params["DESCRIPTION"], params["REASON"], params["JUSTIFICATION"]}
		finish(&ev, texts...)
		out = append(out, ev)
	}
	return out, nil
}

// workspaceParams flattens an event's parameters by upper-cased name: value, intValue,
// boolValue, or a multiValue joined by spaces.
func workspaceParams(ps []workspaceParam) map[string]string {
	params := map[string]string{}
	for _, p := range ps {
		v := string(p.Value)
		if v == "" && len(p.IntValue) > 0 {
			v = rawScalar(p.IntValue)
		}
		if v == "" {
			v = string(p.BoolValue)
		}
		if v == "" && len(p.MultiValue) > 0 {
			parts := make([]string, len(p.MultiValue))
			for i, m := range p.MultiValue {
				parts[i] = string(m)
			}
			v = strings.Join(parts, " ")
		}
		params[strings.ToUpper(string(p.Name))] = v
	}
	return params
}

// workspaceOutcome reads failure from the event: the failure events by name
// (login_failure, bind_failure, search_failed, CHROME_OS_LOGIN_FAILURE_EVENT), denials,
// blocked actions, a failure type, and challenges whose status says "Challenge Failed.".
func workspaceOutcome(name string, params map[string]string) schemas.Outcome {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "failure"), strings.Contains(n, "failed"), n == "risky_sensitive_action_blocked",
		strings.Contains(n, "deny"), params["FAILURE_TYPE"] != "", params["LOGIN_FAILURE_TYPE"] != "",
		strings.Contains(strings.ToLower(params["LOGIN_CHALLENGE_STATUS"]), "failed"):
		return schemas.OutcomeFailure
	}
	return schemas.OutcomeSuccess
}

// workspaceGroupRoles ranks the roles of a group member.
var workspaceGroupRoles = map[string]int{"MEMBER": 1, "MANAGER": 2, "OWNER": 3}

// workspaceRefine applies what the catalogue cannot say because it depends on the record:
// a member's role change that lowers the role is a revoke, and an Apple VPP token
// operation says whether the token was uploaded or deleted.
func workspaceRefine(name string, action schemas.Action, params map[string]string) schemas.Action {
	switch name {
	case "UPDATE_GROUP_MEMBER":
		oldRank, newRank := workspaceGroupRoles[strings.ToUpper(params["OLD_VALUE"])], workspaceGroupRoles[strings.ToUpper(params["NEW_VALUE"])]
		if newRank > 0 && newRank < oldRank {
			return schemas.ActionAccessRevoke
		}
	case "APPLE_VPP_TOKEN_OPERATION":
		switch strings.ToUpper(params["TOKEN_OPERATION_NAME"]) {
		case "UPLOAD":
			return schemas.ActionCredentialCreate
		case "DELETE":
			return schemas.ActionCredentialDelete
		}
	}
	return action
}

// workspaceSubjectParams name, in order, the parameters that say whose access changes:
// the user an admin event is about, the account a login warning is about, the new owner of
// transferred data or the reader of a monitored mailbox, a member of a group.
var workspaceSubjectParams = []string{"DESTINATION_USER_EMAIL", "EMAIL_MONITOR_DEST_EMAIL", "USER_EMAIL", "AFFECTED_EMAIL_ADDRESS",
	"USER_IMPACTED_EMAIL", "MEMBER_ID", "REQUESTER_EMAIL"}

func isServiceAccount(email string) bool {
	return strings.HasSuffix(strings.ToLower(strings.TrimSpace(email)), ".gserviceaccount.com")
}

// workspaceSubject is whose access or credential the event changes.
func workspaceSubject(key string, action schemas.Action, params map[string]string, actor *schemas.Principal) *schemas.Principal {
	name := key[strings.Index(key, ":")+1:]
	if client := params["API_CLIENT_NAME"]; client != "" {
		// Domain-wide delegation is granted to an API client: a non-human identity.
		return newPrincipal(schemas.SourceGoogleWorkspace, client, "", client, schemas.PrincipalNHI)
	}
	if name == "TRANSFER_DOCUMENT_OWNERSHIP" && strings.Contains(params["NEW_VALUE"], "@") {
		return newPrincipal(schemas.SourceGoogleWorkspace, "", params["NEW_VALUE"], "", schemas.PrincipalHuman)
	}
	for _, p := range workspaceSubjectParams {
		v := strings.TrimSpace(params[p])
		if v == "" {
			continue
		}
		typ := schemas.PrincipalHuman
		if isServiceAccount(v) || strings.Contains(strings.ToLower(params["MEMBER_TYPE"]), "service") {
			typ = schemas.PrincipalNHI
		}
		if strings.Contains(v, "@") {
			return newPrincipal(schemas.SourceGoogleWorkspace, "", v, "", typ)
		}
		return newPrincipal(schemas.SourceGoogleWorkspace, v, "", "", typ)
	}
	if id := params["TARGET_OBJECT_ID"]; id != "" {
		return newPrincipal(schemas.SourceGoogleWorkspace, id, "", "", schemas.PrincipalUnknown)
	}
	// Outside the admin application a user acts on their own account: signs in, enrolls a
	// factor, joins a group, grants an app access to their data.
	if !strings.HasPrefix(key, "admin:") && !strings.HasPrefix(key, ":") {
		return actor
	}
	switch action {
	case schemas.ActionSignIn, schemas.ActionMFAEnroll, schemas.ActionMFAReset, schemas.ActionPasswordChange:
		return actor
	}
	return nil
}

// workspaceEntitlement is what the event grants, revokes or redefines, as the catalogue
// entry's kind says; the privilege comes from the role, group or scopes when they tell,
// else from the entry.
func workspaceEntitlement(name string, entry catalog.Entry, params map[string]string) *schemas.Entitlement {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(params[k]); v != "" {
				return v
			}
		}
		return ""
	}
	fallback := entry.Privilege
	if fallback == "" {
		fallback = schemas.PrivilegeUnknown
	}
	ent := &schemas.Entitlement{Kind: entry.Kind, System: "google_workspace"}
	switch entry.Kind {
	case schemas.EntitlementRole:
		role := first("ROLE_NAME", "MEMBER_ROLE")
		if role == "" && strings.HasSuffix(name, "_ADMIN_PRIVILEGE") {
			role = "Super Admin" // GRANT_/REVOKE_ADMIN_PRIVILEGE make or unmake a super administrator
		}
		if role == "" {
			role = name
		}
		ent.ID, ent.Name = "google_workspace:role:"+role, role
		ent.Privilege = workspaceRolePrivilege(role, params["PRIVILEGE_NAME"], fallback)
	case schemas.EntitlementGroup:
		g := first("GROUP_EMAIL", "GROUP_ID", "GROUP_NAME")
		ent.ID, ent.Name = "google_workspace:group:"+strings.ToLower(g), g
		ent.Privilege = PrivilegeOf(g)
		if ent.Privilege == schemas.PrivilegeUnknown {
			// A group's owner administers its membership.
			ent.Privilege = PrivilegeOf(first("MEMBER_ROLE", "NEW_MEMBERSHIP_ROLE"))
		}
		if ent.Privilege == schemas.PrivilegeUnknown && name == "UPDATE_GROUP_MEMBER" {
			ent.Privilege = PrivilegeOf(params["NEW_VALUE"]) // the member's new role
		}
	case schemas.EntitlementApp:
		appName := first("APP_NAME", "APPLICATION_NAME", "OAUTH2_APP_NAME", "API_CLIENT_NAME", "PRODUCT_NAME", "APP_LICENSE", "OAUTH2_SERVICE_NAME")
		id := first("CLIENT_ID", "APP_ID", "OAUTH2_APP_ID", "API_CLIENT_NAME")
		if appName == "" {
			appName = name
		}
		if id == "" {
			id = appName
		}
		ent.ID, ent.Name = "google_workspace:app:"+id, appName
		ent.Privilege = workspaceScopePrivilege(first("SCOPE", "API_SCOPES"))
		if ent.Privilege == schemas.PrivilegeUnknown {
			ent.Privilege = fallback
		}
	case schemas.EntitlementPermission:
		// Another user's data: the owner is USER_EMAIL, the grantee the subject.
		owner := strings.ToLower(params["USER_EMAIL"])
		ent.ID, ent.Name, ent.Privilege = "google_workspace:data:"+owner+":"+strings.ToLower(name), "data of "+owner, fallback
	case schemas.EntitlementPolicy:
		setting := first("SETTING_NAME")
		if setting == "" {
			setting = name
		}
		ent.ID, ent.Name, ent.Privilege = "google_workspace:setting:"+setting, setting, fallback
	default:
		return nil
	}
	return ent
}

// workspaceCredential is the credential a credential event issues, rotates or revokes.
func workspaceCredential(name string, action schemas.Action, params map[string]string, owner *schemas.Principal) *schemas.Credential {
	switch action {
	case schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete:
	default:
		return nil
	}
	kind := schemas.CredentialOther
	switch {
	case strings.Contains(name, "TOKEN"):
		kind = schemas.CredentialAPIToken
	case strings.Contains(name, "SECRET"):
		kind = schemas.CredentialClientSecret
	case strings.Contains(name, "CERTIFICATE"):
		kind = schemas.CredentialCertificate
	}
	id := ""
	for _, k := range []string{"ASP_ID", "PLAY_FOR_WORK_TOKEN_ID", "EXCHANGE_ROLE_ACCOUNT", "FULL_ORG_UNIT_PATH", "ORG_UNIT_NAME", "USER_EMAIL", "DOMAIN_NAME"} {
		if v := strings.TrimSpace(params[k]); v != "" {
			id = v
			break
		}
	}
	return &schemas.Credential{ID: "google_workspace:" + strings.ToLower(name) + ":" + id, Kind: kind, Owner: owner}
}

// workspaceRolePrivilege classifies a role by its name (_SEED_ADMIN_ROLE is super admin,
// *_ADMIN_ROLE are prebuilt admin roles, *_READER_ROLE read only), then by the privilege
// named, else it is the catalogue entry's privilege: an admin-console role assignment is
// administrative unless its name says it only reads.
func workspaceRolePrivilege(role, privilege string, fallback schemas.Privilege) schemas.Privilege {
	if p := PrivilegeOf(role); p != schemas.PrivilegeUnknown {
		return p
	}
	if p := PrivilegeOf(privilege); p != schemas.PrivilegeUnknown {
		return p
	}
	return fallback
}

// workspaceScopePrivilege classifies OAuth scopes: admin.* and cloud-platform scopes are
// ADMIN, readonly-only scopes READ, anything else WRITE.
func workspaceScopePrivilege(scopes string) schemas.Privilege {
	if scopes == "" {
		return schemas.PrivilegeUnknown
	}
	allRead := true
	for _, s := range strings.Fields(scopes) {
		if strings.Contains(s, "/auth/admin.") || strings.Contains(s, "/auth/cloud-platform") || strings.Contains(s, "/auth/ediscovery") {
			return schemas.PrivilegeAdmin
		}
		if !strings.Contains(s, "readonly") {
			allRead = false
		}
	}
	if allRead {
		return schemas.PrivilegeRead
	}
	return schemas.PrivilegeWrite
}
