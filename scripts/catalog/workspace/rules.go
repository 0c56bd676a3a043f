package main

import (
	"path"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// pagesInScope are the appendix pages the catalogue covers: every page of the appendix
// that lists events. (admin-event-names is an index of the admin pages and lists none.)
// The admin event types; the applications whose events are about identities, their
// credentials, sign-ins and memberships; the activity applications whose every event is
// plainly no access change (meetings, devices, searches, data-protection signals); and the
// content applications, whose sharing events grant and revoke access to documents,
// calendars, spaces, courses, notes, matters and reports.
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
	"drive", "calendar", "chat", "classroom", "assignments", "keep", "vault", "data-studio", "data-migration",
}

// indexPages are pages of the appendix that list no events.
var indexPages = []string{"admin-event-names"}

// supplements are events real feeds carry that the published reference does not list.
// Each says where it was seen; the generator drops nothing silently and refuses a
// supplement once the reference lists it.
var supplements = []event{
	{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "CUSTOMER_TAKEOUT_CREATED", Supplement: "type CUSTOMER_TAKEOUT, seen in admin feeds (Panther's gsuite rules, tollgate's labelled fixtures)"},
	{App: "admin", Type: "CUSTOMER_TAKEOUT", Name: "CUSTOMER_TAKEOUT_SUCCEEDED", Supplement: "type CUSTOMER_TAKEOUT, seen in admin feeds (Panther's gsuite rules, tollgate's labelled fixtures)"},
	{App: "admin", Type: "ALERT_CENTER", Name: "ALERT_CENTER_LIST_RELATED_ALERTS", Supplement: "type ALERT_CENTER, seen in admin feeds (Elastic's google_workspace admin pipeline tests); the mirrored appendix has no page for it"},
	{App: "admin", Type: "ALERT_CENTER", Name: "ALERT_CENTER_VIEW", Supplement: "type ALERT_CENTER, seen in admin feeds; the mirrored appendix has no page for it"},
	{App: "admin", Type: "SECURITY_CHARTS", Name: "SECURITY_CHART_DRILLDOWN", Supplement: "type SECURITY_CHARTS, seen in admin feeds (Elastic's google_workspace admin pipeline tests); the mirrored appendix has no page for it"},
	{App: "admin", Type: "SECURITY_INVESTIGATION", Name: "SECURITY_INVESTIGATION_ACTION", Supplement: "type SECURITY_INVESTIGATION, seen in admin feeds (Elastic's google_workspace admin pipeline tests); the mirrored appendix has no page for it"},
	{App: "admin", Type: "SECURITY_INVESTIGATION", Name: "SECURITY_INVESTIGATION_QUERY", Supplement: "type SECURITY_INVESTIGATION, seen in admin feeds; the mirrored appendix has no page for it"},
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
	write = schemas.PrivilegeWrite
	view  = schemas.PrivilegeRead
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

	// --- admin ALERT_CENTER, SECURITY_CHARTS, SECURITY_INVESTIGATION (supplements).
	{App: "admin", Type: "ALERT_CENTER", Name: "*", Action: read, Why: "an administrator looked at security alerts"},
	{App: "admin", Type: "SECURITY_CHARTS", Name: "*", Action: read, Why: "an administrator looked at a security dashboard chart"},
	{App: "admin", Type: "SECURITY_INVESTIGATION", Name: "*", Action: noChange, Why: "an investigation-tool query or action; an action that changes an account is logged again as that account's own event"},

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

	// --- Content applications. Sharing is an access change: the entitlement is the
	// document, calendar, space, course, note, matter or report, the subject whoever the
	// record names as gaining or losing it. The parser reads the direction (a share or its
	// removal), the role and the audience (a person, a domain, anyone with the link) from
	// the parameters; the entry gives the meaning when the parameters say nothing more.

	// drive: sharing (acl_change).
	{App: "drive", Type: "acl_change", Name: "change_user_access*", Action: grant, Kind: perm, Privilege: view, Why: "a user's, group's or domain's role on an item changed (target_user, old_value → new_value); the parser reads none as a revoke, a lower role as a demotion and the role's privilege"},
	{App: "drive", Type: "acl_change", Name: "change_document_access_scope*", Action: grant, Kind: perm, Privilege: view, Why: "the role given to the item's link audience changed (target_domain, old_value → new_value); the parser reads all or a public visibility as anyone, none as a revoke"},
	{App: "drive", Type: "acl_change", Name: "change_document_visibility*", Action: grant, Kind: perm, Privilege: view, Why: "who the item's link reaches changed (private, the domain, anyone with the link, the web); the parser reads a wider audience as a grant, a narrower one as a revoke"},
	{App: "drive", Type: "acl_change", Name: "shared_drive_membership_change", Action: grant, Kind: perm, Privilege: view, Why: "a member was added to, removed from or re-roled in a shared drive; the parser reads membership_change_type, added_role and removed_role"},
	{App: "drive", Type: "acl_change", Name: "change_owner*", Action: grant, Kind: perm, Privilege: write, Why: "the item has a new owner (new_owner), who holds every right on it"},
	{App: "drive", Type: "acl_change", Name: "publish_change", Action: grant, Kind: perm, Privilege: view, Why: "the item was published to the domain or the web, or unpublished; the parser reads new_publish_visibility and new_value"},
	{App: "drive", Type: "acl_change", Name: "enable_inherited_permissions", Action: policy, Kind: perm, Why: "the item takes its folder's sharing again: everyone the folder is shared with gains access, and the record names no one"},
	{App: "drive", Type: "acl_change", Name: "disable_inherited_permissions", Action: policy, Kind: perm, Why: "the item no longer takes its folder's sharing: the folder's audience loses access, and the record names no one"},
	{App: "drive", Type: "acl_change", Name: "change_acl_editors", Action: policy, Kind: perm, Why: "who may share the item changed (its owner only, or its editors too): it decides who can grant access"},
	{App: "drive", Type: "acl_change", Name: "*security_update", Action: policy, Kind: perm, Why: "the link security update (resource key) was applied or removed: it decides whether old links still open the item"},
	{App: "drive", Type: "acl_change", Name: "shared_drive_settings_change", Action: policy, Kind: perm, Why: "a shared drive's setting (outside sharing, non-member access, who may download) changed"},
	{App: "drive", Type: "acl_change", Name: "sheets_import_range_access_change", Action: policy, Kind: perm, Why: "another spreadsheet may import this item's ranges, or no longer: its readers can read them"},
	{App: "drive", Type: "acl_change", Name: "publish_new_version", Action: noChange, Why: "a new version of an already published item; who can see it is unchanged"},
	// drive: reads and content changes (access).
	{App: "drive", Type: "access", Name: "*access_request", Action: noChange, Why: "an access request was denied or expired; nothing was granted"},
	{App: "drive", Type: "access", Name: "request_access", Action: noChange, Why: "someone asked for access; the grant, if any, is its own acl_change event"},
	{App: "drive", Type: "access", Name: "view", Action: read, Why: "an item was viewed"},
	{App: "drive", Type: "access", Name: "preview", Action: read, Why: "an item was previewed"},
	{App: "drive", Type: "access", Name: "print", Action: read, Why: "an item was printed"},
	{App: "drive", Type: "access", Name: "download*", Action: read, Why: "an item, its form responses or its captions were downloaded"},
	{App: "drive", Type: "access", Name: "*_item_content", Action: read, Why: "an application or a sync client read an item's content on the user's behalf"},
	{App: "drive", Type: "access", Name: "search", Action: read, Why: "the user searched Drive"},
	{App: "drive", Type: "access", Name: "connected_sheets_query", Action: read, Why: "a Connected Sheets query read a data source"},
	{App: "drive", Type: "access", Name: "sheets_import_range", Action: read, Why: "another spreadsheet imported a range of this item: a read of it"},
	{App: "drive", Type: "access", Name: "email_as_attachment", Action: read, Why: "the item was mailed as an attachment: a copy leaves, the item's sharing is unchanged (an exfiltration signal)"},
	{App: "drive", Type: "access", Name: "*", Action: noChange, Why: "an item was created, edited, copied, moved, renamed, labelled, locked, commented, trashed, restored or deleted; nobody's access to it changed"},
	{App: "drive", Type: "pooled_quota_metadata", Name: "*", Action: noChange, Why: "storage usage was recorded"},

	// calendar.
	{App: "calendar", Name: "change_calendar_acls", Action: grant, Kind: perm, Privilege: view, Why: "a calendar was shared with someone (grantee_email) at an access level; the parser reads none as a revoke, the public principal as anyone, and the level's privilege"},
	{App: "calendar", Name: "transfer_event_completed", Action: grant, Kind: perm, Privilege: write, Why: "the actor accepted ownership of an event and now organizes it"},
	{App: "calendar", Name: "export_calendar", Action: read, Why: "a calendar was exported"},
	{App: "calendar", Name: "print_preview_*", Action: read, Why: "a calendar or event was printed"},
	{App: "calendar", Type: "interop", Name: "*", Action: read, Why: "an Exchange interop lookup read free/busy or a resource list; the parser reads unsuccessful as a failure"},
	{App: "calendar", Name: "*", Action: noChange, Why: "a calendar's details, an event, its guests or responses, an appointment schedule, a notification or a subscription; the calendar's sharing is unchanged"},

	// chat: spaces and their members.
	{App: "chat", Name: "add_room_member", Action: grant, Kind: perm, Privilege: write, Why: "people were added to a space (target_users): they read and post in it"},
	{App: "chat", Name: "invite_accept", Action: grant, Kind: perm, Privilege: write, Why: "the actor accepted an invitation and joined the space"},
	{App: "chat", Name: "role_updated", Action: grant, Kind: perm, Privilege: write, Why: "a member's role in a space changed (target_user_role); the parser reads a change to MEMBER as a demotion"},
	{App: "chat", Name: "remove_room_member", Action: revoke, Kind: perm, Privilege: write, Why: "people were removed from a space"},
	{App: "chat", Name: "room_left", Action: revoke, Kind: perm, Privilege: write, Why: "the actor left the space"},
	{App: "chat", Name: "app_added", Action: grant, Kind: perm, Privilege: write, Why: "a Chat app was added to a conversation and reads its messages; the record does not name the app"},
	{App: "chat", Name: "app_removed", Action: revoke, Kind: perm, Privilege: write, Why: "a Chat app was removed from a conversation"},
	{App: "chat", Name: "conversation_read", Action: read, Why: "a conversation was read"},
	{App: "chat", Name: "attachment_download", Action: read, Why: "an attachment was downloaded"},
	{App: "chat", Name: "*", Action: noChange, Why: "a message, reaction, attachment upload, invitation, block, emoji, status or a space's details or history; no membership changed"},

	// classroom and assignments: courses and their rosters.
	{Type: "course_membership_change", Name: "user_added_to_course", Action: grant, Kind: perm, Privilege: view, Why: "users were added to a course's roster (impacted_users); the parser reads course_role: a teacher manages the course"},
	{Type: "course_membership_change", Name: "user_joined_course", Action: grant, Kind: perm, Privilege: view, Why: "the actor joined a course; the parser reads course_role"},
	{Type: "course_membership_change", Name: "user_gained_preview_access_to_course", Action: grant, Kind: perm, Privilege: view, Why: "the actor may preview a course (a guardian or a teacher) until an expiry"},
	{Type: "course_membership_change", Name: "user_removed_from_course", Action: revoke, Kind: perm, Privilege: view, Why: "users were removed from a course's roster; the parser reads the previous course_role"},
	{Type: "course_membership_change", Name: "user_invited_to_course", Action: noChange, Why: "users were invited to a course; access begins when one joins"},
	{App: "classroom", Type: "course_update", Name: "new_user_owns_course", Action: grant, Kind: perm, Privilege: write, Why: "the actor accepted ownership of a course"},
	{App: "classroom", Type: "course_update", Name: "transferred_ownership_of_course", Action: grant, Kind: perm, Privilege: write, Why: "a course's ownership moved to another teacher (impacted_users, or the actor)"},
	{App: "classroom", Type: "course_update", Name: "user_invited_to_own_course", Action: noChange, Why: "a teacher was invited to own a course; ownership begins when accepted"},
	{App: "classroom", Type: "guardian_update", Name: "*", Action: noChange, Why: "guardians were invited, removed or changed, or summaries turned on or off: guardians receive email summaries, not access to a course"},
	{App: "classroom", Name: "grade_export_*", Action: noChange, Why: "grades were sent to the student information system"},
	{Name: "*", Type: "course_work_update", Action: noChange, Why: "course work, an announcement, a comment, a grade or a submission's state"},
	{Type: "course_update", Name: "*", Action: noChange, Why: "a course was created, archived, restored or deleted, or its links, categories or sharing of classwork changed"},
	{App: "classroom", Name: "*", Action: noChange, Why: "an add-on attachment or an originality report"},

	// keep.
	{App: "keep", Name: "modified_acl", Action: grant, Kind: perm, Privilege: write, Why: "a note's collaborators changed; the record names neither the collaborator nor the direction, so it is read as a grant and reviewed"},
	{App: "keep", Name: "*", Action: noChange, Why: "a note or its attachment was created, edited or deleted"},

	// vault: matters, holds, searches and exports.
	{App: "vault", Name: "add_collaborator_end", Action: grant, Kind: perm, Privilege: write, Why: "a user (target_user) became a collaborator on a matter: they can search and export what it holds"},
	{App: "vault", Name: "remove_collaborator_end", Action: revoke, Kind: perm, Privilege: write, Why: "a collaborator was removed from a matter"},
	{App: "vault", Name: "*_collaborator_begin", Action: noChange, Why: "a collaborator change began; its _end event records it"},
	{App: "vault", Name: "delete_export_*", Action: noChange, Why: "an export was deleted"},
	{App: "vault", Name: "*export*", Action: read, Why: "data was exported from a matter, or an export listed or downloaded"},
	{App: "vault", Name: "download_*", Action: read, Why: "a report or count was downloaded"},
	{App: "vault", Name: "view_*", Action: read, Why: "a document, matter, report, log or retention setting was viewed"},
	{App: "vault", Name: "*search*", Action: read, Why: "the user searched the organization's data"},
	{App: "vault", Name: "*count*", Action: read, Why: "the user counted search results"},
	{App: "vault", Name: "*preview_retention_rule*", Action: read, Why: "the user previewed what a retention rule covers"},
	{App: "vault", Name: "obsolete_api_*_list", Action: read, Why: "holds, exports or matters were listed through the API"},
	{App: "vault", Name: "obsolete_api_*_get", Action: read, Why: "a matter was read through the API"},
	{App: "vault", Name: "*", Action: noChange, Why: "a matter, hold, preservation or retention rule, saved query or deletion request changed: what data is kept, not who may access it"},

	// data_studio (Looker Studio): assets and their sharing.
	{App: "data_studio", Type: "ACL_CHANGE", Name: "CHANGE_USER_ACCESS*", Action: grant, Kind: perm, Privilege: view, Why: "a user's permission on an asset changed (TARGET_USER_EMAIL, OLD_VALUE → NEW_VALUE, or through a workspace); the parser reads NONE as a revoke and the permission's privilege"},
	{App: "data_studio", Type: "ACL_CHANGE", Name: "CHANGE_ASSET_LINK_SHARING_*", Action: grant, Kind: perm, Privilege: view, Why: "an asset's link sharing (its audience or the role it gives) changed; the parser reads a wider audience as a grant, PRIVATE or NONE as a revoke"},
	{App: "data_studio", Type: "ACL_CHANGE", Name: "CHANGE_DATA_SOURCE_ACCESS_TYPE", Action: policy, Kind: perm, Why: "a data source reads with its owner's or its viewer's credentials: with the owner's, every viewer reads the data as the owner"},
	{App: "data_studio", Name: "VIEW", Action: read, Why: "an asset was viewed"},
	{App: "data_studio", Name: "DOWNLOAD_REPORT", Action: read, Why: "a report was downloaded"},
	{App: "data_studio", Name: "DATA_EXPORT", Action: read, Why: "an asset's data was exported"},
	{App: "data_studio", Name: "*", Action: noChange, Why: "an asset was created, edited, moved to another workspace, trashed, restored or deleted, or its email delivery changed; its sharing is unchanged"},

	// data_migration.
	{App: "data_migration", Name: "CREATE_CONNECTION", Action: credNew, Why: "a connection to the source system holds the credentials the migration reads it with"},
	{App: "data_migration", Name: "DELETE_CONNECTION", Action: credDel, Why: "a connection to the source system and its credentials were deleted"},
	{App: "data_migration", Name: "GRANT_CONSENT", Action: grant, Kind: app, Why: "an administrator consented that the migration service may read the source system's data"},
	{App: "data_migration", Name: "CREATE_CALENDAR_ACL", Action: grant, Kind: perm, Why: "the migration recreated a calendar sharing entry of the source system: access in Google begins"},
	{App: "data_migration", Name: "CREATE_SPACE_MEMBERSHIP", Action: grant, Kind: perm, Why: "the migration recreated a space membership of the source system: access in Google begins"},
	{App: "data_migration", Name: "*REPORT_DOWNLOAD", Action: read, Why: "a migration report was downloaded"},
	{App: "data_migration", Name: "*", Action: noChange, Why: "a migration was set up, started, stopped, or moved content (mail, files, events, contacts, messages); no one's access changed"},
}
