package okta

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// Snapshotter lists an Okta org's holdings: every user (deprovisioned ones too) with its
// group memberships, app assignments, admin roles and the API tokens it created.
type Snapshotter struct {
	api *api
	// Client is the vendor client every call goes through (tests shorten its backoff).
	Client *connectors.Client
}

var _ connectors.Snapshotter = (*Snapshotter)(nil)

// NewSnapshotter validates c (errors name keys under "connectors.okta") and builds the
// snapshotter; hc nil is a default client.
func NewSnapshotter(c Config, hc *http.Client) (*Snapshotter, error) {
	a, err := newAPI(c, "connectors.okta", hc)
	if err != nil {
		return nil, err
	}
	return &Snapshotter{api: a, Client: a.client}, nil
}

// Source is Okta.
func (s *Snapshotter) Source() schemas.Source { return source }

// System is "okta", the system of every Okta entitlement ingest makes.
func (s *Snapshotter) System() string { return System }

// The Okta objects a snapshot reads, with only the fields it needs.
type (
	oktaUser struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Profile struct {
			Login     string `json:"login"`
			Email     string `json:"email"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"profile"`
	}
	oktaGroup struct {
		ID      string `json:"id"`
		Type    string `json:"type"` // OKTA_GROUP, APP_GROUP, BUILT_IN
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
	}
	oktaApp struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Label  string `json:"label"`
		Status string `json:"status"`
	}
	oktaAppUser struct {
		ID      string `json:"id"`
		Scope   string `json:"scope"`
		Status  string `json:"status"`
		Created string `json:"created"`
	}
	oktaRoleAssignment struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Label   string `json:"label"`
		Status  string `json:"status"`
		Created string `json:"created"`
	}
	oktaAPIToken struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		UserID      string `json:"userId"`
		ClientName  string `json:"clientName"`
		TokenWindow string `json:"tokenWindow"`
		Created     string `json:"created"`
		ExpiresAt   string `json:"expiresAt"`
		LastUpdated string `json:"lastUpdated"`
	}
)

// statusOf maps Okta's user states: SUSPENDED and DEPROVISIONED are what they say; every
// other state (STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED) is an
// account that holds its access and can get it back without an admin granting anything.
func statusOf(s string) connectors.Status {
	switch strings.ToUpper(s) {
	case "SUSPENDED":
		return connectors.StatusSuspended
	case "DEPROVISIONED":
		return connectors.StatusDeprovisioned
	}
	return connectors.StatusActive
}

// principalOf is the user as ingest's Okta parser sees it in a User target: the login
// (Okta's alternateId) as the canonical key when it is an email, else okta:<id>.
func principalOf(u oktaUser) schemas.Principal {
	p := schemas.Principal{ID: ingest.CanonicalID(source, u.ID, u.Profile.Login), SourceID: u.ID, Type: schemas.PrincipalHuman}
	if name := strings.TrimSpace(u.Profile.FirstName + " " + u.Profile.LastName); name != "" {
		p.DisplayName = &name
	}
	if e := strings.ToLower(strings.TrimSpace(u.Profile.Login)); strings.Contains(e, "@") {
		p.Email = &e
	}
	return p
}

// groupEntitlement is a group as ingest makes it of a UserGroup target: okta:<group id>.
func groupEntitlement(g oktaGroup) schemas.Entitlement {
	return schemas.Entitlement{ID: "okta:" + g.ID, Name: g.Profile.Name, Kind: schemas.EntitlementGroup,
		Privilege: ingest.PrivilegeOf(g.Profile.Name), System: System}
}

// appEntitlement is an app as ingest makes it of an AppInstance target: okta:<app id>,
// named by its label (the target's displayName).
func appEntitlement(a oktaApp) schemas.Entitlement {
	name := a.Label
	if name == "" {
		name = a.Name
	}
	return schemas.Entitlement{ID: "okta:" + a.ID, Name: name, Kind: schemas.EntitlementApp,
		Privilege: ingest.PrivilegeOf(name), System: System}
}

