package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/schemas"
)

// Snapshotter lists a tenant's holdings: every user (suspended when accountEnabled is
// false) and every service principal (an NHI, with its key and password credentials and
// their owner), each with its active and PIM-eligible directory roles, its direct group
// memberships and its app role assignments.
//
// Role-assignable groups that hold a role, and nested groups, give their members access
// that Graph lists only on the group: the snapshot lists direct holdings, as the audit
// log records direct changes.
type Snapshotter struct {
	g        *graph
	pageSize int
}

// NewSnapshotter builds the Snapshotter of c; hc carries every call (nil: the default
// client). The credentials are checked at the first call, not here.
func NewSnapshotter(ctx context.Context, c Config, hc *http.Client) (*Snapshotter, error) {
	g, err := newGraph(ctx, c, hc)
	if err != nil {
		return nil, err
	}
	return &Snapshotter{g: g, pageSize: c.withDefaults().PageSize}, nil
}

// Client is the vendor HTTP client the Snapshotter calls Graph with (tests shorten its
// backoff).
func (s *Snapshotter) Client() *connectors.Client { return s.g.Client }

// Source is ENTRA.
func (s *Snapshotter) Source() schemas.Source { return schemas.SourceEntra }

// System is "entra", the system of every entitlement ingest makes of Entra's audit log.
func (s *Snapshotter) System() string { return "entra" }

// The Graph objects the snapshot reads.
type (
	gUser struct {
		ID                string `json:"id"`
		UserPrincipalName string `json:"userPrincipalName"`
		Mail              string `json:"mail"`
		DisplayName       string `json:"displayName"`
		AccountEnabled    *bool  `json:"accountEnabled"`
	}
	gKey struct {
		KeyID         string `json:"keyId"`
		DisplayName   string `json:"displayName"`
		StartDateTime string `json:"startDateTime"`
		EndDateTime   string `json:"endDateTime"`
		Type          string `json:"type"`
	}
	gAppRole struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	}
	gServicePrincipal struct {
		ID                  string     `json:"id"`
		AppID               string     `json:"appId"`
		DisplayName         string     `json:"displayName"`
		AccountEnabled      *bool      `json:"accountEnabled"`
		AppRoles            []gAppRole `json:"appRoles"`
		KeyCredentials      []gKey     `json:"keyCredentials"`
		PasswordCredentials []gKey     `json:"passwordCredentials"`
	}
	gRoleDefinition struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		TemplateID  string `json:"templateId"`
	}
	gRoleAssignment struct {
		ID               string           `json:"id"`
		PrincipalID      string           `json:"principalId"`
		RoleDefinitionID string           `json:"roleDefinitionId"`
		DirectoryScopeID string           `json:"directoryScopeId"`
		RoleDefinition   *gRoleDefinition `json:"roleDefinition"`
	}
	gEligibility struct {
		ID               string `json:"id"`
		PrincipalID      string `json:"principalId"`
		RoleDefinitionID string `json:"roleDefinitionId"`
		Status           string `json:"status"`
		CreatedDateTime  string `json:"createdDateTime"`
		ScheduleInfo     *struct {
			StartDateTime string `json:"startDateTime"`
			Expiration    *struct {
				Type        string `json:"type"`
				EndDateTime string `json:"endDateTime"`
			} `json:"expiration"`
		} `json:"scheduleInfo"`
	}
	gGroup struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	gDirectoryObject struct {
		Type              string `json:"@odata.type"`
		ID                string `json:"id"`
		UserPrincipalName string `json:"userPrincipalName"`
		DisplayName       string `json:"displayName"`
	}
	gAppRoleAssignment struct {
		ID                  string `json:"id"`
		AppRoleID           string `json:"appRoleId"`
		PrincipalID         string `json:"principalId"`
		PrincipalType       string `json:"principalType"`
		ResourceID          string `json:"resourceId"`
		ResourceDisplayName string `json:"resourceDisplayName"`
		CreatedDateTime     string `json:"createdDateTime"`
	}
)

// holder is one principal's holding being assembled; grants are keyed by EntitlementKey.
type holder struct {
	h      connectors.Holding
	grants map[string]int
}

func (hd *holder) grant(g connectors.Grant) {
	key := schemas.EntitlementKey(g.Entitlement.System, g.Entitlement.ID, g.Entitlement.Name)
	if i, ok := hd.grants[key]; ok {
		// An active assignment outranks an eligibility of the same role.
		if old := hd.h.Grants[i]; old.Entitlement.Environment != nil && g.Entitlement.Environment == nil {
			hd.h.Grants[i] = g
		}
		return
	}
	hd.grants[key] = len(hd.h.Grants)
	hd.h.Grants = append(hd.h.Grants, g)
}

