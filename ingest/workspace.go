package ingest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// workspaceRule is how one Google Workspace event name normalizes.
type workspaceRule struct {
	Action schemas.Action
	Kind   schemas.EntitlementKind
}

// workspaceActions maps Reports API event names (admin, login, token, user_accounts
// applications) to actions (FORMATS.md §4). Names are matched after trimming and
// upper-casing: real feeds carry "suspicious_login " with a trailing space.
var workspaceActions = map[string]workspaceRule{
	"ASSIGN_ROLE":                         {schemas.ActionAccessGrant, schemas.EntitlementRole},
	"UNASSIGN_ROLE":                       {schemas.ActionAccessRevoke, schemas.EntitlementRole},
	"GRANT_ADMIN_PRIVILEGE":               {schemas.ActionAccessGrant, schemas.EntitlementRole},
	"REVOKE_ADMIN_PRIVILEGE":              {schemas.ActionAccessRevoke, schemas.EntitlementRole},
	"GRANT_DELEGATED_ADMIN_PRIVILEGES":    {schemas.ActionAccessGrant, schemas.EntitlementRole},
	"REVOKE_DELEGATED_ADMIN_PRIVILEGES":   {schemas.ActionAccessRevoke, schemas.EntitlementRole},
	"CREATE_ROLE":                         {schemas.ActionPolicyChange, schemas.EntitlementRole},
	"DELETE_ROLE":                         {schemas.ActionPolicyChange, schemas.EntitlementRole},
	"ADD_PRIVILEGE":                       {schemas.ActionPolicyChange, schemas.EntitlementRole},
	"REMOVE_PRIVILEGE":                    {schemas.ActionPolicyChange, schemas.EntitlementRole},
	"ADD_GROUP_MEMBER":                    {schemas.ActionAccessGrant, schemas.EntitlementGroup},
	"REMOVE_GROUP_MEMBER":                 {schemas.ActionAccessRevoke, schemas.EntitlementGroup},
	"BAN_USER_WITH_MODERATION":            {schemas.ActionAccessRevoke, schemas.EntitlementGroup},
	"CHANGE_PASSWORD":                     {schemas.ActionPasswordReset, ""},
	"PASSWORD_CHANGE":                     {schemas.ActionPasswordChange, ""},
	"CHANGE_PASSWORD_ON_NEXT_LOGIN":       {schemas.ActionPasswordReset, ""},
	"CREATE_USER":                         {schemas.ActionAccountCreate, ""},
	"DELETE_USER":                         {schemas.ActionAccountDelete, ""},
	"UNDELETE_USER":                       {schemas.ActionAccountEnable, ""},
	"SUSPEND_USER":                        {schemas.ActionAccountDisable, ""},
	"UNSUSPEND_USER":                      {schemas.ActionAccountEnable, ""},
	"ACCOUNT_DISABLED_SPAMMING":           {schemas.ActionAccountDisable, ""},
	"ACCOUNT_DISABLED_HIJACKED":           {schemas.ActionAccountDisable, ""},
	"GENERATE_2SV_SCRATCH_CODES":          {schemas.ActionMFAReset, ""},
	"DELETE_2SV_SCRATCH_CODES":            {schemas.ActionMFAReset, ""},
	"TURN_OFF_2_STEP_VERIFICATION":        {schemas.ActionMFAReset, ""},
	"ENFORCE_STRONG_AUTHENTICATION":       {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"2SV_ENROLL":                          {schemas.ActionMFAEnroll, ""},
	"2SV_DISABLE":                         {schemas.ActionMFAReset, ""},
	"TITANIUM_ENROLL":                     {schemas.ActionMFAEnroll, ""},
	"TITANIUM_UNENROLL":                   {schemas.ActionMFAReset, ""},
	"RECOVERY_PHONE_EDIT":                 {schemas.ActionMFAReset, ""},
	"RECOVERY_EMAIL_EDIT":                 {schemas.ActionMFAReset, ""},
	"LOGIN_SUCCESS":                       {schemas.ActionSignIn, ""},
	"LOGIN_FAILURE":                       {schemas.ActionSignIn, ""},
	"LOGIN_CHALLENGE":                     {schemas.ActionSignIn, ""},
	"LOGIN_VERIFICATION":                  {schemas.ActionSignIn, ""},
	"LOGOUT":                              {schemas.ActionSignIn, ""},
	"SUSPICIOUS_LOGIN":                    {schemas.ActionSignIn, ""},
	"SUSPICIOUS_LOGIN_LESS_SECURE_APP":    {schemas.ActionSignIn, ""},
	"AUTHORIZE":                           {schemas.ActionAccessGrant, schemas.EntitlementApp},
	"REVOKE":                              {schemas.ActionAccessRevoke, schemas.EntitlementApp},
	"ADD_APPLICATION":                     {schemas.ActionPolicyChange, schemas.EntitlementApp},
	"REMOVE_APPLICATION":                  {schemas.ActionPolicyChange, schemas.EntitlementApp},
	"ADD_MOBILE_APPLICATION_TO_WHITELIST": {schemas.ActionPolicyChange, ""},
	"CREATE_APPLICATION_SETTING":          {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CHANGE_APPLICATION_SETTING":          {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"DELETE_APPLICATION_SETTING":          {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CHANGE_EMAIL_SETTING":                {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CHANGE_CALENDAR_SETTING":             {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"CREATE_GMAIL_SETTING":                {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"ADD_TRUSTED_DOMAINS":                 {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"REMOVE_TRUSTED_DOMAINS":              {schemas.ActionPolicyChange, schemas.EntitlementPolicy},
	"EMAIL_FORWARDING_OUT_OF_DOMAIN":      {schemas.ActionOther, ""},
	"CUSTOMER_TAKEOUT_CREATED":            {schemas.ActionRead, ""},
	"CUSTOMER_TAKEOUT_SUCCEEDED":          {schemas.ActionRead, ""},
}

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
		qualifier, when, app = rawScalar(a.ID.UniqueQualifier), string(a.ID.Time), string(a.ID.ApplicationName)
	}
	out := make([]schemas.IdentityEvent, 0, len(a.Events))
	for i, e := range a.Events {
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
		rule, ok := workspaceActions[strings.ToUpper(name)]
		if !ok {
			rule = workspaceRule{Action: schemas.ActionOther}
		}
		ev.Action = rule.Action
		setOccurredAt(&ev, now, when)
		setAttr(&ev, "application", app)
		setAttr(&ev, "event_category", string(e.Type))
		setAttr(&ev, "src_ip", string(a.IPAddress))
		params := map[string]string{}
		for _, p := range e.Parameters {
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
		ev.Outcome = schemas.OutcomeSuccess
		if strings.EqualFold(name, "login_failure") {
			ev.Outcome = schemas.OutcomeFailure
		}
		if a.Actor != nil {
			typ := schemas.PrincipalHuman
			if strings.EqualFold(string(a.Actor.CallerType), "KEY") || strings.HasSuffix(strings.ToLower(string(a.Actor.Email)), ".gserviceaccount.com") {
				typ = schemas.PrincipalNHI
			}
			id := string(a.Actor.ProfileID)
			if id == "" {
				id = string(a.Actor.Key)
			}
			ev.Actor = newPrincipal(schemas.SourceGoogleWorkspace, id, string(a.Actor.Email), "", typ)
		}
		if target := params["USER_EMAIL"]; target != "" {
			typ := schemas.PrincipalHuman
			if strings.HasSuffix(strings.ToLower(target), ".gserviceaccount.com") {
				typ = schemas.PrincipalNHI
			}
			ev.Subject = newPrincipal(schemas.SourceGoogleWorkspace, "", target, "", typ)
		} else if rule.Action == schemas.ActionSignIn || rule.Action == schemas.ActionMFAEnroll || rule.Action == schemas.ActionMFAReset || rule.Action == schemas.ActionPasswordChange {
			ev.Subject = ev.Actor
		}
		switch rule.Kind {
		case schemas.EntitlementRole:
			role := params["ROLE_NAME"]
			ev.Entitlement = &schemas.Entitlement{ID: "google_workspace:role:" + role, Name: role, Kind: schemas.EntitlementRole, Privilege: workspaceRolePrivilege(role, params["PRIVILEGE_NAME"]), System: "google_workspace"}
		case schemas.EntitlementGroup:
			group := params["GROUP_EMAIL"]
			if group == "" {
				group = params["GROUP_NAME"]
			}
			ev.Entitlement = &schemas.Entitlement{ID: "google_workspace:group:" + strings.ToLower(group), Name: group, Kind: schemas.EntitlementGroup, Privilege: PrivilegeOf(group), System: "google_workspace"}
		case schemas.EntitlementApp:
			appName := params["APP_NAME"]
			if appName == "" {
				appName = params["APPLICATION_NAME"]
			}
			id := params["CLIENT_ID"]
			if id == "" {
				id = appName
			}
			ent := &schemas.Entitlement{ID: "google_workspace:app:" + id, Name: appName, Kind: schemas.EntitlementApp, Privilege: workspaceScopePrivilege(params["SCOPE"]), System: "google_workspace"}
			ev.Entitlement = ent
			if rule.Action == schemas.ActionAccessGrant && ev.Subject == nil {
				// An OAuth grant: the user gives a third-party app access to their data.
				ev.Subject = ev.Actor
			}
		case schemas.EntitlementPolicy:
			setting := params["SETTING_NAME"]
			if setting == "" {
				setting = name
			}
			ev.Entitlement = &schemas.Entitlement{ID: "google_workspace:setting:" + setting, Name: setting, Kind: schemas.EntitlementPolicy, Privilege: schemas.PrivilegeUnknown, System: "google_workspace"}
			// Which application the setting belongs to (Gmail, Drive, …): policies tell
			// mail-flow settings from access settings by it.
			setAttr(&ev, "setting_application", params["APPLICATION_NAME"])
		}
		texts := []string{params["DESCRIPTION"], params["REASON"], params["JUSTIFICATION"]}
		finish(&ev, texts...)
		out = append(out, ev)
	}
	return out, nil
}

// workspaceRolePrivilege is ADMIN for every admin role (_SEED_ADMIN_ROLE is super admin,
// *_ADMIN_ROLE are prebuilt admin roles); custom role names are classified by name, and
// any role assignment in the admin console is administrative unless it reads only.
func workspaceRolePrivilege(role, privilege string) schemas.Privilege {
	if p := PrivilegeOf(role); p != schemas.PrivilegeUnknown {
		return p
	}
	if p := PrivilegeOf(privilege); p != schemas.PrivilegeUnknown {
		return p
	}
	return schemas.PrivilegeAdmin
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
