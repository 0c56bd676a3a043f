package google

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// Snapshotter lists a Workspace account's holdings: every user (suspended, archived and
// recently deleted ones too) with its admin roles, group memberships and the apps it gave
// OAuth access, and the external members of its groups.
type Snapshotter struct {
	api *api
	// Client is the vendor client every call goes through (tests shorten its backoff).
	Client *connectors.Client
}

var _ connectors.Snapshotter = (*Snapshotter)(nil)

// NewSnapshotter validates c (errors name keys under "connectors.google") and builds the
// snapshotter; hc nil is a default client (it also carries the token requests).
func NewSnapshotter(c Config, hc *http.Client) (*Snapshotter, error) {
	a, err := newAPI(c, "connectors.google", hc)
	if err != nil {
		return nil, err
	}
	return &Snapshotter{api: a, Client: a.client}, nil
}

// Source is Google Workspace.
func (s *Snapshotter) Source() schemas.Source { return source }

// System is "google_workspace", the system of every Workspace entitlement ingest makes.
func (s *Snapshotter) System() string { return System }

// The Directory objects a snapshot reads, with only the fields it needs.
type (
	gUser struct {
		ID           flexString `json:"id"`
		PrimaryEmail string     `json:"primaryEmail"`
		Name         struct {
			FullName string `json:"fullName"`
		} `json:"name"`
		Suspended bool `json:"suspended"`
		Archived  bool `json:"archived"`
	}
	gGroup struct {
		ID    flexString `json:"id"`
		Email string     `json:"email"`
		Name  string     `json:"name"`
	}
	gMember struct {
		ID     flexString `json:"id"`
		Email  string     `json:"email"`
		Role   string     `json:"role"` // OWNER, MANAGER, MEMBER
		Type   string     `json:"type"` // USER, GROUP, CUSTOMER, EXTERNAL
		Status string     `json:"status"`
	}
	gRole struct {
		RoleID           flexString `json:"roleId"`
		RoleName         string     `json:"roleName"`
		IsSuperAdminRole bool       `json:"isSuperAdminRole"`
	}
	gRoleAssignment struct {
		RoleID       flexString `json:"roleId"`
		AssignedTo   string     `json:"assignedTo"`
		AssigneeType string     `json:"assigneeType"` // user, group
	}
	gToken struct {
		ClientID    string   `json:"clientId"`
		DisplayText string   `json:"displayText"`
		Scopes      []string `json:"scopes"`
		Anonymous   bool     `json:"anonymous"`
		NativeApp   bool     `json:"nativeApp"`
	}
)

// principalOf is the user as ingest's Workspace parser keys it: the primary email.
func principalOf(id, email, name string) schemas.Principal {
	p := schemas.Principal{ID: ingest.CanonicalID(source, id, email), SourceID: id, Type: schemas.PrincipalHuman}
	if p.SourceID == "" {
		p.SourceID = email
	}
	if name != "" {
		p.DisplayName = &name
	}
	if e := strings.ToLower(strings.TrimSpace(email)); strings.Contains(e, "@") {
		p.Email = &e
		if strings.HasSuffix(e, ".gserviceaccount.com") {
			p.Type = schemas.PrincipalNHI
		}
	}
	return p
}

// roleEntitlement is an admin role as ingest makes it of ASSIGN_ROLE's ROLE_NAME
// (google_workspace:role:<roleName>, the Directory's role name: _SEED_ADMIN_ROLE for the
// super administrator, _HELP_DESK_ADMIN_ROLE, a custom role's name): ADMIN unless the
// name says it only reads; the super administrator's is a wildcard.
func roleEntitlement(r gRole) schemas.Entitlement {
	name := r.RoleName
	if name == "" {
		name = string(r.RoleID)
	}
	priv := ingest.PrivilegeOf(name)
	if priv == schemas.PrivilegeUnknown || r.IsSuperAdminRole {
		priv = schemas.PrivilegeAdmin
	}
	return schemas.Entitlement{ID: "google_workspace:role:" + name, Name: name, Kind: schemas.EntitlementRole,
		Privilege: priv, System: System, Wildcard: r.IsSuperAdminRole}
}

