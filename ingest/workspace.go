package ingest

import (
	"encoding/json"
	"fmt"
	"maps"
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
		if ok && entry.Class == "account_warning" && ev.Action == schemas.ActionAccountDisable {
			// Google itself disabled the account (a leaked password, spam, a hijack): the
			// record's actor is whoever it was filed under, not someone who decided it.
			if ev.Actor != nil {
				setAttr(&ev, "reported_actor", ev.Actor.ID)
			}
			ev.Actor = newPrincipal(schemas.SourceGoogleWorkspace, "google", "", "Google", schemas.PrincipalSystem)
		}
		ev.Action = workspaceRefine(name, ev.Action, params)
		ev.Subject = workspaceSubject(key, ev.Action, params, ev.Actor)
		ev.Entitlement = workspaceEntitlement(name, entry, params)
		var grantees []*schemas.Principal
		if it, ok := workspaceItemOf(app, params); ok {
			setAttr(&ev, "item_id", it.id)
			setAttr(&ev, "item_name", it.name)
			setAttr(&ev, "item_owner", params[firstKey(params, "OWNER", "OWNER_EMAIL")])
			setAttr(&ev, "visibility", strings.ToLower(params["VISIBILITY"]))
			setAttr(&ev, "primary_event", params["PRIMARY_EVENT"])
			switch {
			case entry.Kind != schemas.EntitlementPermission:
			case ev.Action == schemas.ActionAccessGrant || ev.Action == schemas.ActionAccessRevoke:
				// A sharing event: who gains or loses which role on the item is in its parameters.
				sh := workspaceSharing(name, entry, params, ev.Actor)
				ev.Action, grantees = sh.action, sh.grantees
				ev.Subject = nil
				if len(grantees) > 0 {
					ev.Subject = grantees[0]
				}
				ev.Entitlement = it.entitlement(app, sh.privilege, sh.public)
			default:
				// How the item may be shared changed (who may share it, inherited access, link
				// security): a policy of the item that names no grantee.
				ev.Subject = nil
				ev.Entitlement = it.entitlement(app, entry.Privilege, false)
			}
		}
		if ev.Entitlement != nil && ev.Entitlement.Kind == schemas.EntitlementPolicy {
			// Which application the setting belongs to (Gmail, Drive, …): policies tell
			// mail-flow settings from access settings by it.
			setAttr(&ev, "setting_application", params["APPLICATION_NAME"])
		}
		ev.Credential = workspaceCredential(name, ev.Action, params, ev.Subject)
		texts := []string{params["DESCRIPTION"], params["REASON"], params["JUSTIFICATION"]}
		finish(&ev, texts...)
		if len(grantees) < 2 {
			out = append(out, ev)
			continue
		}
		// One event that shares with several people (a space's new members, a course's
		// roster) is one access change per person, each with its own id.
		for _, g := range grantees {
			e := ev
			e.Subject, e.EventID = g, ev.EventID+"#"+g.ID
			e.Attributes = maps.Clone(ev.Attributes)
			out = append(out, e)
		}
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
// (login_failure, bind_failure, search_failed, CHROME_OS_LOGIN_FAILURE_EVENT,
// interop_freebusy_lookup_outbound_unsuccessful, delete_export_fail), denials,
// blocked actions, a failure type, and challenges whose status says "Challenge Failed.".
func workspaceOutcome(name string, params map[string]string) schemas.Outcome {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "failure"), strings.Contains(n, "failed"), n == "risky_sensitive_action_blocked",
		strings.Contains(n, "unsuccessful"), strings.HasSuffix(n, "_fail"),
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
			// GRANT_/REVOKE_ADMIN_PRIVILEGE make or unmake a super administrator: the role
			// ASSIGN_ROLE and the Directory API (so connectors/google's snapshot) name
			// _SEED_ADMIN_ROLE, so that all three meet on one entitlement key.
			role = workspaceSuperAdminRole
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
	for _, k := range []string{"ASP_ID", "PLAY_FOR_WORK_TOKEN_ID", "EXCHANGE_ROLE_ACCOUNT", "FULL_ORG_UNIT_PATH", "ORG_UNIT_NAME", "USER_EMAIL", "DOMAIN_NAME", "TARGET_IDENTIFIER"} {
		if v := strings.TrimSpace(params[k]); v != "" {
			id = v
			break
		}
	}
	return &schemas.Credential{ID: "google_workspace:" + strings.ToLower(name) + ":" + id, Kind: kind, Owner: owner}
}

