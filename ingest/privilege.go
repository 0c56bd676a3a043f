package ingest

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// privilegeRule says that an entitlement whose name contains Pattern (case-insensitive)
// carries Privilege. Rules are tried in order; the first match wins.
type privilegeRule struct {
	Pattern   string
	Privilege schemas.Privilege
}

// privilegeRules is the one table of entitlement names that carry known power. Read-only
// names come first so that "ReadOnlyAdministrator"-style names stay READ only when the
// vendor says so explicitly.
var privilegeRules = []privilegeRule{
	{"readonlyaccess", schemas.PrivilegeRead},
	{"read-only", schemas.PrivilegeRead},
	{"readonly", schemas.PrivilegeRead},
	{"read only", schemas.PrivilegeRead},
	{"viewonlyaccess", schemas.PrivilegeRead},
	{"securityaudit", schemas.PrivilegeRead},
	{"reader", schemas.PrivilegeRead},
	{"viewer", schemas.PrivilegeRead},
	{"administratoraccess", schemas.PrivilegeAdmin},
	{"iamfullaccess", schemas.PrivilegeAdmin},
	{"organizationaccountaccessrole", schemas.PrivilegeAdmin},
	{"_seed_admin_role", schemas.PrivilegeAdmin},
	{"_admin_role", schemas.PrivilegeAdmin},
	{"administrator", schemas.PrivilegeAdmin}, // Global/Application/User Access Administrator, Okta "Organization administrator"
	{"super admin", schemas.PrivilegeAdmin},
	{"super_admin", schemas.PrivilegeAdmin},
	{"superadmin", schemas.PrivilegeAdmin},
	{"org_admin", schemas.PrivilegeAdmin},
	{"app_admin", schemas.PrivilegeAdmin},
	{"admin", schemas.PrivilegeAdmin},
	{"owner", schemas.PrivilegeAdmin},
	{"fullaccess", schemas.PrivilegeWrite},
	{"poweruseraccess", schemas.PrivilegeWrite},
	{"contributor", schemas.PrivilegeWrite},
	{"editor", schemas.PrivilegeWrite},
	{"writer", schemas.PrivilegeWrite},
}

// PrivilegeOf classifies an entitlement name; names it does not know are UNKNOWN.
func PrivilegeOf(name string) schemas.Privilege {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return schemas.PrivilegeUnknown
	}
	if n == "*" {
		return schemas.PrivilegeAdmin
	}
	for _, r := range privilegeRules {
		if strings.Contains(n, r.Pattern) {
			return r.Privilege
		}
	}
	return schemas.PrivilegeUnknown
}

// PolicyGrants is what an IAM policy document grants, as far as governance cares.
type PolicyGrants struct {
	// Wildcard is true when an Allow statement has "*" or "<service>:*" actions, or "*"
	// resources with a "*" action, or a "*" principal (trust policy open to anyone).
	Wildcard bool
	// FullAdmin is true for Action "*" (or "iam:*") on Resource "*".
	FullAdmin bool
	// DenyOnly is true when every statement denies.
	DenyOnly bool
	// ReadOnly is true when every allowed action is a Get/List/Describe call.
	ReadOnly bool
	// Principals are the AWS, federated and canonical-user principals of the Allow
	// statements of a resource policy ("*" for anyone); service principals are left out.
	Principals []string
	// Actions are the allowed actions, in document order.
	Actions []string
}

// AnalyzePolicy reads an IAM policy document (a JSON string in CloudTrail) and reports its
// wildcards. A document that does not parse reports nothing.
func AnalyzePolicy(doc string) PolicyGrants {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil || len(p.Statement) == 0 {
		return PolicyGrants{}
	}
	type statement struct {
		Effect    string          `json:"Effect"`
		Action    json.RawMessage `json:"Action"`
		NotAction json.RawMessage `json:"NotAction"`
		Resource  json.RawMessage `json:"Resource"`
		Principal json.RawMessage `json:"Principal"`
	}
	var stmts []statement
	if firstByte(p.Statement) == '{' {
		var s statement
		if json.Unmarshal(p.Statement, &s) != nil {
			return PolicyGrants{}
		}
		stmts = []statement{s}
	} else if json.Unmarshal(p.Statement, &stmts) != nil {
		return PolicyGrants{}
	}
	g := PolicyGrants{DenyOnly: len(stmts) > 0, ReadOnly: true}
	allowed := 0
	for _, s := range stmts {
		if !strings.EqualFold(s.Effect, "Allow") {
			continue
		}
		g.DenyOnly = false
		allowed++
		actions := stringsOf(s.Action)
		g.Actions = append(g.Actions, actions...)
		g.Principals = append(g.Principals, resourcePolicyPrincipals(s.Principal)...)
		resources := stringsOf(s.Resource)
		anyAction, anyResource := false, false
		for _, a := range actions {
			if a == "*" || strings.EqualFold(a, "iam:*") {
				// iam:* lets the holder grant itself anything: as good as "*".
				anyAction = true
			}
			if strings.HasSuffix(a, ":*") || a == "*" {
				g.Wildcard = true
			}
			verb := a
			if i := strings.IndexByte(a, ':'); i >= 0 {
				verb = a[i+1:]
			}
			if !(strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List") || strings.HasPrefix(verb, "Describe")) {
				g.ReadOnly = false
			}
		}
		if len(s.NotAction) > 0 {
			g.Wildcard, g.ReadOnly = true, false
		}
		for _, r := range resources {
			if r == "*" {
				anyResource = true
			}
		}
		if anyAction && anyResource {
			g.FullAdmin = true
		}
		if strings.Contains(string(s.Principal), `"*"`) {
			g.Wildcard = true
		}
	}
	if allowed == 0 {
		g.ReadOnly = false
	}
	return g
}

// resourcePolicyPrincipals reads a statement's Principal: "*", or an object whose AWS,
// Federated and CanonicalUser members name principals. Service principals are AWS's own
// services acting on the resource, so they are not an access grant to anyone.
func resourcePolicyPrincipals(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	var out []string
	for k, v := range obj {
		if !strings.EqualFold(k, "Service") {
			out = append(out, stringsOf(v)...)
		}
	}
	sort.Strings(out)
	return out
}

// stringsOf reads a JSON string, array of strings, or object of those (IAM Principal).
func stringsOf(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		var out []string
		for _, v := range obj {
			out = append(out, stringsOf(v)...)
		}
		return out
	}
	return nil
}