// oktaRoleNames are the standard admin roles by type, named as the System Log's
// debugData.privilegeGranted names them: ingest keys a role grant okta:role:<that name,
// lower-cased>, and a snapshot's role must carry the same key.
var oktaRoleNames = map[string]string{
	"SUPER_ADMIN":                 "Super administrator",
	"ORG_ADMIN":                   "Organization administrator",
	"APP_ADMIN":                   "Application administrator (all)", // as the System Log names an unscoped one
	"USER_ADMIN":                  "Group administrator",
	"HELP_DESK_ADMIN":             "Help Desk administrator",
	"READ_ONLY_ADMIN":             "Read-only administrator",
	"MOBILE_ADMIN":                "Mobile administrator",
	"API_ACCESS_MANAGEMENT_ADMIN": "API Access Management administrator",
	"REPORT_ADMIN":                "Report administrator",
	"GROUP_MEMBERSHIP_ADMIN":      "Group membership administrator",
	"ACCESS_CERTIFICATIONS_ADMIN": "Access Certifications administrator",
	"ACCESS_REQUESTS_ADMIN":       "Access Requests administrator",
	"WORKFLOWS_ADMIN":             "Workflows administrator",
}

// roleEntitlement is an admin role as ingest's oktaRole makes it: ADMIN unless the name
// says read-only; the super administrator holds everything (a wildcard).
func roleEntitlement(r oktaRoleAssignment) schemas.Entitlement {
	name := oktaRoleNames[strings.ToUpper(r.Type)]
	if name == "" {
		name = r.Label // a custom role, or a standard one this table does not know yet
	}
	if name == "" {
		name = r.Type
	}
	priv := ingest.PrivilegeOf(name)
	if priv == schemas.PrivilegeUnknown {
		priv = schemas.PrivilegeAdmin
	}
	return schemas.Entitlement{ID: "okta:role:" + strings.ToLower(strings.TrimSpace(name)), Name: name, Kind: schemas.EntitlementRole,
		Privilege: priv, System: System, Wildcard: strings.EqualFold(r.Type, "SUPER_ADMIN")}
}

// holder is one user's holding being assembled.
type holder struct {
	h    connectors.Holding
	keys map[string]bool
}

func (h *holder) grant(g connectors.Grant) {
	k := schemas.EntitlementKey(g.Entitlement.System, g.Entitlement.ID, g.Entitlement.Name)
	if h.keys[k] {
		return
	}
	h.keys[k] = true
	h.h.Grants = append(h.h.Grants, g)
}