// workspaceSuperAdminRole is the Directory API's roleName of the super administrator role.
const workspaceSuperAdminRole = "_SEED_ADMIN_ROLE"

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

// firstKey is the first of keys that has a non-empty value in params ("" when none has).
func firstKey(params map[string]string, keys ...string) string {
	for _, k := range keys {
		if strings.TrimSpace(params[k]) != "" {
			return k
		}
	}
	return ""
}

// workspaceItem is the shared thing a content application's event is about: a document
// or shared drive, a calendar, a Chat space, a course, a note, a Vault matter, a Looker
// Studio asset, a migration's target.
type workspaceItem struct{ id, name string }

// workspaceItemParams name, per content application, the parameters (as the Activity
// events appendix spells them, upper-cased) that identify the item and give its title.
var workspaceItemParams = map[string]struct{ id, name []string }{
	"drive":          {[]string{"DOC_ID", "SHARED_DRIVE_ID"}, []string{"DOC_TITLE"}},
	"calendar":       {[]string{"CALENDAR_ID"}, nil},
	"chat":           {[]string{"ROOM_ID"}, []string{"ROOM_NAME"}},
	"classroom":      {[]string{"COURSE_ID"}, []string{"COURSE_TITLE"}},
	"assignments":    {[]string{"COURSE_ID"}, []string{"COURSE_TITLE"}},
	"keep":           {[]string{"NOTE_NAME"}, nil},
	"vault":          {[]string{"MATTER_ID"}, []string{"RESOURCE_NAME"}},
	"data_studio":    {[]string{"ASSET_ID"}, []string{"ASSET_NAME"}},
	"data_migration": {[]string{"TARGET_IDENTIFIER"}, []string{"TARGET_URI"}},
}

// workspaceItemOf is the item of a content application's event; ok is false for other
// applications. An event without the item's id still has one (its id empty).
func workspaceItemOf(app string, params map[string]string) (workspaceItem, bool) {
	p, ok := workspaceItemParams[app]
	if !ok {
		return workspaceItem{}, false
	}
	it := workspaceItem{id: strings.TrimSpace(params[firstKey(params, p.id...)])}
	it.name = strings.TrimSpace(params[firstKey(params, p.name...)])
	if it.name == "" {
		it.name = it.id
	}
	return it, true
}

// entitlement is access to the item at a privilege; shared with anyone (the public), it is
// a wildcard: nobody can say who holds it.
func (it workspaceItem) entitlement(app string, privilege schemas.Privilege, public bool) *schemas.Entitlement {
	if privilege == "" {
		privilege = schemas.PrivilegeUnknown
	}
	return &schemas.Entitlement{ID: "google_workspace:" + app + ":" + it.id, Name: it.name, Kind: schemas.EntitlementPermission,
		Privilege: privilege, System: "google_workspace", Wildcard: public}
}

// workspaceRole is a role on an item, ranked so that a change can be told a promotion or
// a demotion, with the privilege it carries.
type workspaceRole struct {
	rank      int
	privilege schemas.Privilege
}