// Snapshot lists the tenant and calls emit once per user and service principal, in
// principal-id order, after every listing is complete.
func (s *Snapshotter) Snapshot(ctx context.Context, emit func(connectors.Holding) error) error {
	view := newIngestView()
	holders := map[string]*holder{} // by Graph object id
	top := func(sel string) url.Values {
		q := url.Values{"$top": {fmt.Sprint(s.pageSize)}}
		if sel != "" {
			q.Set("$select", sel)
		}
		return q
	}
	newHolder := func(id string, p *schemas.Principal, enabled *bool) {
		st := connectors.StatusActive
		if enabled != nil && !*enabled {
			st = connectors.StatusSuspended
		}
		holders[id] = &holder{h: connectors.Holding{Principal: *p, Status: st}, grants: map[string]int{}}
	}

	err := s.g.list(ctx, "users", top("id,userPrincipalName,mail,accountEnabled,displayName"), func(raw json.RawMessage) error {
		var u gUser
		if err := json.Unmarshal(raw, &u); err != nil || u.ID == "" {
			return fmt.Errorf("a user object without an id: %v", err)
		}
		p, err := userPrincipal(u.ID, u.UserPrincipalName, u.DisplayName)
		if err != nil {
			return err
		}
		if m := strings.ToLower(u.Mail); p.Email == nil && strings.Contains(m, "@") {
			p.Email = &m
		}
		newHolder(u.ID, p, u.AccountEnabled)
		return nil
	})
	if err != nil {
		return err
	}

	var sps []gServicePrincipal
	err = s.g.list(ctx, "servicePrincipals", top("id,appId,displayName,accountEnabled,appRoles,keyCredentials,passwordCredentials"), func(raw json.RawMessage) error {
		var sp gServicePrincipal
		if err := json.Unmarshal(raw, &sp); err != nil || sp.ID == "" {
			return fmt.Errorf("a service principal object without an id: %v", err)
		}
		p, err := servicePrincipal(sp.ID, sp.DisplayName)
		if err != nil {
			return err
		}
		newHolder(sp.ID, p, sp.AccountEnabled)
		sps = append(sps, sp)
		return nil
	})
	if err != nil {
		return err
	}
	for _, sp := range sps {
		if err := s.credentials(ctx, sp, holders); err != nil {
			return err
		}
	}

	if err := s.roles(ctx, view, holders, top); err != nil {
		return err
	}
	if err := s.groups(ctx, view, holders, top); err != nil {
		return err
	}
	for _, sp := range sps {
		if err := s.appRoles(ctx, view, sp, holders, top); err != nil {
			return err
		}
	}

	out := make([]*holder, 0, len(holders))
	for _, h := range holders {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].h.Principal.ID < out[j].h.Principal.ID })
	for _, h := range out {
		if err := emit(h.h); err != nil {
			return err
		}
	}
	return nil
}

// credentials adds sp's certificates and client secrets, owned by its first owner. The
// credential id is ingest's for the key ("entra:key:<keyId>"), so a secret added in the
// audit log and the same secret listed here are one credential.
func (s *Snapshotter) credentials(ctx context.Context, sp gServicePrincipal, holders map[string]*holder) error {
	if len(sp.KeyCredentials)+len(sp.PasswordCredentials) == 0 {
		return nil
	}
	var owner *schemas.Principal
	err := s.g.list(ctx, "servicePrincipals/"+url.PathEscape(sp.ID)+"/owners", url.Values{"$select": {"id,userPrincipalName,displayName"}}, func(raw json.RawMessage) error {
		var o gDirectoryObject
		if json.Unmarshal(raw, &o) != nil || owner != nil {
			return nil
		}
		if h, ok := holders[o.ID]; ok {
			p := h.h.Principal
			owner = &p
		} else if p, err := userPrincipal(o.ID, o.UserPrincipalName, o.DisplayName); err == nil && strings.HasSuffix(o.Type, "user") {
			owner = p
		}
		return nil
	})
	if err != nil {
		return err
	}
	h := holders[sp.ID]
	add := func(k gKey, kind schemas.CredentialKind) {
		if k.KeyID == "" {
			return
		}
		h.h.Credentials = append(h.h.Credentials, connectors.Credential{
			ID: "entra:key:" + strings.ToLower(k.KeyID), Kind: kind, Owner: owner,
			CreatedAt: graphTime(k.StartDateTime), ExpiresAt: graphTime(k.EndDateTime),
		})
	}
	for _, k := range sp.KeyCredentials {
		add(k, schemas.CredentialCertificate)
	}
	for _, k := range sp.PasswordCredentials {
		add(k, schemas.CredentialClientSecret)
	}
	return nil
}

