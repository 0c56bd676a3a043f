package ingest

import "github.com/tollgate-io/tollgate/schemas"

// OCSF 1.8.0 IAM classes used by tollgate.
const (
	OcsfAccountChange        int32 = 3001
	OcsfAuthentication       int32 = 3002
	OcsfEntityManagement     int32 = 3004
	OcsfUserAccessManagement int32 = 3005
	OcsfGroupManagement      int32 = 3006
)

// OcsfMapping is one row of the OCSF table: events with Action (and, when Kind is set, an
// entitlement of that kind; when AdminOnly is set, an ADMIN entitlement) have this class and
// activity.
type OcsfMapping struct {
	Action     schemas.Action
	Kind       schemas.EntitlementKind
	AdminOnly  bool
	ClassUID   int32
	ActivityID int32
	Activity   string // OCSF activity name, for docs
}

// OcsfTable maps actions to OCSF 1.8.0 class_uid/activity_id. Rows with a Kind or AdminOnly
// are more specific and are listed before the general row of the same action; the first
// matching row wins. Ticket actions have no OCSF IAM class and map to 0/0 (Unknown).
var OcsfTable = []OcsfMapping{
	{Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementGroup, ClassUID: OcsfGroupManagement, ActivityID: 3, Activity: "Group Management: Add User"},
	{Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementGroup, ClassUID: OcsfGroupManagement, ActivityID: 4, Activity: "Group Management: Remove User"},
	{Action: schemas.ActionAccessGrant, Kind: schemas.EntitlementPolicy, ClassUID: OcsfAccountChange, ActivityID: 7, Activity: "Account Change: Attach Policy"},
	{Action: schemas.ActionAccessRevoke, Kind: schemas.EntitlementPolicy, ClassUID: OcsfAccountChange, ActivityID: 8, Activity: "Account Change: Detach Policy"},
	{Action: schemas.ActionAccessGrant, AdminOnly: true, ClassUID: OcsfUserAccessManagement, ActivityID: 1, Activity: "User Access Management: Assign Privileges"},
	{Action: schemas.ActionAccessGrant, ClassUID: OcsfUserAccessManagement, ActivityID: 1, Activity: "User Access Management: Assign Privileges"},
	{Action: schemas.ActionAccessRevoke, ClassUID: OcsfUserAccessManagement, ActivityID: 2, Activity: "User Access Management: Revoke Privileges"},
	{Action: schemas.ActionImpersonation, ClassUID: OcsfUserAccessManagement, ActivityID: 1, Activity: "User Access Management: Assign Privileges"},
	{Action: schemas.ActionAccountCreate, ClassUID: OcsfAccountChange, ActivityID: 1, Activity: "Account Change: Create"},
	{Action: schemas.ActionAccountEnable, ClassUID: OcsfAccountChange, ActivityID: 2, Activity: "Account Change: Enable"},
	{Action: schemas.ActionPasswordChange, ClassUID: OcsfAccountChange, ActivityID: 3, Activity: "Account Change: Password Change"},
	{Action: schemas.ActionPasswordReset, ClassUID: OcsfAccountChange, ActivityID: 4, Activity: "Account Change: Password Reset"},
	{Action: schemas.ActionAccountDisable, ClassUID: OcsfAccountChange, ActivityID: 5, Activity: "Account Change: Disable"},
	{Action: schemas.ActionAccountDelete, ClassUID: OcsfAccountChange, ActivityID: 6, Activity: "Account Change: Delete"},
	{Action: schemas.ActionAccountLock, ClassUID: OcsfAccountChange, ActivityID: 9, Activity: "Account Change: Lock"},
	{Action: schemas.ActionMFAEnroll, ClassUID: OcsfAccountChange, ActivityID: 10, Activity: "Account Change: MFA Factor Enable"},
	{Action: schemas.ActionMFAReset, ClassUID: OcsfAccountChange, ActivityID: 11, Activity: "Account Change: MFA Factor Disable"},
	{Action: schemas.ActionAccountUnlock, ClassUID: OcsfAccountChange, ActivityID: 12, Activity: "Account Change: Unlock"},
	{Action: schemas.ActionSignIn, ClassUID: OcsfAuthentication, ActivityID: 1, Activity: "Authentication: Logon"},
	{Action: schemas.ActionPolicyChange, ClassUID: OcsfEntityManagement, ActivityID: 3, Activity: "Entity Management: Update"},
	{Action: schemas.ActionCredentialCreate, ClassUID: OcsfEntityManagement, ActivityID: 1, Activity: "Entity Management: Create"},
	{Action: schemas.ActionCredentialRotate, ClassUID: OcsfEntityManagement, ActivityID: 3, Activity: "Entity Management: Update"},
	{Action: schemas.ActionCredentialDelete, ClassUID: OcsfEntityManagement, ActivityID: 4, Activity: "Entity Management: Delete"},
	{Action: schemas.ActionAccessReviewed, ClassUID: OcsfEntityManagement, ActivityID: 3, Activity: "Entity Management: Update"},
	{Action: schemas.ActionRead, ClassUID: OcsfEntityManagement, ActivityID: 2, Activity: "Entity Management: Read"},
	{Action: schemas.ActionOther, ClassUID: OcsfEntityManagement, ActivityID: 99, Activity: "Entity Management: Other"},
}

// OcsfFor returns the OCSF class and activity of an action on an entitlement of kind and
// privilege (kind may be empty). Actions without a row (tickets) map to 0/0.
func OcsfFor(action schemas.Action, kind schemas.EntitlementKind, priv schemas.Privilege) schemas.Ocsf {
	for _, m := range OcsfTable {
		if m.Action != action {
			continue
		}
		if m.Kind != "" && m.Kind != kind {
			continue
		}
		if m.AdminOnly && priv != schemas.PrivilegeAdmin {
			continue
		}
		return schemas.Ocsf{ClassUID: m.ClassUID, ActivityID: m.ActivityID}
	}
	return schemas.Ocsf{}
}