// workspaceRoles are the roles of the content applications, lower-cased: Drive
// (can_view … owner, shared drive viewer … organizer), Calendar access levels, Chat space
// roles, Classroom course roles, Looker Studio permissions and workspace roles. Reading, commenting and
// free/busy are READ; editing, organizing, managing and owning are WRITE; a calendar's root
// (domain administrators) is ADMIN.
var workspaceRoles = map[string]workspaceRole{
	"none":     {0, ""},
	"freebusy": {1, schemas.PrivilegeRead}, "can_view_published": {1, schemas.PrivilegeRead},
	"can_view": {2, schemas.PrivilegeRead}, "read": {2, schemas.PrivilegeRead}, "viewer": {2, schemas.PrivilegeRead},
	"can_respond": {2, schemas.PrivilegeRead}, "student": {2, schemas.PrivilegeRead},
	"can_comment": {3, schemas.PrivilegeRead}, "commenter": {3, schemas.PrivilegeRead},
	"can_edit": {4, schemas.PrivilegeWrite}, "editor": {4, schemas.PrivilegeWrite}, "writer": {4, schemas.PrivilegeWrite},
	"member": {4, schemas.PrivilegeWrite}, "teacher": {4, schemas.PrivilegeWrite}, "contributor": {4, schemas.PrivilegeWrite},
	"content_manager": {5, schemas.PrivilegeWrite},
	"organizer":       {6, schemas.PrivilegeWrite}, "manager": {6, schemas.PrivilegeWrite}, "space_manager": {6, schemas.PrivilegeWrite},
	"owner": {7, schemas.PrivilegeWrite},
	"root":  {8, schemas.PrivilegeAdmin},
}

// workspaceRoleOf reads a role value; a multiValue (joined by spaces) counts its highest role.
func workspaceRoleOf(v string) (workspaceRole, bool) {
	best, found := workspaceRole{}, false
	for _, f := range strings.Fields(strings.ToLower(v)) {
		if r, ok := workspaceRoles[f]; ok && (!found || r.rank > best.rank) {
			best, found = r, true
		}
	}
	return best, found
}

// workspaceAudiences rank who an item's link reaches (Drive and Looker Studio visibility,
// Drive publishing): nobody, people of the domain with the link, the whole domain, anyone
// with the link, the web. From anyone-with-the-link up, the audience is the public.
var workspaceAudiences = map[string]int{
	"private": 0, "nobody": 0,
	"people_within_domain_with_link": 1, "public_in_the_domain": 2,
	"people_with_link": 3, "public_on_the_web": 4,
}

const workspacePublicAudience = 3

func workspaceAudienceOf(v string) (int, bool) {
	a, ok := workspaceAudiences[strings.ToLower(strings.TrimSpace(v))]
	return a, ok
}

// workspaceGranteeParams name, in order, the parameters that say who gains or loses
// access in a sharing event: a document's new owner, the user, group or domain whose role
// changed, a calendar's grantee, a space's or a course's members, a shared drive's member.
var workspaceGranteeParams = []string{"NEW_OWNER", "TARGET_USER", "TARGET_USER_EMAIL", "GRANTEE_EMAIL", "TARGET_USERS", "IMPACTED_USERS", "TARGET"}

// workspaceSelfShares are the sharing events whose actor is the one who gains or loses
// access: joining or leaving a space or a course, taking over a course or an event.
var workspaceSelfShares = map[string]bool{
	"invite_accept": true, "room_left": true, "user_joined_course": true, "user_gained_preview_access_to_course": true,
	"new_user_owns_course": true, "transfer_event_completed": true,
}

// calendarPublicPrincipal is the grantee Calendar logs when a calendar is made public.
const calendarPublicPrincipal = "__public_principal__@public.calendar.google.com"

// workspaceShare is what a sharing event did: granted or revoked which privilege, to whom.
type workspaceShare struct {
	action    schemas.Action
	privilege schemas.Privilege
	grantees  []*schemas.Principal
	public    bool
	audience  int // who a link reaches, when the event is about a link; -1 otherwise
}