// roles adds every active directory role assignment and every PIM eligibility.
func (s *Snapshotter) roles(ctx context.Context, view *ingestView, holders map[string]*holder, top func(string) url.Values) error {
	defs := map[string]gRoleDefinition{}
	err := s.g.list(ctx, "roleManagement/directory/roleDefinitions", top("id,displayName,templateId"), func(raw json.RawMessage) error {
		var d gRoleDefinition
		if json.Unmarshal(raw, &d) == nil && d.ID != "" {
			defs[d.ID] = d
		}
		return nil
	})
	if err != nil {
		return err
	}
	ent := func(defID string, inline *gRoleDefinition) (schemas.Entitlement, bool, error) {
		d, ok := defs[defID]
		if !ok && inline != nil {
			d, ok = *inline, true
		}
		if !ok {
			return schemas.Entitlement{}, false, nil
		}
		tid := d.TemplateID
		if tid == "" {
			tid = d.ID
		}
		e, err := view.role(tid, d.DisplayName)
		return e, err == nil, err
	}
	err = s.g.list(ctx, "roleManagement/directory/roleAssignments", top(""), func(raw json.RawMessage) error {
		var a gRoleAssignment
		if json.Unmarshal(raw, &a) != nil {
			return nil
		}
		h, ok := holders[a.PrincipalID]
		if !ok {
			return nil // a role-assignable group's assignment
		}
		e, ok, err := ent(a.RoleDefinitionID, a.RoleDefinition)
		if err != nil || !ok {
			return err
		}
		h.grant(connectors.Grant{Entitlement: e})
		return nil
	})
	if err != nil {
		return err
	}
	return s.g.list(ctx, "roleManagement/directory/roleEligibilitySchedules", top(""), func(raw json.RawMessage) error {
		var el gEligibility
		if json.Unmarshal(raw, &el) != nil {
			return nil
		}
		h, ok := holders[el.PrincipalID]
		if !ok || !strings.EqualFold(el.Status, "Provisioned") && el.Status != "" {
			return nil
		}
		e, ok, err := ent(el.RoleDefinitionID, nil)
		if err != nil || !ok {
			return err
		}
		env := EnvironmentEligible
		e.Environment = &env
		g := connectors.Grant{Entitlement: e, GrantedAt: graphTime(el.CreatedDateTime)}
		if el.ScheduleInfo != nil && el.ScheduleInfo.Expiration != nil && !strings.EqualFold(el.ScheduleInfo.Expiration.Type, "noExpiration") {
			g.ExpiresAt = graphTime(el.ScheduleInfo.Expiration.EndDateTime)
		}
		h.grant(g)
		return nil
	})
}

// groups adds every direct membership of every group.
func (s *Snapshotter) groups(ctx context.Context, view *ingestView, holders map[string]*holder, top func(string) url.Values) error {
	var groups []gGroup
	err := s.g.list(ctx, "groups", top("id,displayName"), func(raw json.RawMessage) error {
		var g gGroup
		if json.Unmarshal(raw, &g) == nil && g.ID != "" {
			groups = append(groups, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, gr := range groups {
		e, err := view.group(gr.ID, gr.DisplayName)
		if err != nil {
			return err
		}
		err = s.g.list(ctx, "groups/"+url.PathEscape(gr.ID)+"/members", top("id"), func(raw json.RawMessage) error {
			var m gDirectoryObject
			if json.Unmarshal(raw, &m) != nil {
				return nil
			}
			if h, ok := holders[m.ID]; ok { // users and service principals; not devices, contacts, groups
				h.grant(connectors.Grant{Entitlement: e})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// appRoles adds the app role assignments to resource sp.
func (s *Snapshotter) appRoles(ctx context.Context, view *ingestView, sp gServicePrincipal, holders map[string]*holder, top func(string) url.Values) error {
	values := map[string]string{}
	for _, r := range sp.AppRoles {
		values[strings.ToLower(r.ID)] = r.Value
	}
	return s.g.list(ctx, "servicePrincipals/"+url.PathEscape(sp.ID)+"/appRoleAssignedTo", top(""), func(raw json.RawMessage) error {
		var a gAppRoleAssignment
		if json.Unmarshal(raw, &a) != nil {
			return nil
		}
		h, ok := holders[a.PrincipalID]
		if !ok {
			return nil // assigned to a group: its members hold it through the group
		}
		name := a.ResourceDisplayName
		if name == "" {
			name = sp.DisplayName
		}
		e, err := view.appRole(sp.ID, name, a.AppRoleID, values[strings.ToLower(a.AppRoleID)])
		if err != nil {
			return err
		}
		h.grant(connectors.Grant{Entitlement: e, GrantedAt: graphTime(a.CreatedDateTime)})
		return nil
	})
}

// graphTime reads a Graph DateTimeOffset; nil when absent or unreadable.
func graphTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}