// groupEntitlement is a group as ingest makes it of GROUP_EMAIL: by the group's email; a
// group whose name says nothing takes the member's role (an owner administers it).
func groupEntitlement(g gGroup, role string) schemas.Entitlement {
	priv := ingest.PrivilegeOf(g.Email)
	if priv == schemas.PrivilegeUnknown {
		priv = ingest.PrivilegeOf(role)
	}
	return schemas.Entitlement{ID: "google_workspace:group:" + strings.ToLower(g.Email), Name: g.Email, Kind: schemas.EntitlementGroup,
		Privilege: priv, System: System}
}

// appEntitlement is an app a user gave OAuth access, as ingest makes it of token
// authorize: google_workspace:app:<client id>, its privilege from the scopes.
func appEntitlement(t gToken) schemas.Entitlement {
	name := t.DisplayText
	if name == "" {
		name = t.ClientID
	}
	return schemas.Entitlement{ID: "google_workspace:app:" + t.ClientID, Name: name, Kind: schemas.EntitlementApp,
		Privilege: scopePrivilege(t.Scopes), System: System}
}

// scopePrivilege classifies OAuth scopes as ingest does: admin.*, cloud-platform and
// ediscovery scopes are ADMIN, readonly-only scopes READ, anything else WRITE.
func scopePrivilege(scopes []string) schemas.Privilege {
	if len(scopes) == 0 {
		return schemas.PrivilegeUnknown
	}
	allRead := true
	for _, s := range scopes {
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

type holder struct {
	h    connectors.Holding
	keys map[string]bool
}

func (h *holder) grant(ent schemas.Entitlement) {
	k := schemas.EntitlementKey(ent.System, ent.ID, ent.Name)
	if h.keys[k] {
		return
	}
	h.keys[k] = true
	h.h.Grants = append(h.h.Grants, connectors.Grant{Entitlement: ent})
}

// Snapshot lists users (and deleted ones), groups and their direct members, roles and
// their assignments (a role assigned to a group is held by its members), then each
// user's OAuth grants, and emits every holder once it knows all of it. Nested groups are
// not expanded: ingest sees a membership event only for the direct member.
func (s *Snapshotter) Snapshot(ctx context.Context, emit func(connectors.Holding) error) error {
	a := s.api
	byID := map[string]*holder{}
	byEmail := map[string]*holder{}
	var order []*holder
	add := func(p schemas.Principal, st connectors.Status) *holder {
		h := &holder{h: connectors.Holding{Principal: p, Status: st}, keys: map[string]bool{}}
		byEmail[p.ID] = h
		order = append(order, h)
		return h
	}
	users := url.Values{"customer": {a.customer}, "maxResults": {a.size(500)}, "projection": {"basic"}, "orderBy": {"email"}}
	err := list(ctx, a, "/admin/directory/v1/users", users, "users", func(u gUser) error {
		if u.PrimaryEmail == "" || byID[string(u.ID)] != nil {
			return nil
		}
		st := connectors.StatusActive
		if u.Suspended || u.Archived {
			st = connectors.StatusSuspended
		}
		byID[string(u.ID)] = add(principalOf(string(u.ID), u.PrimaryEmail, u.Name.FullName), st)
		return nil
	})
	if err != nil {
		return err
	}
	// Users deleted in the last 20 days: deprovisioned, so their grants are revoked.
	deleted := url.Values{"customer": {a.customer}, "maxResults": {a.size(500)}, "showDeleted": {"true"}}
	err = list(ctx, a, "/admin/directory/v1/users", deleted, "users", func(u gUser) error {
		p := principalOf(string(u.ID), u.PrimaryEmail, u.Name.FullName)
		if p.ID == "" || byID[string(u.ID)] != nil || byEmail[p.ID] != nil {
			return nil // a live user of the same address is the one that holds access now
		}
		add(p, connectors.StatusDeprovisioned)
		return nil
	})
	if err != nil {
		return err
	}
	groupMembers := map[string][]*holder{} // group id → its direct user members
	groups := url.Values{"customer": {a.customer}, "maxResults": {a.size(200)}}
	err = list(ctx, a, "/admin/directory/v1/groups", groups, "groups", func(g gGroup) error {
		if g.ID == "" || g.Email == "" {
			return nil
		}
		return list(ctx, a, "/admin/directory/v1/groups/"+url.PathEscape(string(g.ID))+"/members", url.Values{"maxResults": {a.size(200)}}, "members",
			func(m gMember) error {
				if !strings.EqualFold(m.Type, "USER") && !strings.EqualFold(m.Type, "EXTERNAL") && m.Type != "" {
					return nil // a nested group, or the whole customer
				}
				h := byID[string(m.ID)]
				if h == nil && m.Email != "" {
					p := principalOf(string(m.ID), m.Email, "")
					if h = byEmail[p.ID]; h == nil {
						h = add(p, connectors.StatusActive) // someone outside the account holds this group
					}
				}
				if h == nil || h.h.Status == connectors.StatusDeprovisioned {
					return nil
				}
				h.grant(groupEntitlement(g, m.Role))
				groupMembers[string(g.ID)] = append(groupMembers[string(g.ID)], h)
				return nil
			})
	})
	if err != nil {
		return err
	}
	roles := map[string]gRole{}
	rolesPath := "/admin/directory/v1/customer/" + url.PathEscape(a.customer)
	err = list(ctx, a, rolesPath+"/roles", url.Values{"maxResults": {a.size(100)}}, "items", func(r gRole) error {
		roles[string(r.RoleID)] = r
		return nil
	})
	if err != nil {
		return err
	}
	err = list(ctx, a, rolesPath+"/roleassignments", url.Values{"maxResults": {a.size(200)}}, "items", func(ra gRoleAssignment) error {
		r, ok := roles[string(ra.RoleID)]
		if !ok {
			r = gRole{RoleID: ra.RoleID}
		}
		ent := roleEntitlement(r)
		if strings.EqualFold(ra.AssigneeType, "group") {
			for _, h := range groupMembers[ra.AssignedTo] {
				h.grant(ent)
			}
			return nil
		}
		if h := byID[ra.AssignedTo]; h != nil && h.h.Status != connectors.StatusDeprovisioned {
			h.grant(ent)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, h := range order {
		if h.h.Status == connectors.StatusDeprovisioned || byID[h.h.Principal.SourceID] != h {
			continue // deleted users' grants are gone; outsiders have no tokens here
		}
		err := list(ctx, a, "/admin/directory/v1/users/"+url.PathEscape(h.h.Principal.SourceID)+"/tokens", nil, "items", func(t gToken) error {
			if t.ClientID == "" {
				return nil
			}
			h.grant(appEntitlement(t))
			owner := h.h.Principal
			h.h.Credentials = append(h.h.Credentials, connectors.Credential{
				ID: "google_workspace:oauth_token:" + t.ClientID + ":" + owner.ID, Kind: schemas.CredentialOther, Owner: &owner})
			return nil
		})
		if err != nil && !gone(err) {
			return err
		}
	}
	for _, h := range order {
		sort.SliceStable(h.h.Grants, func(i, j int) bool { return h.h.Grants[i].Entitlement.ID < h.h.Grants[j].Entitlement.ID })
		if err := emit(h.h); err != nil {
			return err
		}
	}
	return nil
}

// gone reports a user deleted between the listing and the call (404).
func gone(err error) bool {
	var st *connectors.StatusError
	return errors.As(err, &st) && st.Status == http.StatusNotFound
}