// Snapshot lists the users, then who is in each group and assigned each app, then the
// API tokens and each user's admin roles, and emits every user once it knows all of it.
// Okta's built-in Everyone group is left out: every user is in it and no event adds
// anyone to it.
func (s *Snapshotter) Snapshot(ctx context.Context, emit func(connectors.Holding) error) error {
	a := s.api
	users := map[string]*holder{}
	var order []string
	addUser := func(u oktaUser) error {
		if u.ID == "" || users[u.ID] != nil {
			return nil
		}
		users[u.ID] = &holder{h: connectors.Holding{Principal: principalOf(u), Status: statusOf(u.Status)}, keys: map[string]bool{}}
		order = append(order, u.ID)
		return nil
	}
	limit := url.Values{"limit": {a.limit(maxListLimit)}}
	if err := list(ctx, a, "/api/v1/users", limit, addUser); err != nil {
		return err
	}
	// The plain listing leaves deprovisioned users out; they are asked for by name.
	deprov := url.Values{"limit": {a.limit(maxListLimit)}, "search": {`status eq "DEPROVISIONED"`}}
	if err := list(ctx, a, "/api/v1/users", deprov, addUser); err != nil {
		return err
	}
	err := list(ctx, a, "/api/v1/groups", limit, func(g oktaGroup) error {
		if g.ID == "" || strings.EqualFold(g.Type, "BUILT_IN") {
			return nil
		}
		ent := groupEntitlement(g)
		return list(ctx, a, "/api/v1/groups/"+url.PathEscape(g.ID)+"/users", limit, func(u oktaUser) error {
			if h := users[u.ID]; h != nil {
				h.grant(connectors.Grant{Entitlement: ent})
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	err = list(ctx, a, "/api/v1/apps", limit, func(app oktaApp) error {
		if app.ID == "" {
			return nil
		}
		ent := appEntitlement(app)
		return list(ctx, a, "/api/v1/apps/"+url.PathEscape(app.ID)+"/users", limit, func(au oktaAppUser) error {
			if h := users[au.ID]; h != nil {
				h.grant(connectors.Grant{Entitlement: ent, GrantedAt: oktaTime(au.Created)})
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	err = list(ctx, a, "/api/v1/api-tokens", limit, func(t oktaAPIToken) error {
		h := users[t.UserID]
		if t.ID == "" || h == nil {
			return nil
		}
		owner := h.h.Principal
		h.h.Credentials = append(h.h.Credentials, connectors.Credential{
			ID: "okta:" + t.ID, Kind: schemas.CredentialAPIToken, Owner: &owner,
			CreatedAt: oktaTime(t.Created), ExpiresAt: oktaTime(t.ExpiresAt), LastUsedAt: lastUsed(t),
		})
		return nil
	})
	if err != nil && !notAvailable(err) {
		return err
	}
	for _, id := range order {
		h := users[id]
		if h.h.Status == connectors.StatusDeprovisioned {
			// A deprovisioned user holds no role (Okta removes its admin assignments).
			continue
		}
		err := list(ctx, a, "/api/v1/users/"+url.PathEscape(id)+"/roles", nil, func(r oktaRoleAssignment) error {
			if r.Type == "" || (r.Status != "" && !strings.EqualFold(r.Status, "ACTIVE")) {
				return nil
			}
			h.grant(connectors.Grant{Entitlement: roleEntitlement(r), GrantedAt: oktaTime(r.Created)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, id := range order {
		h := users[id].h
		sort.SliceStable(h.Grants, func(i, j int) bool { return h.Grants[i].Entitlement.ID < h.Grants[j].Entitlement.ID })
		if err := emit(h); err != nil {
			return err
		}
	}
	return nil
}

// notAvailable reports an endpoint the org does not have (404): /api/v1/api-tokens is
// missing on orgs that predate it, and a listing without it is still complete for grants.
func notAvailable(err error) bool {
	var st *connectors.StatusError
	return errors.As(err, &st) && st.Status == http.StatusNotFound
}

// lastUsed is when an API token was last used: Okta renews a token's expiry on every
// call, to the call plus its tokenWindow (P30D by default), so the expiry less the window
// is the last call. Nil when either is missing or the window is not a plain duration.
func lastUsed(t oktaAPIToken) *time.Time {
	exp := oktaTime(t.ExpiresAt)
	w, ok := isoDuration(t.TokenWindow)
	if exp == nil || !ok {
		return nil
	}
	used := exp.Add(-w)
	return &used
}

// isoDuration reads the ISO 8601 durations Okta uses for token windows: PnD, PTnH, PTnM
// and their combinations (no years or months, whose length varies).
func isoDuration(s string) (time.Duration, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, false
	}
	var d time.Duration
	inTime, n, digits := false, int64(0), false
	for _, r := range s[1:] {
		switch {
		case r == 'T' && !inTime && !digits:
			inTime = true
			continue
		case r >= '0' && r <= '9':
			if n > 1e6 {
				return 0, false
			}
			n, digits = n*10+int64(r-'0'), true
			continue
		case !digits:
			return 0, false
		case r == 'W' && !inTime:
			d += time.Duration(n) * 7 * 24 * time.Hour
		case r == 'D' && !inTime:
			d += time.Duration(n) * 24 * time.Hour
		case r == 'H' && inTime:
			d += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			d += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			d += time.Duration(n) * time.Second
		default:
			return 0, false
		}
		n, digits = 0, false
	}
	return d, !digits && d > 0
}
