package main

import (
	"path"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// rule is one line of the classification: the event types it matches (an exact type, or a
// pattern where * matches any run of characters, dots included), the entry it gives them, and
// why, in one line. The reason becomes the entry's note.
type rule struct {
	Pattern   string
	Action    string
	Kind      schemas.EntitlementKind
	Privilege schemas.Privilege
	Category  schemas.Category
	Why       string
}

// Actions, as the catalogue spells them.
const (
	nac     = catalog.NoAccessChange
	unknown = catalog.Unknown

	pwReset   = string(schemas.ActionPasswordReset)
	pwChange  = string(schemas.ActionPasswordChange)
	unlock    = string(schemas.ActionAccountUnlock)
	lock      = string(schemas.ActionAccountLock)
	mfaReset  = string(schemas.ActionMFAReset)
	mfaEnroll = string(schemas.ActionMFAEnroll)
	grant     = string(schemas.ActionAccessGrant)
	revoke    = string(schemas.ActionAccessRevoke)
	create    = string(schemas.ActionAccountCreate)
	enable    = string(schemas.ActionAccountEnable)
	disable   = string(schemas.ActionAccountDisable)
	del       = string(schemas.ActionAccountDelete)
	policy    = string(schemas.ActionPolicyChange)
	credNew   = string(schemas.ActionCredentialCreate)
	credRot   = string(schemas.ActionCredentialRotate)
	credDel   = string(schemas.ActionCredentialDelete)
	reviewed  = string(schemas.ActionAccessReviewed)
	imperson  = string(schemas.ActionImpersonation)
	signIn    = string(schemas.ActionSignIn)
	read      = string(schemas.ActionRead)
	tOpened   = string(schemas.ActionTicketOpened)
	tUpdated  = string(schemas.ActionTicketUpdated)
	tApproved = string(schemas.ActionTicketApproved)
	tRejected = string(schemas.ActionTicketRejected)
	tClosed   = string(schemas.ActionTicketClosed)
)

// Entitlement kinds and privileges, short for the tables.
const (
	group = schemas.EntitlementGroup
	role  = schemas.EntitlementRole
	app   = schemas.EntitlementApp
	pol   = schemas.EntitlementPolicy
	perm  = schemas.EntitlementPermission
	acct  = schemas.EntitlementAccount

	admin = schemas.PrivilegeAdmin
	ro    = schemas.PrivilegeRead

	ticket = schemas.CategoryTicket
)

// overrides are event types whose meaning differs from their family's rule below, or that
// the family's words would mislead about. They are checked before the rules.
var overrides = map[string]rule{
	"app.user_management": {Action: unknown,
		Why: "an app group member imported from the app, added or removed: the reference does not say which, nor does the record's type"},
	"pam.group.bulk_membership_change": {Action: unknown,
		Why: "a SCIM driver added and removed ASA group members in bulk: which, and whom, is not in the event type"},
	"resource.user_entitlements.drift.revert": {Action: unknown,
		Why: "undoing an entitlement drift removes a grant for ADD drifts and restores one for SUB drifts: the direction is only in debugData"},
	"support.org.update": {Action: unknown,
		Why: "Okta staff changed configuration or data in the org; what changed is only in debugData.supportAction"},
	"system.agent.ad.invoke-powershell": {Action: unknown,
		Why: "runs a customer-authored PowerShell script on the AD agent host; what it changes is up to the script"},
	"system.import.user.update_user_lifecycle_from_master": {Action: unknown,
		Why: "an import set a user's status from the profile master; activation or deactivation is not in the event type"},

	"system.email.challenge_factor_redeemed": {Action: signIn, Why: "the user completed an email factor challenge: a sign-in step"},
	"system.mfa.preregister.initiate": {Action: mfaEnroll,
		Why: "an admin starts preregistering a WebAuthn factor (YubiKey) for a user"},
	"user.account.access_support_user_app": {Action: imperson,
		Why: "Okta's support user was used in the org: vendor access outside the normal paths"},
	"user.account.unlock_failure": {Action: nac, Why: "Okta failed to schedule an unlock job; nothing was unlocked"},
	"user.account.use_token":      {Action: signIn, Why: "an invalid self-service recovery token was used: a failed recovery sign-in"},
	"user.mfa.promote_enrollment": {Action: nac, Why: "a screen promoting authenticator enrollment was shown; nothing enrolled"},
	"app.oauth2.token.grant.service_account": {Action: read,
		Why: "an app exchanged its token for a vaulted service account's credentials: the secret was read, not created"},
	"app.oauth2.token.grant.vaulted_secret": {Action: read,
		Why: "an app exchanged its token for a vaulted secret: the secret was read, not created"},
	"app.oauth2.client.read_client_secret":    {Action: read, Why: "an OAuth client's secret was read"},
	"app.oauth2.client_id_rate_limit_warning": {Action: nac, Why: "a rate-limit warning for one client id"},
	"app.app_instance.csr.publish":            {Action: credNew, Why: "a signed certificate was published into the app's key credentials"},
	"app.app_instance.csr.revoke":             {Action: credDel, Why: "a certificate signing request was revoked"},
	"app.ad.api.user_import.account_locked":   {Action: lock, Why: "the user is locked in Active Directory and the import locked the Okta user"},
	"app.ai_agent_provider.import_staging.confirm": {Action: create,
		Why: "an imported AI agent was accepted into the identity store: a new non-human identity"},
	"application.configuration.read_client_secret": {Action: read, Why: "a client secret of an MFA-only app was read"},
	"application.configuration.update_api_credentials_for_pass_change": {Action: credRot,
		Why: "the app's stored API credentials changed with the user's password"},
	"application.policy.sign_on.deny_access": {Action: signIn, Why: "the app sign-on policy denied a user: a refused sign-in"},
	"application.user_membership.show_password": {Action: read, Kind: app,
		Why: "an admin revealed a user's app password"},
	"application.user_membership.change_password": {Action: pwChange, Kind: app,
		Why: "an admin changed a user's password for an app"},
	"application.user_membership.restore_password": {Action: pwReset, Kind: app,
		Why: "a user's app password was restored"},
	"application.user_membership.change_username": {Action: nac, Kind: app,
		Why: "the user's app username changed; the assignment is the same"},
	"group.application_assignment.skip_assignment_reconcile": {Action: nac,
		Why: "assignment reconciliation was skipped; nothing changed"},
	"group.lifecycle.delete": {Action: revoke, Kind: group,
		Why: "deleting a group ends every member's membership and the group's app assignments"},
	"iam.role.subscriptions.update": {Action: nac, Why: "email notification subscriptions of an admin role"},
	"pam.security_policy.evaluate":  {Action: signIn, Why: "a security policy was evaluated for an operation: an access decision, not a change"},
	"pam.team.delete":               {Action: revoke, Why: "deleting a team removes everyone's access to it"},
	"pam.service_account.assign": {Action: policy,
		Why: "a service account was assigned to a project, whose policies decide who may use it"},
	"policy.evaluate_sign_on": {Action: signIn, Why: "Okta evaluated sign-on policies for an access attempt"},
	"scheduled_action.user_suspension.completed": {Action: disable,
		Why: "a scheduled suspension of a user took effect"},
	"security.events.provider.receive_event": {Action: nac, Why: "a security event was received from a provider: a signal"},
	"system.directory.debugger.query_executed": {Action: read,
		Why: "Okta support ran a read-only query against AD/LDAP with the Directory Debugger"},
	"system.idp.lifecycle.read_client_secret": {Action: read, Why: "an identity provider's client secret was read"},
	"user.lifecycle.password_mass_expiry": {Action: pwReset,
		Why: "every user's password was expired, so each must reset it at next sign-in"},
	"user.account.expire_password": {Action: pwReset,
		Why: "the user's password was expired: they must set a new one at next sign-in"},
	"user.internal.session_context_change": {Action: signIn, Why: "a session's context changed"},
	"device.platform.renew": {Action: credRot,
		Why: "a component of the device management platform (a registration authority's certificate) was renewed"},
	"device.platform.secret_key.reset": {Action: credRot, Why: "the device management platform's secret key was reset"},
	"pki.ca.scope.mapping.update": {Action: policy,
		Why: "which certificate authority's certificates are trusted for which scope"},
	"resource.collection.create": {Action: nac, Why: "an empty resource collection was created; assignment grants it"},
	"resource.user_entitlements.drift.detect": {Action: nac,
		Why: "drift between governed and imported entitlements was detected: a signal"},
	"resource_servers.mcp_server.capability.discover": {Action: nac,
		Why: "tool discovery ran against an MCP server; nothing changed"},
	"directory.external.group.membership.add":    {Action: grant, Kind: group, Why: "a directory integration added a user to a group"},
	"directory.external.group.membership.remove": {Action: revoke, Kind: group, Why: "a directory integration removed a user from a group"},
	"master_application.user_membership.add":     {Action: grant, Kind: app, Why: "a user was provisioned to an app"},
	"credential.register":                        {Action: mfaEnroll, Why: "a user's YubiKey credential was registered (tagged user-factor)"},
	"credential.revoke":                          {Action: mfaReset, Why: "a user's YubiKey credential was revoked (tagged user-factor)"},
	"mim.streamDevicesCSVDownload":               {Action: read, Why: "the managed-device list was downloaded"},
	"personal.user.app_migration.export":         {Action: read, Why: "personal apps were exported to a personal org"},
	"support.org.view":                           {Action: read, Why: "Okta staff viewed a page with customer data"},
}

// rules classify event types by family; the first that matches wins. Families are in the
// reference's alphabetical order; within one, narrower patterns come first.
var rules = []rule{
	// Okta Identity Governance access requests: tickets of Okta's own request flow.
	{"access.request.create", tOpened, "", "", ticket, "a user requested access"},
	{"access.request.resolve", tApproved, "", "", ticket, "the access request was resolved and fulfilled"},
	{"access.request.reject", tRejected, "", "", ticket, "the access request was rejected"},
	{"access.request.expire", tClosed, "", "", ticket, "the access request expired"},
	{"access.request.cancel", tClosed, "", "", ticket, "the access request was canceled"},
	{"access.request.update", tUpdated, "", "", ticket, "the access request changed"},
	{"access.request.*", policy, pol, "", "", "request conditions, approval sequences and settings decide who may request what and who approves"},
	{"access.review.action", reviewed, "", "", "", "a reviewer decided on an access review item"},
	{"access.review.remediate", revoke, "", "", "", "a reviewer's revoke decision was applied"},
	{"access.review.*", nac, "", "", "", "a security access review's own lifecycle (create, start, update, close)"},
	{"account.org.consent.grant", grant, acct, "", "", "access to an Aerial account was granted"},
	{"account.org.consent.revoke", revoke, acct, "", "", "access to an Aerial account was revoked"},
	{"account.*", nac, "", "", "", "Aerial multi-org administration: orgs, org groups, products, templates, user classification"},
	{"analytics.reports.export.*", read, "", "", "", "a report export was requested, generated or downloaded"},
	{"analytics.*", nac, "", "", "", "feedback on a risk detection"},

	// The legacy app access request workflow (self-service app requests).
	{"app.access_request.request", tOpened, "", "", ticket, "a user requested an app"},
	{"app.access_request.grant", tApproved, "", "", ticket, "every approver approved the app request"},
	{"app.access_request.deny", tRejected, "", "", ticket, "an approver denied the app request"},
	{"app.access_request.approver.*", tUpdated, "", "", ticket, "one approver decided on the app request"},
	{"app.access_request.*", tClosed, "", "", ticket, "the app request expired or was deleted"},

	{"app.ad.*", nac, "", "", "", "Active Directory import warnings, credential checks and password migration"},
	{"app.ai_agent_provider.*", nac, "", "", "", "configuration and imports of AI agent providers"},
	{"app.app_instance.*", nac, "", "", "", "certificate signing requests in progress and provisioning sync jobs"},
	{"app.cross_app_access.connection.create", grant, app, "", "", "a requesting app may now reach resource apps on users' behalf"},
	{"app.cross_app_access.connection.delete", revoke, app, "", "", "a Cross App Access connection was removed"},
	{"app.cross_app_access.connection.update", policy, app, "", "", "a Cross App Access connection's configuration changed"},
	{"app.generic.unauth_app_access_attempt", signIn, "", "", "", "a user tried to reach an app they are not assigned: a refused sign-in"},
	{"app.inbound_del_auth.*", signIn, "", "", "", "inbound delegated authentication"},
	{"app.interclient_mapping.create", grant, app, "", "", "a requesting app may now get tokens for a target app"},
	{"app.interclient_mapping.delete*", revoke, app, "", "", "interclient trust mappings were removed"},
	{"app.kerberos_rich_client.*", signIn, "", "", "", "Kerberos rich-client authentication for Office 365"},
	{"app.keys.rotate", credRot, "", "", "", "an app signing key was rotated"},
	{"app.keys.delete", credDel, "", "", "", "an app signing key was deleted"},
	{"app.keys.*", credNew, "", "", "", "an app signing key was generated or cloned"},
	{"app.ldap.*", nac, "", "", "", "LDAP import and schema status"},

	// OAuth 2.0 and OIDC.
	{"app.oauth2.*consent.grant", grant, app, "", "", "a user or an admin consented to an app's scopes"},
	{"app.oauth2.*consent.revoke*", revoke, app, "", "", "consent to an app's scopes was revoked"},
	{"app.oauth2.*token.detect_reuse", nac, "", "", "", "reuse of a one-time refresh token was detected: a signal"},
	{"app.oauth2.*key.rollover", credRot, "", "", "", "an authorization server's token signing key rolled over"},
	{"app.oauth2.*credentials.lifecycle.create", credNew, "", "", "", "a client secret, JWK or access-token encryption key was added"},
	{"app.oauth2.*credentials.lifecycle.activate", credNew, "", "", "", "a client secret, JWK or access-token encryption key was activated"},
	{"app.oauth2.*credentials.lifecycle.deactivate", credDel, "", "", "", "a client secret, JWK or access-token encryption key was deactivated"},
	{"app.oauth2.*credentials.lifecycle.delete", credDel, "", "", "", "a client secret, JWK or access-token encryption key was deleted"},
	{"app.oauth2.client.lifecycle.create", create, app, "", "", "an OAuth client, a non-human identity, was created"},
	{"app.oauth2.client.lifecycle.activate", enable, app, "", "", "an OAuth client was activated"},
	{"app.oauth2.client.lifecycle.update", policy, app, "", "", "an OAuth client's grant types, redirects or settings changed"},
	{"app.oauth2.client.lifecycle.deactivate", disable, app, "", "", "an OAuth client was deactivated"},
	{"app.oauth2.client.lifecycle.delete", del, app, "", "", "an OAuth client was deleted"},
	{"app.oauth2.client.privilege.grant", grant, role, admin, "", "an OAuth client app was given admin roles"},
	{"app.oauth2.client.privilege.revoke", revoke, role, admin, "", "an OAuth client app's admin roles were revoked"},
	{"app.oauth2.trusted_server.*", policy, "", "", "", "a trusted authorization server was added or removed"},
	{"app.oauth2.*", signIn, "", "", "", "OAuth 2.0 and OIDC flows: authorize, token grants and revocations, interaction codes, sign-on"},

	{"app.office365.api.*.domain.federation.success", policy, "", "", "", "the Microsoft 365 domain's federation with Okta changed: who signs in, and how"},
	{"app.office365.provisioning_app.create", create, app, "", "", "an Entra ID app was registered for Office 365 provisioning: a non-human identity"},
	{"app.office365.provisioning_app_credential.rotate", credRot, "", "", "", "the provisioning app's client secret was rotated"},
	{"app.office365.user.delete.success", del, app, "", "", "the Office 365 user was deleted"},
	{"app.office365.user.remove.licenses.success", revoke, app, "", "", "all the Office 365 user's licenses were removed"},
	{"app.office365.*", nac, "", "", "", "errors, sync jobs, skipped objects and clean-ups of the Office 365 integration"},
	{"app.policy.sign_on.update", policy, pol, "", "", "an app sign-on policy changed"},
	{"app.radius.*", nac, "", "", "", "RADIUS agent status"},
	{"app.realtimesync.import.details.add_user", create, "", "", "", "real-time sync created a user"},
	{"app.realtimesync.import.details.delete_user", del, "", "", "", "real-time sync removed a user"},
	{"app.realtimesync.*", nac, "", "", "", "real-time sync profile updates and failures"},
	{"app.request_new.notify", nac, "", "", "", "admins were notified of a user's app request"},
	{"app.rum.*", nac, "", "", "", "remote user management errors"},
	{"app.saml.sensitive.attribute.update", nac, "", "", "", "a sensitive SAML attribute changed in a user's profile"},
	{"app.user_management.grouppush.mapping.created.from.rule", grant, group, "", "", "a rule made a Group Push mapping: the Okta group's members join the app group"},
	{"app.user_management.push_new_user_success", create, app, "", "", "a new user account was pushed to an app"},
	{"app.user_management.*", nac, "", "", "", "import and group-push errors and app group imports"},

	{"application.account.decision.revoke", revoke, app, "", "", "an unmanaged app account was rejected and deprovisioned"},
	{"application.account.decision.*", reviewed, "", "", "", "an unmanaged app account was confirmed or ignored in reconciliation: a review decision"},
	{"application.account.*", nac, "", "", "", "unmanaged app accounts detected, matched or gone"},
	{"application.appuser.mapping.*", nac, "", "", "", "an app user property mapping has an invalid expression"},
	{"application.cache.*", nac, "", "", "", "the app list cache was invalidated"},
	{"application.configuration.*_delauth_outbound", policy, app, "", "", "delegated authentication for an app was turned on or off"},
	{"application.configuration.*_fed_broker_mode", policy, app, "", "", "Federation Broker Mode lets every user reach the app without assignment"},
	{"application.configuration.*", nac, "", "", "", "app logos, schema downloads, rate limits and configuration errors"},
	{"application.integration.*", nac, "", "", "", "errors calling the app's API"},
	{"application.lifecycle.*", policy, app, "", "", "an app integration was created, changed, activated, deactivated or deleted"},
	{"application.policy.*", policy, pol, "", "", "an app sign-on policy or its rules changed"},
	{"application.provision.group_membership.add", grant, group, "", "", "Okta added a user to a group in the app"},
	{"application.provision.group_membership.update", grant, group, "", "", "Okta updated a user's group memberships in the app"},
	{"application.provision.group_membership.remove", revoke, group, "", "", "Okta removed a user from a group in the app"},
	{"application.provision.group_push.mapping.created", grant, group, "", "", "a Group Push mapping was made: the Okta group's members join the app group"},
	{"application.provision.group_push.activate_mapping", grant, group, "", "", "Group Push mappings were activated"},
	{"application.provision.group_push.pushed", grant, group, "", "", "a group and its members were pushed to an app"},
	{"application.provision.group_push.push_memberships", grant, group, "", "", "Group Push pushed the group's members to the app"},
	{"application.provision.group_push.removed", revoke, group, "", "", "a pushed group was removed from an app"},
	{"application.provision.group_push.delete_appgroup", revoke, group, "", "", "Group Push deleted the app's group"},
	{"application.provision.group_push.mapping.and.groups.deleted.rule.deleted", revoke, group, "", "", "a mapping rule was deleted, and its app groups with it"},
	{"application.provision.group_push.*", nac, "", "", "", "Group Push renames, deactivations, warnings and failures"},
	{"application.provision.user.push", create, app, "", "", "a new user was pushed to the app"},
	{"application.provision.user.activate", enable, app, "", "", "the user's app account was activated"},
	{"application.provision.user.reactivate", enable, app, "", "", "the user's app account was reactivated"},
	{"application.provision.user.deactivate", disable, app, "", "", "the user's app account was deactivated"},
	{"application.provision.user.deprovision", disable, app, "", "", "the user was deprovisioned from the app"},
	{"application.provision.user.delete", del, app, "", "", "the user's app account was deleted"},
	{"application.provision.user.remove_entitlements", revoke, app, "", "", "the user's managed groups and roles in the app were removed"},
	// application.provision.user.import is here too: the reference describes it as "Deactivate
	// user from external application", a description copied from another type; it imports.
	{"application.provision.*", nac, "", "", "", "profile and password sync, imports, checks, schedules, app group objects and mapping rules"},
	{"application.registration_policy.*", policy, pol, "", "", "a self-registration policy changed"},
	{"application.user_membership.remove", revoke, app, "", "", "the user's app assignment was removed"},
	{"application.user_membership.revoke", revoke, app, "", "", "the user was unassigned from the app"},
	{"application.user_membership.deprovision", revoke, app, "", "", "the user was deprovisioned from the app"},
	{"application.user_membership.*", grant, app, "", "", "the user was assigned, approved, provisioned or restored to an app, or the assignment changed"},

	{"certification.campaign.item.decide", reviewed, "", "", "", "a reviewer decided on a certification item"},
	{"certification.campaign.item.remediate", revoke, "", "", "", "a certification decision was remediated: access removed"},
	{"certification.*", nac, "", "", "", "certification campaigns' own lifecycle"},
	{"core.*", nac, "", "", "", "concurrency limits, expression evaluation and CRL downloads"},

	{"device.assurance.policy.*", policy, pol, "", "", "a device assurance policy decides which devices may sign in"},
	{"device.desktop_mfa.configuration.update", policy, "", "", "", "Desktop MFA configuration"},
	{"device.desktop_mfa.device_logout.*", signIn, "", "", "", "a user was logged out of Desktop MFA devices"},
	{"device.desktop_mfa.enrollment.create", mfaEnroll, "", "", "", "a user enrolled in Desktop MFA"},
	{"device.desktop_mfa.recovery_pin.generate", mfaReset, "", "", "", "an admin generated a recovery PIN so a user can get past Desktop MFA"},
	{"device.integration.*", policy, "", "", "", "an endpoint security integration feeds device assurance"},
	{"device.local_account.create", create, acct, "", "", "a local OS account was created on a device"},
	{"device.password_sync.authentication", signIn, "", "", "", "the OS synced a local password with Okta"},
	{"device.platform.*", policy, "", "", "", "a device management platform decides which devices are managed"},
	{"device.platform_sso.authentication", signIn, "", "", "", "Platform SSO authentication"},
	{"device.platform_sso.enrollment.create", mfaEnroll, "", "", "", "a user enrolled in Platform SSO on a device"},
	{"device.posture.*", policy, pol, "", "", "a device posture check feeds device assurance"},
	{"device.*", nac, "", "", "", "device records, enrollment, push providers, signals and user association"},

	{"directory.realm.assignment.execution_*", nac, "", "", "", "a realm assignment job ran"},
	{"directory.realm.assignment.*", policy, "", "", "", "realm assignments decide which admins manage which users"},
	{"directory.*", nac, "", "", "", "profile schemas, mappings, linked objects and realms"},
	{"entitlement.*", nac, "", "", "", "entitlement migration while enabling governance"},
	{"event_hook.*", nac, "", "", "", "event hook configuration and delivery"},
	{"governance.*", policy, "", "", "", "governance settings"},

	{"group.application_assignment.remove", revoke, app, "", "", "an app was unassigned from a group"},
	{"group.application_assignment.*", grant, app, "", "", "an app was assigned to a group, or the assignment changed"},
	{"group.privilege.grant", grant, role, admin, "", "a group was given admin roles"},
	{"group.privilege.revoke", revoke, role, admin, "", "a group's admin roles were revoked"},
	{"group.user_membership.add", grant, group, "", "", "a user was added to a group"},
	{"group.user_membership.remove", revoke, group, "", "", "a user was removed from a group"},
	{"group.user_membership.rule.add_exclusion", revoke, group, "", "", "a user was excluded from a group rule"},
	{"group.user_membership.rule.deactivated", policy, group, "", "", "a group rule was deactivated"},
	{"group.user_membership.rule.invalidate", policy, group, "", "", "a group rule was invalidated"},
	{"group.*", nac, "", "", "", "group creation, profiles, and group rule runs and errors"},

	{"iam.resourceset.bindings.add", grant, role, admin, "", "an admin role was assigned to a user or group"},
	{"iam.resourceset.bindings.delete", revoke, role, admin, "", "an admin role assignment was removed"},
	{"iam.policy.*", policy, pol, "", "", "an IAM policy's configuration changed"},
	{"iam.*", policy, role, admin, "", "custom admin roles, their permissions and resource sets define what admins may do"},
	{"inline_hook.*", nac, "", "", "", "inline hook configuration and runs"},
	{"integration.api_service.lifecycle.authorize", grant, app, "", "", "an admin authorized an API service integration: a non-human identity gets scopes"},
	{"integration.api_service.lifecycle.revoke", revoke, app, "", "", "an API service integration's access was revoked"},
	{"mim.*", nac, "", "", "", "mobile device management commands and enrollments"},
	{"network_zone.*", policy, "", "", "", "a network zone rule decides where sign-in is allowed"},
	{"oauth2.*", policy, "", "", "", "authorization servers, their claims and scopes decide what tokens grant"},
	{"org.*", nac, "", "", "", "an untrusted redirect origin was used"},

	// Okta Privileged Access and Advanced Server Access.
	{"pam.apikey.rotate", credRot, "", "", "", "a service user's API key was rotated"},
	{"pam.apikey.delete", credDel, "", "", "", "a service user's API key was deleted"},
	{"pam.auth_token.issue", signIn, "", "", "", "an ASA client was authenticated"},
	{"pam.user_creds.issue", signIn, "", "", "", "a user was authorized and connected to a server"},
	{"pam.gateway_creds.issue", signIn, "", "", "", "a gateway issued session credentials for a server"},
	{"pam.server.ssh_login", signIn, "", "", "", "a user logged in to a server over SSH"},
	{"pam.client_enrollment_policy_token.rotate", credRot, "", "", "", "a client enrollment token was rotated"},
	{"pam.client_enrollment_policy_token.delete", credDel, "", "", "", "a client enrollment token was deleted"},
	{"pam.client_enrollment_policies.*", policy, pol, "", "", "a client enrollment policy decides which clients may enroll"},
	{"pam.gateway.setup_token.create", credNew, "", "", "", "a gateway setup token was created"},
	{"pam.gateway.setup_token.update", credRot, "", "", "", "a gateway setup token changed"},
	{"pam.gateway.setup_token.delete", credDel, "", "", "", "a gateway setup token was deleted"},
	{"pam.entitlement_sudo.*", policy, perm, admin, "", "a sudo entitlement decides which commands run as root"},
	{"pam.sudo_command_bundle.*", policy, perm, admin, "", "a sudo command bundle decides which commands run as root"},
	{"pam.group.delete", revoke, group, "", "", "an ASA group was deleted, and its members' access with it"},
	{"pam.member.add", grant, group, "", "", "a user was added to an ASA group"},
	{"pam.member.remove", revoke, group, "", "", "a user was removed from an ASA group"},
	{"pam.project.add_group", grant, group, "", "", "a group was added to a project: its members reach the project's servers"},
	{"pam.project.remove_group", revoke, group, "", "", "a group was removed from a project"},
	{"pam.project.update", policy, "", "", "", "a project's settings changed"},
	{"pam.project.delete", policy, "", "", "", "a project was deleted"},
	{"pam.project_group_selector.update", policy, "", "", "", "which servers a project's group reaches"},
	{"pam.preauthorization.*", grant, perm, "", "", "a user was preauthorized for a server"},
	{"pam.permission.change", policy, perm, "", "", "an ASA group's permissions changed"},
	{"pam.password.change", pwChange, "", "", "", "a user changed their ASA password"},
	{"pam.password.reset", pwReset, "", "", "", "a user's ASA password reset was requested"},
	{"pam.offline_*_event", policy, "", "", "", "disconnected mode lets a group reach servers without Okta"},
	{"pam.offline_group.secrets.rotate", credRot, "", "", "", "disconnected-mode credentials were rotated"},
	{"pam.*_federation.approve", policy, "", "", "", "identities of another team are trusted"},
	{"pam.active_directory.account_rule.update", policy, "", "", "", "an AD account assignment rule changed"},
	{"pam.integration.account_rule.*", policy, "", "", "", "an integration account rule decides which accounts are onboarded to whom"},
	{"pam.security_policy.*", policy, pol, "", "", "a security policy decides who reaches which resources"},
	{"pam.resource.*", signIn, "", "", "", "a resource was checked out or in under its policy"},
	{"pam.resource_group.update", policy, "", "", "", "a resource group's owners or settings changed"},
	{"pam.resource_group.delete", policy, "", "", "", "a resource group was deleted"},
	{"pam.secret.create", credNew, "", "", "", "a vaulted secret was created"},
	{"pam.secret.update", credRot, "", "", "", "a vaulted secret was updated"},
	{"pam.secret.delete", credDel, "", "", "", "a vaulted secret was deleted"},
	{"pam.secret.reveal", read, "", "", "", "a vaulted secret was revealed to a user"},
	{"pam.*.password.reveal", read, "", "", "", "a vaulted account password was revealed"},
	{"pam.server_account.password_change.update", credRot, "", "", "", "a server reported a password rotation of a local account"},
	{"pam.server_account.password_change.out_of_band", credRot, "", "", "", "a server account password changed outside scheduled rotation"},
	{"pam.service_account.password.update", credRot, "", "", "", "a service account's password was updated"},
	{"pam.service_account.password_rotation.end", credRot, "", "", "", "a service account's password rotation finished"},
	{"pam.service_account.create", create, "", "", "", "a service account was created"},
	{"pam.service_account.delete", del, "", "", "", "a service account was deleted"},
	{"pam.team_settings.update", policy, "", "", "", "team settings decide approvals and sessions"},
	{"pam.user.create", create, "", "", "", "a user was created in ASA"},
	{"pam.user.remove", del, "", "", "", "a user was removed from ASA"},
	{"pam.workload_connection.api_key.create", credNew, "", "", "", "an API key was created on a workload connection"},
	{"pam.workload_connection.api_key.revoke", credDel, "", "", "", "a workload connection's API key was revoked"},
	{"pam.workload_connection.api_key.rotation.activate", credRot, "", "", "", "a workload connection's API key rotation completed"},
	{"pam.workload_connection.api_key.update", credRot, "", "", "", "a workload connection's API key changed"},
	{"pam.workload_connection.api_key.rotation.*", nac, "", "", "", "an API key rotation was started or canceled; the key in use is the same"},
	{"pam.workload_connection.*", policy, "", "", "", "a workload connection is a root of trust for workloads"},
	{"pam.workload_role.*", policy, "", "", "", "a workload role's criteria decide which workloads are authorized"},
	{"pam.*", nac, "", "", "", "servers, clients, gateways, projects, folders, attributes and discovery"},

	{"personal.*", nac, "", "", "", "Okta Personal app migration settings"},
	{"pki.ca.add", credNew, "", "", "", "a certificate authority was created or its chain uploaded"},
	{"pki.ca.renew", credRot, "", "", "", "a certificate authority's certificates were renewed"},
	{"pki.ca.delete", credDel, "", "", "", "a third-party certificate chain was deleted"},
	{"pki.*", nac, "", "", "", "Okta-managed device trust certificates and CA expiry warnings"},
	{"plugin.*", nac, "", "", "", "browser plugin downloads and script status"},

	{"policy.auth_reevaluate.*", signIn, "", "", "", "a session was re-evaluated against policy"},
	{"policy.continuous_access.*", signIn, "", "", "", "continuous access evaluation of a session"},
	{"policy.entity_risk.*", signIn, "", "", "", "entity risk policy evaluation of a session"},
	{"policy.branch.lifecycle.promote", policy, pol, "", "", "a policy branch was promoted to production"},
	{"policy.branch.lifecycle.rollback", policy, pol, "", "", "a policy branch was rolled back"},
	{"policy.branch.*", nac, "", "", "", "a policy branch under test is not in force"},
	{"policy.execute.*", nac, "", "", "", "a policy ran for a user; what it changes is logged by its own events"},
	{"policy.rule.action.execute", nac, "", "", "", "a policy rule's scheduled action ran; what it changes is logged by its own events"},
	{"policy.scheduled.execute", nac, "", "", "", "a scheduled policy ran; what it changes is logged by its own events"},
	{"policy.*", policy, pol, "", "", "a policy or policy rule was created, changed, activated, deactivated or deleted"},

	{"resource.collection.assign", grant, perm, "", "", "a resource collection was assigned to users"},
	{"resource.collection.unassign", revoke, perm, "", "", "a resource collection was unassigned from users"},
	{"resource.collection.*", policy, perm, "", "", "a resource collection's contents decide what its holders get"},
	{"resource.entitlement.*", nac, "", "", "", "an entitlement's definition in a downstream app"},
	{"resource.entitlement_policy.draft.*", nac, "", "", "", "an entitlement policy draft is not in force"},
	{"resource.label.*", nac, "", "", "", "resource labels"},
	{"resource.user_entitlements.update", grant, perm, "", "", "a user's entitlements in a resource changed"},
	{"resource.*", policy, "", "", "", "entitlement bundles and policies, governance engine, resource owners and risk rules"},
	{"resource_servers.*", policy, "", "", "", "API, A2A and MCP servers: which authorization servers and clients may reach them"},
	{"scheduled_action.*", nac, "", "", "", "a user suspension was scheduled, changed or canceled; it takes effect later"},

	// Security settings change who may sign in; detections are signals.
	{"security.attack_protection.*", policy, "", "", "", "password attack protection settings"},
	{"security.authenticator.*", policy, "", "", "", "an org authenticator was created, activated, deactivated or changed"},
	{"security.behavior.*", policy, "", "", "", "behavior detection settings feed sign-on policy"},
	{"security.bot_protection.*", policy, "", "", "", "bot protection settings"},
	{"security.device.*", policy, "", "", "", "a device blocklist policy"},
	{"security.events.provider.*", policy, "", "", "", "a security events provider feeds risk into policy"},
	{"security.origin.*", policy, "", "", "", "a trusted origin was added"},
	{"security.protected_action.settings.*", policy, "", "", "", "protected action settings"},
	{"security.session_protection.*", policy, "", "", "", "session protection moved between monitoring and enforcement"},
	{"security.threat.configuration.*", policy, "", "", "", "ThreatInsight configuration"},
	{"security.trusted_origin.*", policy, "", "", "", "a trusted origin may redirect to and embed Okta"},
	{"security.voice.*", policy, "", "", "", "countries voice calls may reach"},
	{"security.zone.*", policy, "", "", "", "IPs were added to or removed from the blocklist zone"},
	{"security.*", nac, "", "", "", "threat detections, attacks, blocked requests and risk signals"},
	{"self_service.*", policy, "", "", "", "self-service app requests were turned on or off"},

	{"system.agent.*.reset_user_password", pwReset, "", "", "", "a directory agent reset a user's password"},
	{"system.agent.*.unlock_user_account", unlock, "", "", "", "a directory agent unlocked a user's account"},
	{"system.agent.ldap.*_user_password", pwChange, "", "", "", "the LDAP agent changed a user's password"},
	{"system.agent.ldap.create_user_JIT", create, "", "", "", "the LDAP agent created a user just in time"},
	{"system.agent.*update_user", signIn, "", "", "", "a user signed in through the directory agent and their profile was updated"},
	{"system.agent.ldap.realtimesync", signIn, "", "", "", "a user signed in through LDAP delegated authentication and their profile was synced"},
	{"system.agent.ad.read_*", read, "", "", "", "the AD agent read configuration, schema, LDAP or topology"},
	{"system.agent*", nac, "", "", "", "directory agents' lifecycle, imports, logs and updates"},
	{"system.api_token.create", credNew, "", "", "", "an API token was created"},
	{"system.api_token.enable", credNew, "", "", "", "an API token was enabled"},
	{"system.api_token.update", credRot, "", "", "", "an API token's name or network condition changed"},
	{"system.api_token.revoke", credDel, "", "", "", "an API token was revoked"},
	{"system.directory.debugger.grant", grant, perm, ro, "", "Okta support was given Directory Debugger access"},
	{"system.directory.debugger.extend", grant, perm, ro, "", "Okta support's Directory Debugger access was extended"},
	{"system.directory.debugger.revoke", revoke, perm, ro, "", "Okta support's Directory Debugger access was revoked"},
	{"system.hook.key.created", credNew, "", "", "", "a hook signing key was created"},
	{"system.hook.key.updated", credRot, "", "", "", "a hook signing key was updated"},
	{"system.hook.key.deleted", credDel, "", "", "", "a hook signing key was deleted"},
	{"system.identity_sources.group.user.assign", grant, group, "", "", "an identity source added a user to a group"},
	{"system.identity_sources.group.user.revoke", revoke, group, "", "", "an identity source removed a user from a group"},
	{"system.identity_sources.group.delete", revoke, group, "", "", "an identity source deleted a group"},
	{"system.identity_sources.user.create", create, "", "", "", "an identity source created a user"},
	{"system.identity_sources.user.delete", del, "", "", "", "an identity source deleted a user"},
	{"system.identity_sources.*", nac, "", "", "", "bulk data uploaded into an import session, and profile updates; the changes are logged as the session runs"},
	{"system.idp.key.create", credNew, "", "", "", "an identity provider key credential was created"},
	{"system.idp.key.update", credRot, "", "", "", "an identity provider key credential was updated"},
	{"system.idp.key.delete", credDel, "", "", "", "an identity provider key credential was deleted"},
	{"system.idp.*", policy, "", "", "", "an identity provider trust decides who can sign in"},
	{"system.import.user.create", create, "", "", "", "an import created a user"},
	{"system.import.user.delete", del, "", "", "", "an import deleted a user"},
	{"system.import.user.suspend", disable, "", "", "", "an import suspended a user"},
	{"system.import.user.unsuspend*", enable, "", "", "", "an import unsuspended a user"},
	{"system.import.group.delete", revoke, group, "", "", "an import removed a group, and its members' memberships"},
	{"system.import.*", nac, "", "", "", "import phases, schedules, sessions, matching, profiles, custom objects and entitlement discovery"},
	{"system.iwa_agentless*.update", policy, "", "", "", "agentless desktop SSO (Kerberos) settings"},
	{"system.iwa_agentless.*", signIn, "", "", "", "agentless desktop SSO authentication"},
	{"system.ldapi.bind", signIn, "", "", "", "a bind to the LDAP interface"},
	{"system.ldapi.unbind", signIn, "", "", "", "an unbind from the LDAP interface"},
	{"system.ldapi.search", read, "", "", "", "a search through the LDAP interface"},
	{"system.mfa.*", policy, "", "", "", "an org-wide MFA factor was enabled or disabled: it decides how everyone signs in"},
	{"system.self_service.*", policy, "", "", "", "self-service app request settings"},
	{"system.*", nac, "", "", "", "org settings and signals with no bearing on access: branding, pages, domains, message delivery, log streams, rate limits, features, agents, imports"},
	{"task.*", nac, "", "", "", "system tasks"},

	{"user.account.reset_password", pwReset, "", "", "", "the user's Okta password was reset"},
	{"user.account.update_password", pwChange, "", "", "", "the user changed their Okta password"},
	{"user.account.lock*", lock, "", "", "", "the user's account was locked"},
	{"user.account.unlock*", unlock, "", "", "", "the user's account was unlocked, or an unlock token issued"},
	{"user.account.privilege.grant", grant, role, admin, "", "a user was given admin roles"},
	{"user.account.privilege.revoke", revoke, role, admin, "", "a user's admin roles were revoked"},
	{"user.account.*", nac, "", "", "", "profile, emails, preferences, subscriptions, user type and suspicious-activity reports"},
	{"user.authentication.*", signIn, "", "", "", "a user authenticated, signed on to an app or was logged out"},
	{"user.device_session.*", signIn, "", "", "", "a device session started or ended"},
	{"user.identity_verification*", signIn, "", "", "", "a user was asked to verify their identity"},
	{"user.lifecycle.create", create, "", "", "", "an Okta user was created"},
	{"user.lifecycle.activate", enable, "", "", "", "an Okta user was activated"},
	{"user.lifecycle.reactivate", enable, "", "", "", "an Okta user was reactivated"},
	{"user.lifecycle.unsuspend", enable, "", "", "", "an Okta user was unsuspended"},
	{"user.lifecycle.deactivate", disable, "", "", "", "an Okta user was deactivated"},
	{"user.lifecycle.suspend", disable, "", "", "", "an Okta user was suspended"},
	{"user.lifecycle.delete.*", del, "", "", "", "an Okta user was deleted"},
	{"user.lifecycle.*", nac, "", "", "", "a just-in-time user creation failed"},
	{"user.mfa.factor.activate", mfaEnroll, "", "", "", "a factor was enrolled for the user"},
	{"user.mfa.factor.update", mfaEnroll, "", "", "", "the user's factor was updated"},
	{"user.mfa.factor.unsuspend", mfaEnroll, "", "", "", "the user's factor was unsuspended"},
	{"user.mfa.factor.deactivate", mfaReset, "", "", "", "a factor of the user was reset"},
	{"user.mfa.factor.reset_all", mfaReset, "", "", "", "all of the user's factors were reset"},
	{"user.mfa.factor.suspend", mfaReset, "", "", "", "the user's factor was suspended"},
	{"user.mfa.*", signIn, "", "", "", "MFA verification steps of a sign-in"},
	{"user.privileged_account.privilege.grant", grant, role, admin, "", "a privileged account was given admin roles"},
	{"user.privileged_account.privilege.revoke", revoke, role, admin, "", "a privileged account's admin roles were revoked"},
	{"user.session.impersonation.end", revoke, "", "", "", "an impersonation session ended"},
	{"user.session.impersonation.revoke", revoke, "", "", "", "an impersonation grant was revoked"},
	{"user.session.impersonation.*", imperson, "", "", "", "support or an admin was allowed to act as the user, or did"},
	{"user.session.*", signIn, "", "", "", "a user's session started, ended, expired or was cleared"},
	{"user.*", nac, "", "", "", "risk and behavior signals, realms, imported passwords, device certificates and profile updates"},

	{"workflows.user.connection.create", credNew, "", "", "", "a Workflows connection stores a connector's credentials"},
	{"workflows.user.connection.reauthorize", credRot, "", "", "", "a Workflows connection was reauthorized"},
	{"workflows.user.connection.delete", credDel, "", "", "", "a Workflows connection was deleted"},
	{"workflows.user.connection.revoke", credDel, "", "", "", "a Workflows connection's token was revoked"},
	{"workflows.user.role.*.add", grant, role, "", "", "a Workflows role was given to a user or group"},
	{"workflows.user.role.*.remove", revoke, role, "", "", "a Workflows role was removed from a user or group"},
	{"workflows.*.export", read, "", "", "", "flows, folders or tables were exported"},
	{"workflows.*.view", read, "", "", "", "a flow, table or trust store was viewed"},
	{"workflows.*", nac, "", "", "", "flows, folders, tables, log streaming and limits in Workflows"},

	{"workload_principal.*credential.create", credNew, "", "", "", "a credential was created for an AI agent"},
	{"workload_principal.*credential.activate", credNew, "", "", "", "an AI agent credential was activated"},
	{"workload_principal.*credential.deactivate", credDel, "", "", "", "an AI agent credential was deactivated"},
	{"workload_principal.*credential.delete", credDel, "", "", "", "an AI agent credential was deleted"},
	{"workload_principal.delegation_link.create", grant, "", "", "", "a workload principal may act on a user's behalf"},
	{"workload_principal.delegation_link.delete", revoke, "", "", "", "a workload principal's delegation was removed"},
	{"workload_principal.resource_connection.create", grant, app, "", "", "a workload principal was connected to a resource"},
	{"workload_principal.resource_connection.activate", grant, app, "", "", "a workload principal's resource connection was activated"},
	{"workload_principal.resource_connection.deactivate", revoke, app, "", "", "a workload principal's resource connection was deactivated"},
	{"workload_principal.resource_connection.delete", revoke, app, "", "", "a workload principal's resource connection was deleted"},
	{"workload_principal.resource_connection.update", policy, app, "", "", "a workload principal's resource connection changed"},
	{"workload_principal.*sign_on_provider.*", policy, "", "", "", "how a workload principal signs on"},
	{"workload_principal.*register", create, "", "", "", "a workload principal or AI agent was registered: a new non-human identity"},
	{"workload_principal.*deactivate", disable, "", "", "", "a workload principal or AI agent was deactivated"},
	{"workload_principal.*activate", enable, "", "", "", "a workload principal or AI agent was activated"},
	{"workload_principal.*delete", del, "", "", "", "a workload principal or AI agent was deleted"},
	{"workload_principal.*update", nac, "", "", "", "a workload principal's or AI agent's details changed"},
	{"zone.*", policy, "", "", "", "a network zone decides where sign-in is allowed"},
}

// classify is the rule for one event type: its override, else the first matching rule.
func classify(id string) (rule, bool) {
	if r, ok := overrides[id]; ok {
		r.Pattern = id
		return r, true
	}
	for _, r := range rules {
		if matches(r.Pattern, id) {
			return r, true
		}
	}
	return rule{}, false
}

// matches reports whether id fits pattern; * matches any run of characters. Event types hold
// no slash, so path.Match's * (any run without a slash) is exactly that.
func matches(pattern, id string) bool {
	ok, err := path.Match(pattern, id)
	return err == nil && ok
}
