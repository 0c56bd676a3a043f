package entra

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// A snapshot's entitlements and principals are the ones ingest makes of the audit record
// that would grant them: the snapshot writes that record ("Add member to group", "Add
// member to role", "Add app role assignment to service principal", a sign-in) and reads
// ParseEntra's answer. The id, name, kind and privilege conventions so live in one place,
// ingest/entra.go, and a snapshot grant has the schemas.EntitlementKey of the event-born
// grant of the same change by construction.

// GlobalAdministratorTemplate is the role template id of Global Administrator, the same
// in every tenant.
const GlobalAdministratorTemplate = "62e90394-69f5-4237-9190-012177145e10"

// EnvironmentEligible is the Environment of a grant that is a PIM eligibility, not an
// active assignment: the holder can activate the role (within its policy) but does not
// hold it now. The key is the active role's, as ingest gives "Add eligible member to
// role" the key of "Add member to role"; a holder with both is listed as active.
const EnvironmentEligible = "pim-eligible"

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ingestView caches what ingest makes of each synthesized record.
type ingestView struct {
	ents map[string]schemas.Entitlement
}

func newIngestView() *ingestView { return &ingestView{ents: map[string]schemas.Entitlement{}} }

// quoted is a modifiedProperties value as Graph writes one: JSON text in a JSON string.
func quoted(s string) string {
	inner, _ := json.Marshal(s)
	return string(inner)
}

type synthTarget struct {
	ID                 string      `json:"id,omitempty"`
	DisplayName        string      `json:"displayName,omitempty"`
	Type               string      `json:"type"`
	UserPrincipalName  string      `json:"userPrincipalName,omitempty"`
	ModifiedProperties []synthProp `json:"modifiedProperties,omitempty"`
}

type synthProp struct {
	DisplayName string `json:"displayName"`
	NewValue    string `json:"newValue"`
}

func (v *ingestView) entitlement(memo, activity, category string, targets []synthTarget) (schemas.Entitlement, error) {
	if e, ok := v.ents[memo]; ok {
		return e, nil
	}
	rec := map[string]any{
		"id": "tollgate-snapshot", "category": category, "activityDisplayName": activity, "result": "success",
		"activityDateTime": epoch.Format(time.RFC3339), "loggedByService": "Core Directory", "targetResources": targets,
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return schemas.Entitlement{}, err
	}
	evs, err := ingest.ParseEntra(b, epoch)
	if err != nil {
		return schemas.Entitlement{}, fmt.Errorf("ingest does not parse a synthesized %q: %w", activity, err)
	}
	if len(evs) != 1 || evs[0].Entitlement == nil {
		return schemas.Entitlement{}, fmt.Errorf("ingest makes no entitlement of %q", activity)
	}
	e := *evs[0].Entitlement
	v.ents[memo] = e
	return e, nil
}

var someUser = synthTarget{ID: "00000000-0000-0000-0000-000000000001", Type: "User", UserPrincipalName: "snapshot@tollgate.invalid"}

// group is the entitlement of membership of group id.
func (v *ingestView) group(id, name string) (schemas.Entitlement, error) {
	return v.entitlement("group|"+id, "Add member to group", "GroupManagement",
		[]synthTarget{someUser, {ID: id, DisplayName: name, Type: "Group"}})
}

// role is the entitlement of directory role templateID (a role definition's templateId,
// which is its id for built-in roles). Global Administrator is a wildcard: it holds every
// permission of the directory.
func (v *ingestView) role(templateID, name string) (schemas.Entitlement, error) {
	u := someUser
	u.ModifiedProperties = []synthProp{{"Role.DisplayName", quoted(name)}, {"Role.TemplateId", quoted(templateID)}}
	e, err := v.entitlement("role|"+templateID, "Add member to role", "RoleManagement", []synthTarget{u})
	if err == nil && strings.EqualFold(templateID, GlobalAdministratorTemplate) {
		e.Privilege, e.Wildcard = schemas.PrivilegeAdmin, true
	}
	return e, err
}

// appRole is the entitlement of app role roleID (value roleValue; "" for default access)
// of resource service principal resourceID.
func (v *ingestView) appRole(resourceID, resourceName, roleID, roleValue string) (schemas.Entitlement, error) {
	props := []synthProp{{"ServicePrincipal.ObjectID", quoted("00000000-0000-0000-0000-000000000002")}}
	if roleValue != "" {
		props = append(props, synthProp{"AppRole.Id", quoted(roleID)}, synthProp{"AppRole.Value", quoted(roleValue)})
	}
	return v.entitlement("app|"+resourceID+"|"+roleID+"|"+roleValue, "Add app role assignment to service principal", "ApplicationManagement",
		[]synthTarget{{ID: resourceID, DisplayName: resourceName, Type: "ServicePrincipal", ModifiedProperties: props}})
}

// userPrincipal is the principal ingest makes of a user's sign-in.
func userPrincipal(id, upn, display string) (*schemas.Principal, error) {
	return signInPrincipal(map[string]any{"userId": id, "userPrincipalName": upn, "userDisplayName": display})
}

// servicePrincipal is the principal ingest makes of a service principal's sign-in (an NHI).
func servicePrincipal(id, display string) (*schemas.Principal, error) {
	p, err := signInPrincipal(map[string]any{"servicePrincipalId": id, "servicePrincipalName": display})
	if p != nil {
		p.Type = schemas.PrincipalNHI
	}
	return p, err
}

func signInPrincipal(rec map[string]any) (*schemas.Principal, error) {
	rec["id"] = "tollgate-snapshot"
	rec["createdDateTime"] = epoch.Format(time.RFC3339)
	rec["status"] = map[string]any{"errorCode": 0}
	b, _ := json.Marshal(rec)
	evs, err := ingest.ParseEntra(b, epoch)
	if err != nil {
		return nil, err
	}
	if len(evs) != 1 || evs[0].Subject == nil {
		return nil, fmt.Errorf("ingest makes no principal of %v", rec)
	}
	return evs[0].Subject, nil
}