// workspaceSharing reads a sharing event's parameters. The catalogue entry says grant or
// revoke and the privilege when the parameters say nothing more; a role that falls to none
// (or lower) is a revoke of the old role, a wider link audience a grant to it, a narrower
// one a revoke from the old one. A link audience from anyone-with-the-link up is the
// public, and the entitlement a wildcard.
func workspaceSharing(name string, entry catalog.Entry, params map[string]string, actor *schemas.Principal) workspaceShare {
	sh := workspaceShare{action: entry.CanonicalAction(), privilege: entry.Privilege, audience: -1}
	oldV := params[firstKey(params, "OLD_VALUE", "PREVIOUS_VALUE")]
	newV := params[firstKey(params, "NEW_VALUE", "CURRENT_VALUE", "ACCESS_LEVEL")]
	switch {
	case params["MEMBERSHIP_CHANGE_TYPE"] != "": // a shared drive's member
		added, removed := params["ADDED_ROLE"], params["REMOVED_ROLE"]
		switch strings.ToLower(params["MEMBERSHIP_CHANGE_TYPE"]) {
		case "add_to_shared_drive":
			removed = "none"
		case "remove_from_shared_drive":
			added = "none"
		}
		sh.roleChange(removed, added)
	case params["NEW_PUBLISH_VISIBILITY"] != "": // publishing to the domain or the web
		sh.audienceChange(params["OLD_PUBLISH_VISIBILITY"], params["NEW_PUBLISH_VISIBILITY"])
		if strings.EqualFold(params["NEW_VALUE"], "none") {
			sh.audienceChange(params["OLD_PUBLISH_VISIBILITY"], "nobody")
		}
	case workspaceIsAudience(newV): // link sharing visibility
		if _, ok := workspaceAudienceOf(oldV); !ok {
			oldV = params["OLD_VISIBILITY"]
		}
		sh.audienceChange(oldV, newV)
	case params["TARGET_USER_ROLE"] != "": // a Chat space member's new role
		sh.roleChange("", params["TARGET_USER_ROLE"])
		if strings.EqualFold(params["TARGET_USER_ROLE"], "MEMBER") {
			// Only a manager can be made a member again: the change is a demotion.
			sh.action = schemas.ActionAccessRevoke
		}
	case newV != "":
		sh.roleChange(oldV, newV)
	case params["COURSE_ROLE"] != "":
		if r, ok := workspaceRoleOf(params["COURSE_ROLE"]); ok {
			sh.privilege = r.privilege
		}
	}
	sh.grantees = workspaceGrantees(name, sh, params, actor)
	public := workspacePublic().ID
	for _, g := range sh.grantees {
		sh.public = sh.public || g.ID == public
	}
	return sh
}

func workspaceIsAudience(v string) bool { _, ok := workspaceAudienceOf(v); return ok }

// roleChange reads old → new roles: new none is a revoke of the old role's privilege, a
// lower role a demotion (a revoke of the old privilege), anything else a grant of the new
// role's. An unknown new role leaves the entry's meaning.
func (sh *workspaceShare) roleChange(oldV, newV string) {
	o, oldOK := workspaceRoleOf(oldV)
	n, ok := workspaceRoleOf(newV)
	switch {
	case !ok:
	case n.rank == 0 || (oldOK && n.rank < o.rank):
		sh.action = schemas.ActionAccessRevoke
		if oldOK && o.privilege != "" {
			sh.privilege = o.privilege
		}
	default:
		sh.action, sh.privilege = schemas.ActionAccessGrant, n.privilege
	}
}

// audienceChange reads old → new link audiences: wider is a grant to the new audience,
// narrower a revoke from the old one.
func (sh *workspaceShare) audienceChange(oldV, newV string) {
	n, ok := workspaceAudienceOf(newV)
	if !ok {
		return
	}
	o, oldOK := workspaceAudienceOf(oldV)
	if n == 0 && !oldOK {
		o, oldOK = workspacePublicAudience, true // made private from an audience the record does not say
	}
	if oldOK && n < o {
		sh.action, sh.audience = schemas.ActionAccessRevoke, o
		return
	}
	sh.action, sh.audience = schemas.ActionAccessGrant, n
}

