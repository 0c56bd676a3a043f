package main

import (
	"regexp"
	"strings"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// result is what a rule gives the activities it matches.
type result struct {
	Action    string
	Category  schemas.Category
	Kind      schemas.EntitlementKind
	Privilege schemas.Privilege
	Why       string
}

// rule classifies the activities whose folded name matches Match, in the folded categories
// Cats (any category, and the activity-alone entry, when Cats is empty). Match is an exact
// name, "prefix*", "*suffix", "*part*" or "re:<regexp>". The first matching rule wins.
type rule struct {
	Cats  []string
	Match string
	result
}

const (
	grant, revoke           = string(schemas.ActionAccessGrant), string(schemas.ActionAccessRevoke)
	policy                  = string(schemas.ActionPolicyChange)
	credCreate, credDelete  = string(schemas.ActionCredentialCreate), string(schemas.ActionCredentialDelete)
	credRotate              = string(schemas.ActionCredentialRotate)
	acctCreate, acctDelete  = string(schemas.ActionAccountCreate), string(schemas.ActionAccountDelete)
	acctEnable, acctDisable = string(schemas.ActionAccountEnable), string(schemas.ActionAccountDisable)
	acctLock, acctUnlock    = string(schemas.ActionAccountLock), string(schemas.ActionAccountUnlock)
	pwReset, pwChange       = string(schemas.ActionPasswordReset), string(schemas.ActionPasswordChange)
	mfaEnroll, mfaReset     = string(schemas.ActionMFAEnroll), string(schemas.ActionMFAReset)
	reviewed                = string(schemas.ActionAccessReviewed)
	impersonation           = string(schemas.ActionImpersonation)
	signIn, read            = string(schemas.ActionSignIn), string(schemas.ActionRead)
	tOpened, tUpdated       = string(schemas.ActionTicketOpened), string(schemas.ActionTicketUpdated)
	tApproved, tRejected    = string(schemas.ActionTicketApproved), string(schemas.ActionTicketRejected)
	tClosed                 = string(schemas.ActionTicketClosed)
	noChange, unknown       = catalog.NoAccessChange, catalog.Unknown

	ticket         = schemas.CategoryTicket
	kGroup, kRole  = schemas.EntitlementGroup, schemas.EntitlementRole
	kApp, kPerm    = schemas.EntitlementApp, schemas.EntitlementPermission
	kPolicy, kAcct = schemas.EntitlementPolicy, schemas.EntitlementAccount
	pAdmin         = schemas.PrivilegeAdmin
)

// pimGroups is the category under which PIM for Groups logs its "role" activities: the
// roles there are a group's member and owner, so the entitlement is the group.
var pimGroups = []string{"groupmanagement"}

// rules is the classification table. Order: meanings that depend on the category, sign-ins
// and reads, then access, credential, lifecycle and policy activities from the most to the
// least specific, and last the configuration that changes no one's access.
var rules = []rule{
	// --- Meanings that depend on the category.
	{[]string{"microsoftsupportaccessmanagement"}, "re:^(access|request) approved$", result{impersonation, "", "", "", "Customer Lockbox: Microsoft support engineers were approved to access the tenant's data"}},
	{[]string{"microsoftsupportaccessmanagement"}, "access removed", result{revoke, "", kAcct, "", "Customer Lockbox: Microsoft support's approved access ended"}},
	{[]string{"microsoftsupportaccessmanagement"}, "request *", result{noChange, "", "", "", "Customer Lockbox request lifecycle: access follows only from an approval"}},
	{[]string{"policy"}, "re:^(cancel|create|update) request$|^request expired$|^delete approvals$", result{noChange, "", "", "", "access review workflow bookkeeping; the review's decisions are logged on their own"}},
	{[]string{"usermanagement"}, "re:^request (approved|denied)$", result{reviewed, "", "", "", "access review of a business flow: a reviewer decided"}},
	{nil, "access approved", result{impersonation, "", "", "", "Customer Lockbox: Microsoft support engineers were approved to access the tenant's data"}},
	{nil, "access removed", result{revoke, "", kAcct, "", "Customer Lockbox: Microsoft support's approved access ended"}},
	{nil, "request approved", result{unknown, "", "", "", "a Customer Lockbox approval under MicrosoftSupportAccessManagement, an access-review decision under UserManagement: only the record's category tells which"}},
	{nil, "request denied", result{reviewed, "", "", "", "access review of a business flow: a reviewer decided"}},
	{nil, "re:^request (canceled|created|rejected|expired)$", result{noChange, "", "", "", "request lifecycle (Customer Lockbox, access reviews): access follows only from an approval"}},
	{nil, "re:^deletedatafrom(backend|cosmosdb)$", result{noChange, "", "", "", "data-subject (GDPR) deletion of MFA service data"}},

	// --- Sign-ins and authentication steps, reads and exports (context).
	{nil, "re:^(issue an? (saml assertion|access token|authorization code|id_token) to the application|exchange token|federate with an identity provider|validate (client credentials|local account credentials|user authentication)|evaluate conditional access policies|an api was called as part of a user flow|user authorization for application access)$", result{signIn, "", "", "", "a step of a sign-in or token issuance"}},
	{nil, "re:^(send sms to verify phone number|make phone call to verify phone number|verify phone number|send verification email|verify email address|generate one time password|verify one time password)$", result{signIn, "", "", "", "a verification step of a sign-in or sign-up"}},
	{nil, "*sign-in activity", result{signIn, "", "", "", "a sign-in (Azure Monitor sign-in logs)"}},
	{nil, "microsoft graph activity", result{read, "", "", "", "a Microsoft Graph API request (MicrosoftGraphActivityLogs): an access record, no change"}},
	{nil, "user risk detection", result{noChange, "", "", "", "Identity Protection flagged a risky sign-in or user: a signal, no access change"}},
	{nil, "re:^(get|retrieve|read|download|export|check|validate|bulk download) |_get(all)?$|_get[a-z]|^groupsodatav4_|^group_(batch)?validatedynamicmembership$|^features_isfeatureenabledasync$|^exportdatafrom|^recover device local administrator password$", result{read, "", "", "", "a read, download or export"}},

	// --- Role assignments (Core Directory, Azure RBAC, entitlement management).
	{nil, "re:^add (eligible |scoped )?member to role( scoped over restricted management administrative unit)?$|^add role assignment$", result{grant, "", kRole, "", "directory role assigned"}},
	{nil, "re:^add (eligibleroleassignment to roledefinition|role assignment to role definition)$", result{grant, "", kRole, "", "directory role assigned"}},
	{nil, "re:^remove (eligible |scoped )?member from role( scoped over restricted management administrative unit)?$|^remove role assignment$", result{revoke, "", kRole, "", "directory role assignment removed"}},
	{nil, "re:^remove (eligibleroleassignment from roledefinition|role assignment from role definition)$", result{revoke, "", kRole, "", "directory role assignment removed"}},
	{nil, "user has elevated their access to user access administrator for their azure resources", result{grant, "", kRole, pAdmin, "a Global Administrator elevated themselves to User Access Administrator over every Azure subscription"}},
	{nil, "the role assignment of user access administrator has been removed from the user", result{revoke, "", kRole, pAdmin, "elevated User Access Administrator access removed"}},
	{nil, "add entitlement management role assignment", result{grant, "", kRole, "", "entitlement-management role (catalog owner, access package manager) assigned"}},
	{nil, "remove entitlement management role assignment", result{revoke, "", kRole, "", "entitlement-management role removed"}},
	{nil, "re:^(add|update) role definition$|^update role$|^add role from template$|^role definition created$|^delete role definition$", result{policy, "", kRole, "", "a role definition's permissions decide what every holder can do"}},
	{nil, "re:^(adding|updating) allowed assignable roles$", result{policy, "", kRole, "", "GDAP: which roles a partner may be assigned"}},

	// --- PIM: assignments when they take effect; requests are the IdP's own access-request tickets.
	{nil, "re:^add (eligible )?member to role (in pim completed|completed \\(pim activation\\)|outside of pim)", result{grant, "", kRole, "", "PIM role assignment or activation took effect"}},
	{nil, "re:^update member in pim approved by admin", result{grant, "", kRole, "", "PIM role assignment extended or renewed"}},
	{nil, "re:^restore (eligible )?member from role|^restore permanent (direct|eligible) role assignment$", result{grant, "", kRole, "", "PIM role assignment restored"}},
	{nil, "re:^remove (eligible )?member from role (in pim completed|completed \\(pim deactivate\\)|\\(pim activation expired\\))|^remove permanent (direct|eligible) role assignment$", result{revoke, "", kRole, "", "PIM role assignment removed, deactivated or expired"}},
	{nil, "re:request approved \\(pim activation\\)$|^approve request - direct role assignment$", result{tApproved, ticket, kRole, "", "a PIM request was approved (the assignment is logged when it completes)"}},
	{nil, "re:(request denied \\(pim activation\\)|denied by admin \\(extend/renew\\))$", result{tRejected, ticket, kRole, "", "a PIM request was denied"}},
	{nil, "re:requested \\(", result{tOpened, ticket, kRole, "", "a PIM assignment, activation, extension or removal was requested"}},
	{nil, "re:canceled \\(|^cancel request( for role (removal|update))?$|^pim activation request expired$|^remove request$", result{tClosed, ticket, kRole, "", "a PIM request was canceled, expired or removed"}},
	{nil, "re:^(update role setting in pim|pim policy removed|update pim alert setting)$", result{policy, "", kPolicy, "", "PIM role settings decide approval, MFA and duration of activations"}},
	{nil, "re:pim alert$|^(onboarded resource (to|from) pim|offboarded resource from pim|tenant offboarded from pim|resource updated)$|^process (role (removal|update) )?request$", result{noChange, "", "", "", "PIM alerting, onboarding or request processing; the assignment it leads to is logged on its own"}},

	// --- Groups and licenses.
	{nil, "re:^(add member to group|group_addmember|bulk import group members - finished \\(bulk\\))$", result{grant, "", kGroup, "", "group membership added"}},
	{nil, "re:^(add owner to group|group_addowner|set group to be managed by user)$", result{grant, "", kGroup, "", "group ownership added: owners decide the group's membership"}},
	{nil, "re:^(remove (eligible )?(member|owner) from group|group_remove(member|owner)|bulk remove group members - finished \\(bulk\\))$", result{revoke, "", kGroup, "", "group membership or ownership removed"}},
	{nil, "re:^(delete group|hard delete group|group_delete)$", result{revoke, "", kGroup, "", "a deleted group takes its members' access with it"}},
	{nil, "re:^(restore group|group_restore)$", result{grant, "", kGroup, "", "a restored group brings its memberships back"}},
	{nil, "request to join a group", result{tOpened, ticket, kGroup, "", "self-service request to join a group"}},
	{nil, "approve a pending request to join a group", result{tApproved, ticket, kGroup, "", "a group owner approved a join request (the membership is logged as Add member to group)"}},
	{nil, "reject a pending request to join a group", result{tRejected, ticket, kGroup, "", "a group owner rejected a join request"}},
	{nil, "re:^(cancel|delete) a pending request to join a group$", result{tClosed, ticket, kGroup, "", "a join request was withdrawn"}},
	{nil, "re:^(approval_act|approvals_actonapproval)$", result{tUpdated, ticket, kGroup, "", "MyGroups approval decision on a join request"}},
	{nil, "re:^(approvals_post|approvalnotification_create)$", result{noChange, "", "", "", "MyGroups approval bookkeeping"}},
	{nil, "re:^(set group license|change user license)$", result{grant, "", kApp, "", "licenses enable Microsoft 365 services (removals log under the same activity)"}},

	// --- Applications, service principals, consent.
	{nil, "re:^add app role assignment (to (service principal|group)|grant to user)$", result{grant, "", kApp, "", "app role assigned"}},
	{nil, "re:^remove app role assignment from (service principal|group|user)$", result{revoke, "", kApp, "", "app role assignment removed"}},
	{nil, "re:^(add delegated permission grant|consent to application|restore consent|grant contextual consent to application)$", result{grant, "", kPerm, "", "OAuth consent: the app gains delegated access to users' data (scopes decide how much)"}},
	{nil, "remove delegated permission grant", result{revoke, "", kPerm, "", "OAuth delegated permission grant removed"}},
	{nil, "re:^(add v2 application permissions|update v2 application permission grant)$", result{grant, "", kPerm, "", "B2C app registration granted API permissions"}},
	{nil, "delete v2 application permission grant", result{revoke, "", kPerm, "", "B2C app permission grant removed"}},
	{nil, "re:^add owner to (application|service principal)$", result{grant, "", kApp, "", "app owners can add credentials and act as the app"}},
	{nil, "re:^remove owner from (application|service principal)$", result{revoke, "", kApp, "", "app ownership removed"}},
	{nil, "add owner to policy", result{grant, "", kPolicy, "", "policy owners can change the policy"}},
	{nil, "remove owner from policy", result{revoke, "", kPolicy, "", "policy ownership removed"}},

	// --- Credentials of non-human identities.
	{nil, "re:^(add service principal credentials|add federated identity credential|create application password for user|generate key)$", result{credCreate, "", "", "", "a secret, certificate or federated credential was issued (the parser refines from KeyDescription)"}},
	{nil, "re:^(remove service principal credentials|remove policy credentials|delete application password for user|delete policy key)$", result{credDelete, "", "", "", "a credential was removed (the parser refines from KeyDescription)"}},
	{nil, "re:^((update|create) application - certificates and secrets management|update external secrets)$", result{credRotate, "", "", "", "an application's credentials changed; the parser decides create or delete from KeyDescription old and new values"}},
	{nil, "re:^(create policy key|upload (key|secret|certificate) (to|into) policy key)$", result{credCreate, "", "", "", "B2C policy key (signing or encryption key, client secret) created"}},
	{nil, "re:^(update policy key|restore policy key|update (certificate|secret) (to|into) policy key)$", result{credRotate, "", "", "", "B2C policy key replaced"}},
	{nil, "re:^(add application ssl certificate|create certificate|post tenant\\.generatenewactivationcredentials)$", result{credCreate, "", "", "", "a certificate or activation credential was issued"}},
	{nil, "re:^(delete ssl binding|delete certificate|revoke credential)$", result{credDelete, "", "", "", "a certificate or issued credential was revoked"}},
	{nil, "re:^(update certificate|rotate signing key|process post /authorities/:issuerid/didinfo/signingkeys/rotate request|update provisioning setting or credentials|update (device )?local administrator password)$", result{credRotate, "", "", "", "a certificate, signing key, provisioning secret or local administrator password was replaced"}},

	// --- Lifecycle of applications and users.
	{nil, "re:^(add service principal|add application|create v2 application)$", result{acctCreate, "", "", "", "a non-human identity (application or service principal) was created"}},
	{nil, "re:^(remove service principal|hard delete service principal|delete application|hard delete application|delete v2 application)$", result{acctDelete, "", "", "", "a non-human identity was deleted"}},
	{nil, "re:^restore (application|service principal)$", result{acctEnable, "", "", "", "a deleted non-human identity was restored"}},
	{nil, "re:^(add|remove) policy (to|from) (application|service principal)$", result{policy, "", kPolicy, "", "token lifetime, claims mapping or home realm policy of an app changed"}},
	{nil, "re:^(add user|bulk create users - finished \\(bulk\\)|invite external user|invite external user with reset invitation status|invite internal user to b2b collaboration|bulk invite users - finished \\(bulk\\)|viral user creation|a self-service sign-up request was completed)$", result{acctCreate, "", "", "", "an account was created or invited"}},
	{nil, "re:^(delete user|hard delete user|bulk delete users - finished \\(bulk\\)|delete external user)$", result{acctDelete, "", "", "", "an account was deleted"}},
	{nil, "re:^(restore user|bulk restore deleted users - finished \\(bulk\\)|enable account)$", result{acctEnable, "", "", "", "an account was enabled or restored"}},
	{nil, "disable account", result{acctDisable, "", "", "", "an account was disabled"}},
	{nil, "re:^redeem extern(al)? user invite$", result{signIn, "", "", "", "a guest accepted an invitation whose creation was governed"}},
	{nil, "re:^(user_create|user_delete|device_create|device_delete|groups_createlink)$", result{unknown, "", "", "", "listed among MyGroups portal background calls; Microsoft documents no effect for it"}},
	{nil, "takeover user cloned", result{unknown, "", "", "", "Microsoft documents no meaning for this activity"}},

	// --- Passwords and authentication methods (break-fix).
	{nil, "re:^(reset password( \\(by admin\\)| \\(self-service\\))?|reset user password|set force change user password|user password reset)$", result{pwReset, "", "", "", "a password was reset"}},
	{nil, "re:^(change user password|change password \\(self-service\\))$", result{pwChange, "", "", "", "a password was changed"}},
	{nil, "unlock user account (self-service)", result{acctUnlock, "", "", "", "an account was unlocked"}},
	{nil, "re:^(admin started password reset|user started password (reset|change)|self-service password reset flow activity progress)$", result{noChange, "", "", "", "a step of a password flow; its completion is logged as the reset or change"}},
	{nil, "re:^(admin|user) registered (all required )?security info$|^user started security info registration$|^(assign hardware oath token|register totp secret|security info saved for self-service password reset|user password registration)$", result{mfaEnroll, "", "", "", "an authentication method was registered"}},
	{nil, "re:^(add (fido2 security key|passkey \\(device-bound\\)|windows hello for business credential|passwordless phone sign-in credential|platform credential|users strong authentication phone app detail)|enable strong authentication)$", result{mfaEnroll, "", "", "", "an authentication method was registered"}},
	{nil, "re:^post userauthmethod\\.(securityinforegistrationcallback|softwareoathproofupregistration)$", result{mfaEnroll, "", "", "", "an authentication method was registered"}},
	{nil, "re:^(admin|user) (deleted|updated) security info$|^user changed default security info$|^delete (fido2 security key\\(s\\)|passkey \\(device-bound\\)|windows hello for business credential|passwordless phone sign-in credential|platform credential|hardware oath token|all available strong authentication devices)$", result{mfaReset, "", "", "", "an authentication method was removed or replaced"}},
	{nil, "re:^(disable strong authentication|update per-user multifactor authentication state|restore multifactor authentication on all remembered devices|update stsrefreshtokenvalidfrom timestamp|remove users strong authentication phone app detail)$", result{mfaReset, "", "", "", "MFA state reset or sessions revoked: restores a known-good sign-in state"}},
	{nil, "re:^patch userauthmethod\\.(patchsigninpreferencesasync|resetqrpinasync|updateqrpinasync)$", result{mfaReset, "", "", "", "a user's default method or QR code PIN changed"}},
	{nil, "re:^(add bypass user|remove bypassed user|post tenant\\.(create|remove)bypasseduser)$", result{mfaReset, "", "", "", "MFA Server one-time bypass set or cleared for a user"}},
	{nil, "re:^(add blocked user|post tenant\\.createblockeduser|fraud reported - user is blocked for mfa|blocked from self-service password reset)$", result{acctLock, "", "", "", "a user was blocked from MFA or self-service reset"}},
	{nil, "re:^(clear block on user|post tenant\\.removeblockeduser)$", result{acctUnlock, "", "", "", "an MFA block was cleared"}},

	// --- Access reviews and entitlement management.
	{nil, "re:^(bulk )?(approve|deny|reset) decisions?$|^(don't know decision|bulk mark decisions as don't know|auto review|deny all decisions|apply decision|apply review|auto apply review|(approve|deny) all requests in business flow)$", result{reviewed, "", "", "", "an access review decision was recorded or applied"}},
	{nil, "re:^(administrator directly assigns user to access package|(partially )?fulfill access package (assignment request|resource assignment)|extend access package assignment)$", result{grant, "", kGroup, "", "access package assignment (groups, apps, roles in a bundle) took effect"}},
	{nil, "re:^(administrator directly removes user access package assignment|remove access package resource assignment|entitlement management removes access package assignment request for user)$", result{revoke, "", kGroup, "", "access package assignment removed"}},
	{nil, "re:^user requests |^(entitlement management creates access package assignment request for user|create access package assignment user update request|create resource (remove )?request)$", result{tOpened, ticket, kGroup, "", "an access package request was filed"}},
	{nil, "re:^(auto )?approve access package assignment request$", result{tApproved, ticket, kGroup, "", "an access package request was approved"}},
	{nil, "deny access package assignment request", result{tRejected, ticket, kGroup, "", "an access package request was denied"}},
	{nil, "re:^(cancel|delete|failed) access package assignment request$", result{tClosed, ticket, kGroup, "", "an access package request ended without a grant"}},
	{nil, "re:^(approval stage completed for access package assignment request|update access package assignment request|update request answers by approver)$", result{tUpdated, ticket, kGroup, "", "an access package request moved on"}},
	{nil, "re:^(ready to fulfill access package assignment request|schedule a future access package assignment|execute custom extension)$", result{noChange, "", "", "", "a step before an access package assignment, which is logged when fulfilled"}},
	{nil, "re:^(create|update|delete) (access package( assignment policy( for a deleted user)?| catalog( resource)?)?|connected organization|custom extension|incompatible (access package|group)|resource environment)$|^update tenant setting$", result{policy, "", kPolicy, "", "entitlement-management configuration decides who may request and receive access"}},
	{nil, "re:^(assign|remove) user as (external|internal) sponsor$|^(add|remove) user sponsor$", result{noChange, "", "", "", "sponsors approve and review guests' access; the sponsor's own access does not change"}},

	// --- Tenant-wide authentication and access policies (governed).
	{nil, "re:^set (domain authentication|federation settings on domain)$", result{policy, "", kPolicy, "", "domain federation trust: decides who can sign in as the domain's users"}},
	{nil, "re:^(add verified domain|verify domain|verify email verified domain|promote sub domain to root domain|update domain)$", result{policy, "", kPolicy, "", "a verified domain can be federated (first step of the federated-domain backdoor)"}},
	{nil, "re:conditional access policy$|named location$|authenticationcontextclassreference$|^update (continuous access evaluation|security defaults|authorization policy)$", result{policy, "", kPolicy, "", "Conditional Access or tenant authorization policy"}},
	{nil, "re:^authentication (methods policy|strength)|^mfa service policy update$|^update (sign-in risk policy|user risk and mfa registration policy|identityprotectionpolicy|authentication methods policy)$", result{policy, "", kPolicy, "", "tenant authentication-methods, strength or risk policy"}},
	{nil, "re:^(add|added|update|delete|hard delete|restore) policy$", result{policy, "", kPolicy, "", "directory policy (token lifetime, home realm discovery, authentication flows, mobility)"}},
	{nil, "re:permission grant policy$", result{policy, "", kPolicy, "", "permission grant policies decide which apps users may consent to"}},
	{nil, "migrated partner cross-tenant access settings to the scalable model", result{noChange, "", "", "", "storage format migration of cross-tenant settings"}},
	{nil, "re:cross-tenant (access|identity sync)|multitenantorg|multi tenant org", result{policy, "", kPolicy, "", "cross-tenant trust decides which external identities get in (or are synced in)"}},
	{nil, "re:certificatebasedauthconfiguration$|certbasedauthconfiguration$|certificationbasedauthconfiguration$|certificateauthorityentity$|publickeyinfrastructure$", result{policy, "", kPolicy, "", "trusted certificate authorities decide who can sign in with a certificate"}},
	{nil, "re:(rollout policy (for|of) feature|feature rollout)$", result{policy, "", kPolicy, "", "staged rollout changes how the users in scope authenticate"}},
	{nil, "re:^(enable|disable) (passthrough authentication|desktop sso( for a specific domain)?|password writeback for directory)$|^(set dirsync feature|set dirsyncenabled flag|set directory feature on tenant|set password policy|convert federated user to managed)$", result{policy, "", kPolicy, "", "hybrid authentication and sync settings decide how accounts sign in and match"}},
	{nil, "re:kerberos domain$|^set device registration policies$|^(update|delete) private access policy$|^update adaptive access policy$", result{policy, "", kPolicy, "", "authentication, device registration or private-access policy"}},
	{nil, "re:^(add member to|remove member from) (restricted management )?administrative unit$|^bulk (add|remove) members to administrative unit - finished \\(bulk\\)$", result{policy, "", kPolicy, "", "administrative unit membership changes which scoped administrators manage the member"}},
	{nil, "add partner to company", result{grant, "", kRole, pAdmin, "a partner (CSP) receives delegated administration of the tenant"}},
	{nil, "remove partner from company", result{revoke, "", kRole, pAdmin, "a partner's delegated administration removed"}},
	{nil, "re:provisioning configuration$|^update attribute mappings or scope$", result{policy, "", kPolicy, "", "provisioning scope and mappings decide which accounts are created in connected apps"}},
	{nil, "re:^(create|update|delete|hard delete|restore|add|enable|disable) (workflow|task|custom task extension|execution conditions|workflow version|workflow schedule)$|^(add|remove) task (to|from) workflow$", result{policy, "", kPolicy, "", "lifecycle workflows automate joiner, mover and leaver access changes"}},
	{nil, "re:(identity provider|custom policy|user flow|authentication flows policy|authenticationevents?(listener|flow|policy)|customauthenticationextension|api connector|customextension|age gating configuration)$", result{policy, "", kPolicy, "", "B2C/External ID sign-in configuration: identity providers, user flows and their extensions decide who signs in and with which claims"}},

	// --- Changes to no one's access (context).
	{nil, "re:^(fraud reported - no action taken|suspicious activity reported|user reviewed security info|user canceled security info registration)$", result{noChange, "", "", "", "a report or an abandoned step; no method or access changed"}},
	{nil, "re:^(confirmaccountcompromised|confirmaccountsafe|confirmcompromised|confirmsafe|dismissrisk|dismissuser|confirmserviceprincipalcompromised|dismissserviceprincipal|remediate user|update notificationsettings)$", result{noChange, "", "", "", "an ID Protection risk state changed; risk policies act on it, no grant changes"}},
	{nil, "re:^(add|remove|update|delete|hard delete|restore|register|unregister|pre-create|delete pre-created) .*device$|^device no longer|devicetemplate$|device configuration$|bitlocker key$|authentication devices - finished \\(bulk\\)$", result{noChange, "", "", "", "device inventory, compliance or recovery-key escrow"}},
	{nil, "re:^(add|create|update|delete|hard delete|restore|remove|assign|set|schedule|trigger|start|started|finish|link|unlink|mark|dismiss|postpone|publish|edit|accept|decline|enable|disable|register|move|initialize|tenant|process|on-demand|updated|renew|autorenew|email|export|import|other|quarantine|synchronization|user provisioning|test|offboarding|onboarding|promote|demote|deleting|suspending|directory|soft|cancel|complete|verify if|unset|bulk|patch|post|access review ended)\\b|^(features|group|lcmpolicy|grouplifecyclepolicies)_", result{noChange, "", "", "", "configuration of directory objects, apps, branding, networking, workflows or tenant lifecycle that grants no one access"}},
}

// classify gives the result for a folded category (empty for an activity-alone entry) and
// activity, and the index of the rule that decided it (-1: none did).
func classify(category, activity string) (result, int) {
	for i, r := range rules {
		if len(r.Cats) > 0 && !contains(r.Cats, category) {
			continue
		}
		if !matches(r.Match, activity) {
			continue
		}
		res := r.result
		// PIM for Groups logs its activities as roles (member, owner) of a group.
		if category == pimGroups[0] && res.Kind == kRole {
			res.Kind = kGroup
			res.Why += " (PIM for Groups: the roles are the group's member and owner)"
		}
		return res, i
	}
	return result{Action: unknown, Why: "no rule in scripts/catalog/entra/rules.go classifies this activity"}, -1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var compiled = map[string]*regexp.Regexp{}

func matches(pattern, s string) bool {
	if re, ok := strings.CutPrefix(pattern, "re:"); ok {
		c := compiled[re]
		if c == nil {
			c = regexp.MustCompile(re)
			compiled[re] = c
		}
		return c.MatchString(s)
	}
	pre, suf := strings.HasSuffix(pattern, "*"), strings.HasPrefix(pattern, "*")
	core := strings.Trim(pattern, "*")
	switch {
	case pre && suf:
		return strings.Contains(s, core)
	case pre:
		return strings.HasPrefix(s, core)
	case suf:
		return strings.HasSuffix(s, core)
	}
	return s == pattern
}
