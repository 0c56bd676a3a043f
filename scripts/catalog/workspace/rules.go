package main

import (
	"path"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// pagesInScope are the appendix pages the catalogue covers: every admin event type; the
// applications whose events are about identities, their credentials, sign-ins and
// memberships; and the activity applications whose every event is plainly no access
// change (meetings, devices, searches, data-protection signals). The applications whose
// events share documents or change memberships of their own (drive, calendar, chat,
// classroom, assignments, keep, vault, data_studio, data_migration) are left out on
// purpose until their sharing events have a governed meaning; their events record a
// catalogue miss.
var pagesInScope = []string{
	"admin-application-settings", "admin-calendar-settings", "admin-chat-settings", "admin-chrome-os-settings",
	"admin-contacts-settings", "admin-delegated-admin-settings", "admin-docs-settings", "admin-domain-settings",
	"admin-gmail-settings", "admin-group-settings", "admin-licenses-settings", "admin-mobile-settings",
	"admin-org-settings", "admin-security-settings", "admin-sites-settings", "admin-user-settings",
	"admin-data-action", "access-evaluation", "access-transparency", "context-aware-access", "directory-sync",
	"gcp", "graduation", "groups", "groups-enterprise", "ldap", "login", "profile", "saml", "takeout", "token",
	"user-accounts",
	"chrome", "cloud-search", "contacts", "gemini-in-workspace-apps", "gmail", "gplus", "meet", "meet-hardware",
	"mobile", "rules", "tasks",
}

// supplements are events real feeds carry that the published reference does not list.
// Each says where it was seen; the generator drops nothing silently and refuses a
// supplement once the reference lists it.
var supplements = []event{
	{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "CUSTOMER_TAKEOUT_CREATED", Supplement: "type CUSTOMER_TAKEOUT, seen in admin feeds (Panther's gsuite rules, tollgate's labelled fixtures)"},
	{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "CUSTOMER_TAKEOUT_SUCCEEDED", Supplement: "type CUSTOMER_TAKEOUT, seen in admin feeds (Panther's gsuite rules, tollgate's labelled fixtures)"},
	{App: "groups_enterprise", Type: "moderator_action", Name: "ban_user_with_moderation", Supplement: "the groups application's name for the ban, seen under groups_enterprise in real feeds (tollgate's labelled fixtures)"},
}

// rule classifies the events of one application and type whose name matches Name (a
// path.Match glob). Empty App or Type match any. The first matching rule decides.
type rule struct {
	App, Type, Name string
	Action          string // a schemas.Action, catalog.NoAccessChange or catalog.Unknown
	Kind            schemas.EntitlementKind
	Privilege       schemas.Privilege
	Why             string
}

// match returns the index of the first rule for the event.
func match(app, typ, name string) (int, bool) {
	for i, r := range rules {
		if r.App != "" && r.App != app {
			continue
		}
		if r.Type != "" && r.Type != typ {
			continue
		}
		if ok, _ := path.Match(r.Name, name); ok {
			return i, true
		}
	}
	return 0, false
}

const (
	grant     = string(schemas.ActionAccessGrant)
	revoke    = string(schemas.ActionAccessRevoke)
	policy    = string(schemas.ActionPolicyChange)
	signIn    = string(schemas.ActionSignIn)
	read      = string(schemas.ActionRead)
	pwReset   = string(schemas.ActionPasswordReset)
	pwChange  = string(schemas.ActionPasswordChange)
	mfaReset  = string(schemas.ActionMFAReset)
	mfaEnroll = string(schemas.ActionMFAEnroll)
	create    = string(schemas.ActionAccountCreate)
	enable    = string(schemas.ActionAccountEnable)
	disable   = string(schemas.ActionAccountDisable)
	remove    = string(schemas.ActionAccountDelete)
	unlock    = string(schemas.ActionAccountUnlock)
	credNew   = string(schemas.ActionCredentialCreate)
	credRot   = string(schemas.ActionCredentialRotate)
	credDel   = string(schemas.ActionCredentialDelete)
	noChange  = catalog.NoAccessChange

	role  = schemas.EntitlementRole
	group = schemas.EntitlementGroup
	app   = schemas.EntitlementApp
	pol   = schemas.EntitlementPolicy
	perm  = schemas.EntitlementPermission
	admin = schemas.PrivilegeAdmin
)

// rules is the classification table, most specific first. Types are the admin event
// types and the application types as the reference spells them.
var rules = []rule{
	// --- admin, every type: exports and notifications.
	{App: "admin", Name: "DOWNLOAD_*", Action: read, Why: "an administrator downloads a list (users, invitations, app requests)"},
	{App: "admin", Name: "*_DOWNLOAD", Action: read, Why: "an administrator downloads a list of groups or members"},
	{App: "admin", Name: "*NOTIFICATION*", Action: noChange, Why: "a notification was sent or a notification preference changed"},
	{App: "admin", Name: "CREATE_*ENROLLMENT_TOKEN", Action: credNew, Why: "an enrollment token enrolls devices or browsers into an organizational unit: a credential that needs an owner and an expiry"},
	{App: "admin", Name: "REVOKE_*ENROLLMENT_TOKEN", Action: credDel, Why: "an enrollment token was revoked"},

	// --- admin USER_SETTINGS: one user's account, credentials and profile.
	{App: "admin", Type: "USER_SETTINGS", Name: "CREATE_USER", Action: create, Why: "a user account was created"},
	{App: "admin", Type: "USER_SETTINGS", Name: "ACCEPT_USER_INVITATION", Action: create, Why: "an invited (unmanaged) account joined the organization and is now managed"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UNMANAGED_USERS_BULK_UPLOAD", Action: noChange, Why: "unmanaged users were selected for invitation; access begins when one accepts"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*BULK_UPLOAD", Action: create, Why: "a bulk upload creates or updates user accounts"},
	{App: "admin", Type: "USER_SETTINGS", Name: "DELETE_USER", Action: remove, Why: "a user account was deleted"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UNDELETE_USER", Action: enable, Why: "a deleted user account was restored"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UN*_USER", Action: enable, Why: "a suspended or archived user can sign in again"},
	{App: "admin", Type: "USER_SETTINGS", Name: "SUSPEND_USER", Action: disable, Why: "a user was suspended and can no longer sign in"},
	{App: "admin", Type: "USER_SETTINGS", Name: "ARCHIVE_USER", Action: disable, Why: "an archived user can no longer sign in"},
	{App: "admin", Type: "USER_SETTINGS", Name: "GRANT_*ADMIN_PRIVILEGE*", Action: grant, Kind: role, Privilege: admin, Why: "a user was made super administrator or given delegated admin privileges"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REVOKE_ADMIN_PRIVILEGE", Action: revoke, Kind: role, Privilege: admin, Why: "a user's super administrator privilege was revoked"},
	{App: "admin", Type: "USER_SETTINGS", Name: "CHANGE_PASSWORD*", Action: pwReset, Why: "an administrator set a user's password, or required a new one at next sign-in"},
	{App: "admin", Type: "USER_SETTINGS", Name: "VIEW_TEMP_PASSWORD", Action: read, Why: "an administrator viewed a user's temporary password"},
	{App: "admin", Type: "USER_SETTINGS", Name: "USER_ENROLLED_IN_TWO_STEP_VERIFICATION", Action: mfaEnroll, Why: "the user enrolled in 2-step verification"},
	{App: "admin", Type: "USER_SETTINGS", Name: "SECURITY_KEY_REGISTERED_FOR_USER", Action: mfaEnroll, Why: "a security key was registered for the user"},
	{App: "admin", Type: "USER_SETTINGS", Name: "TURN_OFF_2_STEP_VERIFICATION", Action: mfaReset, Why: "an administrator turned off the user's 2-step verification"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UNENROLL_USER_FROM_*", Action: mfaReset, Why: "the user was unenrolled from strong authentication (2SV) or Advanced Protection"},
	{App: "admin", Type: "USER_SETTINGS", Name: "USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD", Action: mfaReset, Why: "the user may sign in without 2-step verification for a while: recovery for a lost factor"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*_2SV_SCRATCH_CODES", Action: mfaReset, Why: "an administrator generated or deleted the user's 2SV backup codes: factor recovery"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*PASSKEY_REVOKE*", Action: mfaReset, Why: "a passkey or security key of the user was revoked"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REVOKE_SECURITY_KEY", Action: mfaReset, Why: "a passkey or security key of the user was revoked"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REMOVE_RECOVERY_*", Action: mfaReset, Why: "a recovery email or phone was removed: one way to recover the account is gone"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*_RECOVERY_*", Action: mfaEnroll, Why: "a recovery email or phone was set: it can reset the password, so it is a recovery factor (account-takeover signal)"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UNBLOCK_USER_SESSION", Action: unlock, Why: "an administrator unblocked a user by disabling the login challenge for a while"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REVOKE_3LO_*", Action: revoke, Kind: app, Why: "an administrator revoked the OAuth tokens a user gave an app or a device"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REVOKE_ASP", Action: credDel, Why: "an application-specific password of the user was revoked"},
	{App: "admin", Type: "USER_SETTINGS", Name: "CREATE_EMAIL_MONITOR", Action: grant, Kind: perm, Privilege: schemas.PrivilegeRead, Why: "copies of a user's mail go to another account: that account can read the user's mail"},
	{App: "admin", Type: "USER_SETTINGS", Name: "DELETE_EMAIL_MONITOR", Action: revoke, Kind: perm, Privilege: schemas.PrivilegeRead, Why: "an email monitor was removed"},
	{App: "admin", Type: "USER_SETTINGS", Name: "CREATE_DATA_TRANSFER_REQUEST", Action: grant, Kind: perm, Privilege: schemas.PrivilegeWrite, Why: "a user's data is transferred to another user, who becomes its owner"},
	{App: "admin", Type: "USER_SETTINGS", Name: "MOVE_USER_TO_ORG_UNIT", Action: policy, Kind: pol, Why: "the organizational unit decides which services and policies apply to the user"},
	{App: "admin", Type: "USER_SETTINGS", Name: "ENABLE_USER_IP_WHITELIST", Action: policy, Kind: pol, Why: "the user's IP allowlist changes when sign-in challenges apply"},
	{App: "admin", Type: "USER_SETTINGS", Name: "REQUEST_*", Action: read, Why: "an administrator requested an export of a user's account information or mailbox"},
	{App: "admin", Type: "USER_SETTINGS", Name: "DELETE_*_DUMP", Action: noChange, Why: "an export was deleted"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*USER_INVITE*", Action: noChange, Why: "an invitation was sent, resent or cancelled; access begins when the user accepts"},
	{App: "admin", Type: "USER_SETTINGS", Name: "RESET_SIGNIN_COOKIES", Action: noChange, Why: "the user was signed out of every session; the account keeps its access"},
	{App: "admin", Type: "USER_SETTINGS", Name: "UPDATE_PUBLIC_KEY_CERTIFICATE*", Action: noChange, Why: "an S/MIME certificate encrypts and signs mail; it authenticates nobody"},
	{App: "admin", Type: "USER_SETTINGS", Name: "MAIL_ROUTING_*", Action: noChange, Why: "mail routing decides where mail is delivered, not who can access what"},
	{App: "admin", Type: "USER_SETTINGS", Name: "GMAIL_RESET_USER", Action: noChange, Why: "the user's Gmail state was reset"},
	{App: "admin", Type: "USER_SETTINGS", Name: "TOGGLE_AUTOMATIC_CONTACT_SHARING", Action: noChange, Why: "contact sharing is directory data, not access"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*_USER_*GPLUS", Action: noChange, Why: "the legacy Google+ service tier of the user changed"},
	{App: "admin", Type: "USER_SETTINGS", Name: "*", Action: noChange, Why: "a profile attribute of the user (name, alias, phone, address, photo, custom field) changed"},

	// --- admin DELEGATED_ADMIN_SETTINGS: admin roles and their privileges.
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "ASSIGN_ROLE", Action: grant, Kind: role, Privilege: admin, Why: "an admin role was assigned to a user"},
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "UNASSIGN_ROLE", Action: revoke, Kind: role, Privilege: admin, Why: "an admin role was unassigned from a user"},
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "RENAME_ROLE", Action: noChange, Why: "a role was renamed; its privileges are unchanged"},
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "DELETE_ROLE", Action: policy, Kind: role, Why: "an admin role was deleted: everyone holding it loses its privileges"},
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "REMOVE_PRIVILEGE", Action: policy, Kind: role, Why: "a privilege was removed from an admin role"},
	{App: "admin", Type: "DELEGATED_ADMIN_SETTINGS", Name: "*", Action: policy, Kind: role, Privilege: admin, Why: "an admin role was created or given privileges: it decides what its holders can administer"},

	// --- admin SECURITY_SETTINGS: authentication, sessions and third-party app access.
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*_ERROR_M*", Action: noChange, Why: "the text shown to blocked users changed"},
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*OAUTH*", Action: policy, Kind: app, Why: "which third-party apps may reach the organization's data (trusted, limited, blocked, exempt)"},
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*THIRD_PARTY_API_ACCESS", Action: policy, Kind: app, Why: "whether third-party apps may use the organization's APIs"},
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*ON_DEVICE_ACCESS", Action: policy, Kind: app, Why: "whether apps on devices may access a service"},
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*APPROVAL_WORKFLOW*", Action: policy, Kind: app, Why: "whether users may request, and who approves, access to unconfigured apps"},
	{App: "admin", Type: "SECURITY_SETTINGS", Name: "*", Action: policy, Kind: pol, Why: "an authentication policy changed: 2-step verification (allowed, enforced, methods, enrollment), context-aware access, sessions, password recovery or less-secure sign-in"},

	// --- admin GROUP_SETTINGS: groups and their members.
	{App: "admin", Type: "GROUP_SETTINGS", Name: "ADD_GROUP_MEMBER", Action: grant, Kind: group, Why: "a member was added to a group"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "GROUP_MEMBER_BULK_UPLOAD", Action: grant, Kind: group, Why: "members were added to a group in bulk"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "UPDATE_GROUP_MEMBER", Action: grant, Kind: group, Why: "a member's role in the group changed (member, manager, owner); the parser reads a demotion as a revoke"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "REMOVE_GROUP_MEMBER", Action: revoke, Kind: group, Why: "a member was removed from a group"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "DELETE_GROUP", Action: revoke, Kind: group, Why: "a group was deleted: its members lose what it granted"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "CHANGE_GROUP_SETTING", Action: policy, Kind: group, Why: "a group's access settings (who may join, view, post, manage) changed"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "WHITELISTED_GROUPS_UPDATED", Action: policy, Kind: group, Why: "the allowlist of groups changed"},
	{App: "admin", Type: "GROUP_SETTINGS", Name: "*", Action: noChange, Why: "a group was created, renamed or described, or a member's mail delivery changed; no membership changed"},

	// --- admin APPLICATION_SETTINGS: per-service settings.
	{App: "admin", Type: "APPLICATION_SETTINGS", Name: "*_MANAGED_CONFIGURATION", Action: noChange, Why: "a mobile app's managed configuration changed"},
	{App: "admin", Type: "APPLICATION_SETTINGS", Name: "GPLUS_PREMIUM_FEATURES", Action: noChange, Why: "feature availability changed; nobody's access"},
	{App: "admin", Type: "APPLICATION_SETTINGS", Name: "UPDATE_SMART_FEATURES", Action: noChange, Why: "feature availability changed; nobody's access"},
	{App: "admin", Type: "APPLICATION_SETTINGS", Name: "*", Action: policy, Kind: pol, Why: "a service setting for an organizational unit or group changed; the parser records the service (Gmail settings are mail flow)"},

	// --- admin DOMAIN_SETTINGS: the tenant.
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "AUTHORIZE_API_CLIENT_ACCESS", Action: grant, Kind: app, Privilege: admin, Why: "domain-wide delegation: the API client may act as any user for its scopes"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "REMOVE_API_CLIENT_ACCESS", Action: revoke, Kind: app, Why: "an API client's domain-wide delegation was removed"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "UPLOAD_OAUTH_CERTIFICATE", Action: credNew, Why: "a certificate for the domain's OAuth consumer was uploaded"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "REGENERATE_OAUTH_CONSUMER_SECRET", Action: credRot, Why: "the domain's OAuth consumer secret was regenerated"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*_APPLICATION*", Action: policy, Kind: app, Why: "a Marketplace app was installed, removed or allowlisted for the domain"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*API*", Action: policy, Kind: app, Why: "API access for the organization was turned on or off"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*OAUTH*", Action: policy, Kind: app, Why: "OAuth access for the organization changed"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "PLAY_FOR_WORK_*", Action: policy, Kind: app, Why: "a third-party EMM provider was enrolled or unenrolled to manage the organization's devices"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "CREATE_PLAY_FOR_WORK_TOKEN", Action: credNew, Why: "an enrollment token for an EMM provider was created"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "DELETE_PLAY_FOR_WORK_TOKEN", Action: credDel, Why: "an EMM provider's enrollment token was deleted"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "GENERATE_TRANSFER_TOKEN", Action: credNew, Why: "a transfer token lets a reseller take over the subscription"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "CHANGE_RESELLER_ACCESS*", Action: policy, Kind: role, Privilege: admin, Why: "a reseller's administrative access to the organization changed"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*SSO*", Action: policy, Kind: pol, Why: "single sign-on (federation) decides who can sign in at all"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "TOGGLE_OPEN_ID_ENABLED", Action: policy, Kind: pol, Why: "OpenID federated sign-in decides who can sign in"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*PASSWORD*", Action: policy, Kind: pol, Why: "a password policy changed (length, admin self-reset)"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "TOGGLE_SSL", Action: policy, Kind: pol, Why: "SSL enforcement for sign-in changed"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*TRUSTED_DOMAINS", Action: policy, Kind: pol, Why: "the trusted-domain list decides who outside may receive shared data"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "CHANGE_WHITELIST_SETTING", Action: policy, Kind: pol, Why: "an allowlist setting of the domain changed"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "CHANGE_CONFLICT_ACCOUNT*", Action: policy, Kind: pol, Why: "what happens to consumer accounts that use the organization's domain"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "TOGGLE_AUTO_ADD_NEW_SERVICE", Action: policy, Kind: pol, Why: "whether new services turn on for users automatically"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "VIEW_DNS_LOGIN_DETAILS", Action: read, Why: "an administrator viewed the DNS console sign-in details"},
	{App: "admin", Type: "DOMAIN_SETTINGS", Name: "*", Action: noChange, Why: "tenant profile, branding, locale, billing, domain and alias verification, alerts and rules, or contact preference"},

	// --- admin EMAIL_SETTINGS.
	{App: "admin", Type: "EMAIL_SETTINGS", Name: "*_SETTING", Action: policy, Kind: pol, Why: "a Gmail setting changed; the router tells mail-flow settings from access settings"},
	{App: "admin", Type: "EMAIL_SETTINGS", Name: "EMAIL_L*", Action: read, Why: "an administrator searched the email logs"},
	{App: "admin", Type: "EMAIL_SETTINGS", Name: "*", Action: noChange, Why: "a quarantined message was released, rejected or dropped, or mail was restored"},

	// --- admin per-service settings types.
	{App: "admin", Type: "CALENDAR_SETTINGS", Name: "CHANGE_CALENDAR_SETTING", Action: policy, Kind: pol, Why: "a Calendar setting (sharing, external access) changed"},
	{App: "admin", Type: "CALENDAR_SETTINGS", Name: "EWS_IN_NEW_CREDENTIALS_GENERATED", Action: credNew, Why: "new Exchange interop credentials for a Google role account"},
	{App: "admin", Type: "CALENDAR_SETTINGS", Name: "*", Action: noChange, Why: "buildings, resources, interop endpoints or a user's events; nobody's access"},
	{App: "admin", Type: "CHAT_SETTINGS", Name: "CHANGE_CHAT_SETTING", Action: policy, Kind: pol, Why: "a Chat setting (external chat, history) changed"},
	{App: "admin", Type: "CHAT_SETTINGS", Name: "*", Action: noChange, Why: "a Meet interop gateway changed"},
	{App: "admin", Type: "CONTACTS_SETTINGS", Name: "*", Action: policy, Kind: pol, Why: "a Contacts setting (directory sharing) changed"},
	{App: "admin", Type: "DOCS_SETTINGS", Name: "CHANGE_DOCS_SETTING", Action: policy, Kind: pol, Why: "a Drive setting (sharing outside the organization, shared drive creation) changed"},
	{App: "admin", Type: "DOCS_SETTINGS", Name: "TRANSFER_DOCUMENT_OWNERSHIP", Action: grant, Kind: perm, Privilege: schemas.PrivilegeWrite, Why: "another user becomes the owner of a user's documents"},
	{App: "admin", Type: "DOCS_SETTINGS", Name: "MOVE_SHARED_DRIVE_TO_ORG_UNIT", Action: policy, Kind: pol, Why: "a shared drive now follows another organizational unit's sharing policy"},
	{App: "admin", Type: "DOCS_SETTINGS", Name: "*", Action: noChange, Why: "Drive data restore or organizational branding"},
	{App: "admin", Type: "SITES_SETTINGS", Name: "CHANGE_SITES_SETTING", Action: policy, Kind: pol, Why: "a Sites setting (sharing, creation) changed"},
	{App: "admin", Type: "SITES_SETTINGS", Name: "VIEW_SITE_DETAILS", Action: read, Why: "an administrator viewed a site"},
	{App: "admin", Type: "SITES_SETTINGS", Name: "*", Action: noChange, Why: "a site's web address mapping changed"},

	// --- admin ORG_SETTINGS.
	{App: "admin", Type: "ORG_SETTINGS", Name: "TOGGLE_SERVICE_ENABLED", Action: policy, Kind: pol, Why: "a service was turned on or off for an organizational unit or group"},
	{App: "admin", Type: "ORG_SETTINGS", Name: "MOVE_ORG_UNIT", Action: policy, Kind: pol, Why: "an organizational unit moved: it inherits another parent's policies"},
	{App: "admin", Type: "ORG_SETTINGS", Name: "CHROME_LICENSES_*", Action: policy, Kind: app, Why: "whether app licenses are allowed or enabled for an organizational unit"},
	{App: "admin", Type: "ORG_SETTINGS", Name: "*", Action: noChange, Why: "an organizational unit was created, renamed, described or removed, a logo assigned, or licenses reserved"},

	// --- admin LICENSES_SETTINGS: a license is the entitlement to use a product.
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*_TO_SUPPRESSED_LICENSE_CONVERSION", Action: revoke, Kind: app, Why: "a license became suppressed: the product is no longer usable"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*LICENSE_ASSIGNMENT", Action: grant, Kind: app, Why: "a product license was assigned to a user or an organizational unit"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*LICENSE_REASSIGNMENT", Action: grant, Kind: app, Why: "a user's license moved to another product"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*_TO_ASSIGNED_LICENSE_CONVERSION", Action: grant, Kind: app, Why: "a temporary or suppressed license became a full assignment"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*LICENSE_ASSIGNED", Action: grant, Kind: app, Why: "an app license was assigned to a user"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*LICENSE_REVOKE*", Action: revoke, Kind: app, Why: "a license was revoked"},
	{App: "admin", Type: "LICENSES_SETTINGS", Name: "*", Action: policy, Kind: app, Why: "license auto-assignment, dynamic licensing or app licensing changed"},

	// --- admin MOBILE_SETTINGS.
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*APPLICATION_PRIORITY_ORDER", Action: noChange, Why: "the order of managed apps changed"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*MOBILE_APPLICATION*", Action: policy, Kind: app, Why: "which mobile apps are allowed on managed devices, and with which permissions"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*_APPROVE", Action: policy, Kind: pol, Why: "a device was approved to sync the organization's data"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*BLOCK*", Action: policy, Kind: pol, Why: "a device was blocked or unblocked from the organization's data"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "CHANGE_MOBILE_SETTING", Action: policy, Kind: pol, Why: "a mobile device policy changed"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*GOOGLE_*MANAGEMENT*", Action: policy, Kind: pol, Why: "the device management mode of the organization changed"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "APPLE_DEP_TOKEN_SETUP_COMPLETE", Action: credNew, Why: "an Apple DEP server token was set up"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "APPLE_VPP_TOKEN_OPERATION", Action: credRot, Why: "an Apple VPP token was uploaded, synced or deleted; the parser reads the operation"},
	{App: "admin", Type: "MOBILE_SETTINGS", Name: "*", Action: noChange, Why: "a device action, wipe, deletion, Wi-Fi network or certificate; no identity's access"},

	// --- admin CHROME_OS_SETTINGS.
	{App: "admin", Type: "CHROME_OS_SETTINGS", Name: "*CHROME_OS_*SETTING*", Action: policy, Kind: pol, Why: "a ChromeOS user, device, app or session policy changed"},
	{App: "admin", Type: "CHROME_OS_SETTINGS", Name: "*", Action: noChange, Why: "device inventory, state, annotations, printers or commands"},

	// --- admin CUSTOMER_TAKEOUT (supplement).
	{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "*", Action: read, Why: "an organization-wide data export: a read of everyone's data, an exfiltration signal"},

	// --- admin_data_action.
	{App: "admin_data_action", Name: "SENSITIVE_AUDIT_EVENTS_HIDDEN", Action: noChange, Why: "sensitive audit values were hidden again"},
	{App: "admin_data_action", Name: "*", Action: read, Why: "an administrator revealed or accessed sensitive audit values"},

	// --- user_accounts and login: a user's own credentials.
	{Type: "2sv_change", Name: "2sv_enroll", Action: mfaEnroll, Why: "the user enrolled in 2-step verification"},
	{Type: "2sv_change", Name: "2sv_disable", Action: mfaReset, Why: "the user turned 2-step verification off"},
	{Type: "password_change", Name: "*", Action: pwChange, Why: "the user changed their password"},
	{Type: "recovery_info_change", Name: "*", Action: mfaEnroll, Why: "the user changed a recovery email, phone or secret question: a factor that can reset the password (account-takeover signal)"},
	{Type: "titanium_change", Name: "*_enroll", Action: mfaEnroll, Why: "the user enrolled in Advanced Protection"},
	{Type: "titanium_change", Name: "*_unenroll", Action: mfaReset, Why: "the user left Advanced Protection"},
	{Type: "email_forwarding_change", Name: "*", Action: noChange, Why: "mail forwarding out of the domain: an exfiltration signal, not an access change"},

	// --- login: sign-ins and Google's account warnings.
	{App: "login", Type: "account_warning", Name: "account_disabled_*", Action: disable, Why: "Google disabled the account (leaked password, hijacking, spam)"},
	{App: "login", Type: "account_warning", Name: "passkey_enrolled", Action: mfaEnroll, Why: "the user enrolled a passkey"},
	{App: "login", Type: "account_warning", Name: "passkey_removed", Action: mfaReset, Why: "the user removed a passkey"},
	{App: "login", Type: "account_warning", Name: "*", Action: signIn, Why: "a suspicious sign-in, or a session ended for a suspicious cookie: sign-in context"},
	{App: "login", Type: "attack_warning", Name: "*", Action: noChange, Why: "a government-backed attack warning: a threat signal"},
	{App: "login", Type: "blocked_sender_change", Name: "*", Action: noChange, Why: "the user blocked a sender"},
	{App: "login", Type: "login", Name: "risky_sensitive_action_*", Action: noChange, Why: "a risk verdict on a sensitive action; the action itself is logged where it happens"},
	{App: "login", Type: "login", Name: "*", Action: signIn, Why: "a sign-in, challenge, verification or sign-out; the parser reads failure from the event"},

	// --- saml, ldap, access_evaluation, context_aware_access: authentication.
	{App: "saml", Name: "*", Action: signIn, Why: "a SAML sign-in to an app; the parser reads failure from the event"},
	{App: "ldap", Name: "search_*", Action: read, Why: "an LDAP client searched the directory"},
	{App: "ldap", Name: "*", Action: signIn, Why: "an LDAP client bound or unbound"},
	{App: "access_evaluation", Name: "*", Action: signIn, Why: "an access policy allowed a token or credential request: authentication context"},
	{App: "context_aware_access", Name: "*", Action: signIn, Why: "context-aware access denied a request; the parser marks it failed"},

	// --- token: OAuth grants by users to apps.
	{App: "token", Name: "authorize", Action: grant, Kind: app, Why: "the user granted an app OAuth scopes on their data: the app becomes a non-human identity with delegated access"},
	{App: "token", Name: "revoke", Action: revoke, Kind: app, Why: "the user's OAuth grant to an app was revoked"},
	{App: "token", Name: "activity", Action: read, Why: "an app used its OAuth token to call an API"},
	{App: "token", Name: "*", Action: noChange, Why: "the user denied an app, or asked an administrator to allow it; nothing was granted"},

	// --- groups and groups_enterprise: memberships.
	{App: "groups", Type: "acl_change", Name: "*", Action: policy, Kind: group, Why: "who may view, post to or manage the group changed"},
	{Type: "moderator_action", Name: "*security_setting*", Action: policy, Kind: group, Why: "a group's security setting (who may join, external members, labels) changed"},
	{Type: "moderator_action", Name: "*dynamic_group_query", Action: policy, Kind: group, Why: "a dynamic group's query decides who is a member"},
	{Type: "moderator_action", Name: "*membership_expiry", Action: policy, Kind: group, Why: "a membership's expiry decides how long the access lasts"},
	{Type: "moderator_action", Name: "change_new_members_restrictions_setting", Action: policy, Kind: group, Why: "who may become a member changed"},
	{Type: "moderator_action", Name: "*info_setting", Action: noChange, Why: "a descriptive group setting was added or removed"},
	{App: "groups_enterprise", Name: "add_service_account_permission", Action: grant, Kind: role, Why: "a service account was given a role (owner, manager, member) over a namespace's groups"},
	{App: "groups_enterprise", Name: "remove_service_account_permission", Action: revoke, Kind: role, Why: "a service account's role over a namespace's groups was removed"},
	{Type: "moderator_action", Name: "add_*", Action: grant, Kind: group, Why: "a member, or a member's role, was added"},
	{Type: "moderator_action", Name: "approve_join_request", Action: grant, Kind: group, Why: "a request to join was approved"},
	{Type: "moderator_action", Name: "join*", Action: grant, Kind: group, Why: "the user joined the group"},
	{Type: "moderator_action", Name: "accept_invitation", Action: grant, Kind: group, Why: "the user accepted an invitation and became a member"},
	{Type: "moderator_action", Name: "remove_*", Action: revoke, Kind: group, Why: "a member, or a member's role, was removed"},
	{Type: "moderator_action", Name: "ban_*", Action: revoke, Kind: group, Why: "a member was banned and removed"},
	{Type: "moderator_action", Name: "unsubscribe_via_mail", Action: revoke, Kind: group, Why: "the user left the group by mail"},
	{Type: "moderator_action", Name: "delete_group", Action: revoke, Kind: group, Why: "a group was deleted: its members lose what it granted"},
	{Type: "moderator_action", Name: "*", Action: noChange, Why: "an invitation or join request, moderation, or a descriptive group setting; no membership changed"},

	// --- gcp: Cloud OS Login credentials.
	{App: "gcp", Name: "IMPORT_SSH_PUBLIC_KEY", Action: credNew, Why: "an SSH key was added to the user's OS Login profile"},
	{App: "gcp", Name: "UPDATE_SSH_PUBLIC_KEY", Action: credRot, Why: "an OS Login SSH key was updated"},
	{App: "gcp", Name: "DELETE_SSH_PUBLIC_KEY", Action: credDel, Why: "an OS Login SSH key was deleted"},
	{App: "gcp", Name: "DELETE_POSIX_ACCOUNT", Action: remove, Why: "the user's POSIX account was deleted"},
	{App: "gcp", Name: "GET_*", Action: read, Why: "an OS Login profile or key was read"},

	// --- directory_sync: memberships and accounts synced from another directory.
	{App: "directory_sync", Name: "ADDED_GROUP_MEMBERSHIP", Action: grant, Kind: group, Why: "directory sync added a group membership"},
	{App: "directory_sync", Name: "UPDATED_GROUP_MEMBERSHIP", Action: grant, Kind: group, Why: "directory sync changed a member's role"},
	{App: "directory_sync", Name: "REMOVED_GROUP_MEMBERSHIP", Action: revoke, Kind: group, Why: "directory sync removed a group membership"},
	{App: "directory_sync", Name: "ENTITY_CREATED", Action: create, Why: "directory sync created a user or group"},
	{App: "directory_sync", Name: "OBJECT_DEPROVISIONED", Action: disable, Why: "directory sync suspended or deleted an object"},
	{App: "directory_sync", Name: "*_READ*", Action: read, Why: "directory sync read a directory"},
	{App: "directory_sync", Name: "*", Action: noChange, Why: "sync bookkeeping: a run started or ended, an entity was updated, skipped, excluded or failed"},

	// --- takeout, graduation, access_transparency, profile: reads and profile edits.
	{App: "takeout", Name: "*", Action: read, Why: "a user exported their own data"},
	{App: "graduation", Name: "*", Action: read, Why: "a graduating student's data is copied to a personal account"},
	{App: "access_transparency", Name: "*", Action: read, Why: "Google personnel accessed the organization's data (Access Transparency); no one's access changed"},
	{App: "profile", Name: "*", Action: noChange, Why: "the user edited their profile"},

	// --- activity applications: what people do, not what they may do.
	{App: "chrome", Name: "*LOGIN*", Action: signIn, Why: "a sign-in or sign-out on ChromeOS or Chrome; the parser reads failure from the name"},
	{App: "chrome", Name: "*LOGOUT*", Action: signIn, Why: "a sign-out on ChromeOS"},
	{App: "chrome", Name: "*", Action: noChange, Why: "a browser or device signal (password alert, DLP, malware, unsafe site, extension request, device user)"},
	{App: "cloud_search", Name: "*", Action: read, Why: "a search of the organization's indexed content"},
	{App: "contacts", Type: "significant_view", Name: "*", Action: read, Why: "contacts were exported or printed"},
	{App: "contacts", Name: "*", Action: noChange, Why: "the user edited their contacts"},
	{App: "gemini_in_workspace_apps", Name: "*", Action: noChange, Why: "a Gemini feature was used"},
	{App: "gmail", Name: "*", Action: noChange, Why: "a message was delivered"},
	{App: "gplus", Name: "*", Action: noChange, Why: "a post, comment or vote in Currents"},
	{App: "meet", Name: "*", Action: noChange, Why: "call activity; admission to one call is not an entitlement"},
	{App: "meet_hardware", Name: "*", Action: noChange, Why: "a meeting-room device's activity or hardware issue"},
	{App: "mobile", Name: "*", Action: noChange, Why: "a device's state, apps, compliance or risk signal"},
	{App: "rules", Name: "*", Action: noChange, Why: "a data-protection rule matched or a label changed: a signal"},
	{App: "tasks", Name: "*", Action: noChange, Why: "the user's tasks changed"},
}
