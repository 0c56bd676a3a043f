package main

// supplement is an activity (or log category) real Entra logs carry that Microsoft's audit
// activity reference does not list, with where it was seen. The rules classify it like any
// reference row; Category is empty when the record's category is not known.
type supplement struct {
	Category, Activity, Source string
}

// supplements lists what the reference omits. Keep each to a name seen in Microsoft's own
// documentation or in a record, never a guess.
var supplements = []supplement{
	// Sign-in logs streamed through diagnostic settings: every record's operationName is
	// "Sign-in activity" and its category one of the sign-in log categories
	// (reference-azure-monitor-sign-ins-log-schema.md; concept-diagnostic-settings-logs-options.md).
	{"SignInLogs", "Sign-in activity", "Azure Monitor sign-in log schema"},
	{"NonInteractiveUserSignInLogs", "Sign-in activity", "Entra diagnostic settings log categories"},
	{"ServicePrincipalSignInLogs", "Sign-in activity", "Entra diagnostic settings log categories"},
	{"ManagedIdentitySignInLogs", "Sign-in activity", "Entra diagnostic settings log categories"},
	{"ADFSSignInLogs", "Sign-in activity", "Entra diagnostic settings log categories"},

	// Activities in records that the reference lists under another name or not at all.
	{"UserManagement", "Reset user password", "FORMATS.md §2: Sentinel and community detection content match it beside Reset password"},
	{"UserManagement", "Add app role assignment grant to user", "Core Directory records of user app assignment (the reference lists only the removal)"},
	{"Policy", "Update authentication methods policy", "labelled fixture entra-2 (Panther azure_auth_methods_policy_oidc_change)"},
	{"Policy", "Added policy", "labelled fixture entra-16"},
	{"", "Add role assignment", "Azure RBAC role assignments in the Entra feed (labelled fixture entra-6's counterpart)"},
	{"", "Remove role assignment", "labelled fixture entra-6 (Azure RBAC, operationName Delete role assignment)"},
	{"ApplicationManagement", "Add federated identity credential", "workload identity federation on an application (tollgate issue: federation/trust credentials)"},
	{"UserManagement", "Add FIDO2 security key", "entra-docs reference @092dd5c (04/15/2024), since renamed Add Passkey (device-bound)"},
	{"UserManagement", "Delete FIDO2 security key(s)", "entra-docs reference @092dd5c (04/15/2024), since renamed Delete Passkey (device-bound)"},
	{"UserManagement", "Add users strong authentication phone app detail", "entra-docs reference @092dd5c (04/15/2024)"},
	{"UserManagement", "Remove users strong authentication phone app detail", "entra-docs reference @092dd5c (04/15/2024)"},
	{"ApplicationManagement", "Create application – Certificates and secrets management", "Core Directory records of an application created with a key (SEKOIA-IO intake-formats Entra samples)"},

	// Other log categories that diagnostic settings stream beside the audit and sign-in logs
	// (concept-diagnostic-settings-logs-options.md), with their records' operationName.
	{"MicrosoftGraphActivityLogs", "Microsoft Graph Activity", "Entra diagnostic settings log categories; operationName of its records"},
	{"UserRiskEvents", "User Risk Detection", "Entra diagnostic settings log categories; operationName of its records"},
}