// workspaceGrantees are who gains or loses the access: the public or the domain for a
// link audience, the people the parameters name, the actor for a join or a takeover, or
// nobody the record names.
func workspaceGrantees(name string, sh workspaceShare, params map[string]string, actor *schemas.Principal) []*schemas.Principal {
	domain := strings.TrimSpace(params["TARGET_DOMAIN"])
	if strings.EqualFold(domain, "all") {
		domain = ""
	}
	audience := sh.audience
	if audience < 0 && params["TARGET_DOMAIN"] != "" {
		// A link's role changed for target_domain: all (or no domain) means whoever the
		// link reaches, which the visibility says.
		vis := params["VISIBILITY"]
		if sh.action == schemas.ActionAccessRevoke && params["OLD_VISIBILITY"] != "" {
			vis = params["OLD_VISIBILITY"]
		}
		audience = workspacePublicAudience
		if a, ok := workspaceAudienceOf(vis); ok && domain == "" {
			audience = a
		}
		if domain != "" {
			audience = 1
		}
	}
	switch {
	case audience >= workspacePublicAudience:
		return []*schemas.Principal{workspacePublic()}
	case audience > 0:
		if domain == "" && actor != nil && actor.Email != nil {
			_, domain, _ = strings.Cut(*actor.Email, "@")
		}
		if p := workspaceDomain(domain); p != nil {
			return []*schemas.Principal{p}
		}
		return nil
	case audience == 0:
		return nil
	}
	if k := firstKey(params, workspaceGranteeParams...); k != "" {
		values := []string{params[k]}
		if k == "TARGET_USERS" || k == "IMPACTED_USERS" {
			// Lists of emails: a multiValue (joined by spaces) or a comma-separated value.
			values = strings.FieldsFunc(params[k], func(r rune) bool { return r == ',' || r == ' ' })
		}
		var out []*schemas.Principal
		for _, v := range values {
			if p := workspaceGrantee(k, v, params); p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	if workspaceSelfShares[name] && actor != nil {
		return []*schemas.Principal{actor}
	}
	return nil
}

// workspaceGrantee is one grantee a parameter names: a user or group by email, a domain
// by its name, the public by Calendar's public principal, a shared drive that takes over
// a document.
func workspaceGrantee(param, v string, params map[string]string) *schemas.Principal {
	v = strings.TrimSpace(v)
	switch {
	case strings.EqualFold(v, calendarPublicPrincipal):
		return workspacePublic()
	case param == "NEW_OWNER" && strings.EqualFold(params["NEW_OWNER_IS_SHARED_DRIVE"], "true"):
		id := params["NEW_OWNER_SHARED_DRIVE_ID"]
		if id == "" {
			id = v
		}
		return newPrincipal(schemas.SourceGoogleWorkspace, "shared_drive:"+id, "", v, schemas.PrincipalUnknown)
	case strings.Contains(v, "@"):
		typ := schemas.PrincipalHuman
		if isServiceAccount(v) {
			typ = schemas.PrincipalNHI
		}
		return newPrincipal(schemas.SourceGoogleWorkspace, "", v, "", typ)
	case strings.Contains(v, "."):
		return workspaceDomain(v)
	}
	return newPrincipal(schemas.SourceGoogleWorkspace, v, "", "", schemas.PrincipalUnknown)
}

// workspacePublic is anyone: the grantee of a link shared with anyone or a public calendar.
func workspacePublic() *schemas.Principal {
	return newPrincipal(schemas.SourceGoogleWorkspace, "public", "", "anyone (public)", schemas.PrincipalUnknown)
}

// workspaceDomain is everyone of a domain: the grantee of domain-wide link sharing.
func workspaceDomain(domain string) *schemas.Principal {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" {
		return nil
	}
	return newPrincipal(schemas.SourceGoogleWorkspace, "domain:"+domain, "", "everyone in "+domain, schemas.PrincipalUnknown)
}
