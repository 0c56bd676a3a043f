package schemas

import "time"

// Source is the system that emitted an IdentityEvent.
type Source string

// Sources, as in DESIGN.md §4.
const (
	SourceOkta            Source = "OKTA"
	SourceEntra           Source = "ENTRA"
	SourceCloudTrail      Source = "CLOUDTRAIL"
	SourceGoogleWorkspace Source = "GOOGLE_WORKSPACE"
	SourceServiceNow      Source = "SERVICENOW"
	SourceJiraSM          Source = "JIRA_SM"
	SourceGeneric         Source = "GENERIC"
)

// Category tells IAM changes from ITSM tickets.
type Category string

// Categories.
const (
	CategoryIAM    Category = "IAM"
	CategoryTicket Category = "TICKET"
	CategoryOther  Category = "OTHER"
)

// Action is what an event did, independent of its source.
type Action string

// Actions, as in DESIGN.md §4.
const (
	ActionPasswordReset    Action = "PASSWORD_RESET"
	ActionPasswordChange   Action = "PASSWORD_CHANGE"
	ActionAccountUnlock    Action = "ACCOUNT_UNLOCK"
	ActionAccountLock      Action = "ACCOUNT_LOCK"
	ActionMFAReset         Action = "MFA_RESET"
	ActionMFAEnroll        Action = "MFA_ENROLL"
	ActionAccessGrant      Action = "ACCESS_GRANT"
	ActionAccessRevoke     Action = "ACCESS_REVOKE"
	ActionAccountCreate    Action = "ACCOUNT_CREATE"
	ActionAccountEnable    Action = "ACCOUNT_ENABLE"
	ActionAccountDisable   Action = "ACCOUNT_DISABLE"
	ActionAccountDelete    Action = "ACCOUNT_DELETE"
	ActionPolicyChange     Action = "POLICY_CHANGE"
	ActionCredentialCreate Action = "CREDENTIAL_CREATE"
	ActionCredentialRotate Action = "CREDENTIAL_ROTATE"
	ActionCredentialDelete Action = "CREDENTIAL_DELETE"
	ActionAccessReviewed   Action = "ACCESS_REVIEWED"
	ActionImpersonation    Action = "IMPERSONATION"
	ActionSignIn           Action = "SIGN_IN"
	ActionRead             Action = "READ"
	ActionTicketOpened     Action = "TICKET_OPENED"
	ActionTicketUpdated    Action = "TICKET_UPDATED"
	ActionTicketApproved   Action = "TICKET_APPROVED"
	ActionTicketRejected   Action = "TICKET_REJECTED"
	ActionTicketClosed     Action = "TICKET_CLOSED"
	ActionOther            Action = "OTHER"
)

// Outcome says whether an operation took effect.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "SUCCESS"
	OutcomeFailure Outcome = "FAILURE"
	OutcomeUnknown Outcome = "UNKNOWN"
)

// PrincipalType is the kind of identity.
type PrincipalType string

// Principal types.
const (
	PrincipalHuman   PrincipalType = "HUMAN"
	PrincipalNHI     PrincipalType = "NHI"
	PrincipalSystem  PrincipalType = "SYSTEM"
	PrincipalUnknown PrincipalType = "UNKNOWN"
)

// EntitlementKind is the shape of an entitlement.
type EntitlementKind string

// Entitlement kinds.
const (
	EntitlementGroup      EntitlementKind = "GROUP"
	EntitlementRole       EntitlementKind = "ROLE"
	EntitlementApp        EntitlementKind = "APP"
	EntitlementPolicy     EntitlementKind = "POLICY"
	EntitlementPermission EntitlementKind = "PERMISSION"
	EntitlementAccount    EntitlementKind = "ACCOUNT"
	EntitlementOther      EntitlementKind = "OTHER"
)

// Privilege is how much power an entitlement carries.
type Privilege string

// Privilege levels.
const (
	PrivilegeAdmin   Privilege = "ADMIN"
	PrivilegeWrite   Privilege = "WRITE"
	PrivilegeRead    Privilege = "READ"
	PrivilegeUnknown Privilege = "UNKNOWN"
)

// CredentialKind is the kind of a credential.
type CredentialKind string

// Credential kinds.
const (
	CredentialAPIToken     CredentialKind = "API_TOKEN"
	CredentialAccessKey    CredentialKind = "ACCESS_KEY"
	CredentialClientSecret CredentialKind = "CLIENT_SECRET"
	CredentialCertificate  CredentialKind = "CERTIFICATE"
	CredentialOther        CredentialKind = "OTHER"
)

// TicketKind is the ITSM work category of a ticket.
type TicketKind string

// Ticket kinds.
const (
	TicketIncident       TicketKind = "INCIDENT"
	TicketServiceRequest TicketKind = "SERVICE_REQUEST"
	TicketChange         TicketKind = "CHANGE"
	TicketAccessReview   TicketKind = "ACCESS_REVIEW"
	TicketOther          TicketKind = "OTHER"
)

// Approval is the approval state of a ticket.
type Approval string

// Approval states.
const (
	ApprovalApproved    Approval = "APPROVED"
	ApprovalRejected    Approval = "REJECTED"
	ApprovalPending     Approval = "PENDING"
	ApprovalNotRequired Approval = "NOT_REQUIRED"
	ApprovalUnknown     Approval = "UNKNOWN"
)

// Lane is where the router sends an event.
type Lane string

// Lanes, as in DESIGN.md §1.
const (
	LaneHelpDesk    Lane = "HELP_DESK"
	LaneServiceDesk Lane = "SERVICE_DESK"
	LaneBreakGlass  Lane = "BREAK_GLASS"
	LaneNHI         Lane = "NHI"
	LaneObserve     Lane = "OBSERVE"
	LaneTriage      Lane = "TRIAGE"
)

// Lanes lists every lane in a fixed order.
var Lanes = []Lane{LaneHelpDesk, LaneServiceDesk, LaneBreakGlass, LaneNHI, LaneObserve, LaneTriage}

// Impact is the governance impact of an event.
type Impact string

// Impacts.
const (
	ImpactNone     Impact = "NONE"
	ImpactLow      Impact = "LOW"
	ImpactMedium   Impact = "MEDIUM"
	ImpactHigh     Impact = "HIGH"
	ImpactCritical Impact = "CRITICAL"
)

// Control is a control that governed work must show.
type Control string

// Controls, as in DESIGN.md §4.
const (
	ControlApproval         Control = "APPROVAL"
	ControlJustification    Control = "JUSTIFICATION"
	ControlReviewDate       Control = "REVIEW_DATE"
	ControlTimeBound        Control = "TIME_BOUND"
	ControlPostEventReview  Control = "POST_EVENT_REVIEW"
	ControlIdentityProofing Control = "IDENTITY_PROOFING"
	ControlRotation         Control = "ROTATION"
	ControlOwner            Control = "OWNER"
	ControlOther            Control = "OTHER"
)

// Severity is how bad a finding is.
type Severity string

// Severities.
const (
	SeverityLow      Severity = "LOW"
	SeverityMedium   Severity = "MEDIUM"
	SeverityHigh     Severity = "HIGH"
	SeverityCritical Severity = "CRITICAL"
)

// FindingStatus is whether a finding is open or resolved.
type FindingStatus string

// Finding statuses.
const (
	FindingOpen     FindingStatus = "OPEN"
	FindingResolved FindingStatus = "RESOLVED"
)

// Principal is an identity that acts or is acted upon.
type Principal struct {
	ID          string        `avro:"id" json:"id"`
	SourceID    string        `avro:"source_id" json:"source_id"`
	Type        PrincipalType `avro:"type" json:"type"`
	DisplayName *string       `avro:"display_name" json:"display_name,omitempty"`
	Email       *string       `avro:"email" json:"email,omitempty"`
}

// Entitlement is a grantable unit of access.
type Entitlement struct {
	ID          string          `avro:"id" json:"id"`
	Name        string          `avro:"name" json:"name"`
	Kind        EntitlementKind `avro:"kind" json:"kind"`
	Privilege   Privilege       `avro:"privilege" json:"privilege"`
	System      string          `avro:"system" json:"system"`
	Environment *string         `avro:"environment" json:"environment,omitempty"`
	Wildcard    bool            `avro:"wildcard" json:"wildcard"`
}

// Credential is a secret or key that authenticates an identity; never the secret itself.
type Credential struct {
	ID        string         `avro:"id" json:"id"`
	Kind      CredentialKind `avro:"kind" json:"kind"`
	Owner     *Principal     `avro:"owner" json:"owner,omitempty"`
	ExpiresAt *time.Time     `avro:"expires_at" json:"expires_at,omitempty"`
}

// Ticket is the ITSM side of an identity operation.
type Ticket struct {
	ID                   string     `avro:"id" json:"id"`
	System               string     `avro:"system" json:"system"`
	Kind                 TicketKind `avro:"kind" json:"kind"`
	State                string     `avro:"state" json:"state"`
	Approval             Approval   `avro:"approval" json:"approval"`
	Approver             *Principal `avro:"approver" json:"approver,omitempty"`
	Requester            *Principal `avro:"requester" json:"requester,omitempty"`
	RequestedFor         *Principal `avro:"requested_for" json:"requested_for,omitempty"`
	RequestedEntitlement *string    `avro:"requested_entitlement" json:"requested_entitlement,omitempty"`
	Justification        *string    `avro:"justification" json:"justification,omitempty"`
	Emergency            bool       `avro:"emergency" json:"emergency"`
	IdentityVerified     *bool      `avro:"identity_verified" json:"identity_verified,omitempty"`
	ReviewDue            *time.Time `avro:"review_due" json:"review_due,omitempty"`
	AccessExpires        *time.Time `avro:"access_expires" json:"access_expires,omitempty"`
	RequestType          *string    `avro:"request_type" json:"request_type,omitempty"`
	ApprovedAt           *time.Time `avro:"approved_at" json:"approved_at,omitempty"`
}

// Ocsf is the OCSF 1.8.0 class and activity of an event.
type Ocsf struct {
	ClassUID   int32 `avro:"class_uid" json:"class_uid"`
	ActivityID int32 `avro:"activity_id" json:"activity_id"`
}

// IdentityEvent is one normalized identity operation: the value of tollgate.events.
type IdentityEvent struct {
	EventID         string            `avro:"event_id" json:"event_id"`
	Source          Source            `avro:"source" json:"source"`
	SourceEventType string            `avro:"source_event_type" json:"source_event_type"`
	Category        Category          `avro:"category" json:"category"`
	Action          Action            `avro:"action" json:"action"`
	OccurredAt      time.Time         `avro:"occurred_at" json:"occurred_at"`
	IngestedAt      time.Time         `avro:"ingested_at" json:"ingested_at"`
	Outcome         Outcome           `avro:"outcome" json:"outcome"`
	Actor           *Principal        `avro:"actor" json:"actor,omitempty"`
	Subject         *Principal        `avro:"subject" json:"subject,omitempty"`
	Entitlement     *Entitlement      `avro:"entitlement" json:"entitlement,omitempty"`
	Credential      *Credential       `avro:"credential" json:"credential,omitempty"`
	Ticket          *Ticket           `avro:"ticket" json:"ticket,omitempty"`
	TicketRefs      []string          `avro:"ticket_refs" json:"ticket_refs"`
	Ocsf            Ocsf              `avro:"ocsf" json:"ocsf"`
	Attributes      map[string]string `avro:"attributes" json:"attributes"`
	Raw             []byte            `avro:"raw" json:"raw,omitempty"`
}

// Principal is whose event this is: the identity whose ledgers it belongs to, and so its
// Kafka key, which keeps one identity's events in order on one partition and lets the
// replica owning the partition own that identity's state. For a ticket it is the person the
// ticket is for (requested_for, else the requester, else the ticket itself as
// "ticket:<id>"); for any other event the subject, else the credential as
// "credential:<id>" (a key issued to nobody named), else the actor, else the event id.
func (e *IdentityEvent) Principal() string {
	if e.Category == CategoryTicket && e.Ticket != nil {
		t := e.Ticket
		switch {
		case t.RequestedFor != nil && t.RequestedFor.ID != "":
			return t.RequestedFor.ID
		case t.Requester != nil && t.Requester.ID != "":
			return t.Requester.ID
		default:
			return "ticket:" + t.ID
		}
	}
	switch {
	case e.Subject != nil && e.Subject.ID != "":
		return e.Subject.ID
	case e.Credential != nil && e.Credential.ID != "":
		return "credential:" + e.Credential.ID
	case e.Actor != nil && e.Actor.ID != "":
		return e.Actor.ID
	default:
		return e.EventID
	}
}

// Key is the Kafka record key of the event: its Principal.
func (e *IdentityEvent) Key() string { return e.Principal() }

// Decision is the router's verdict on one event.
type Decision struct {
	Lane             Lane      `avro:"lane" json:"lane"`
	Impact           Impact    `avro:"impact" json:"impact"`
	RuleID           string    `avro:"rule_id" json:"rule_id"`
	Reasons          []string  `avro:"reasons" json:"reasons"`
	RequiredControls []Control `avro:"required_controls" json:"required_controls"`
	PolicyVersion    string    `avro:"policy_version" json:"policy_version"`
	DecidedAt        time.Time `avro:"decided_at" json:"decided_at"`
}

// RoutedEvent is an IdentityEvent with its decision: the value of the lane topics.
type RoutedEvent struct {
	Event    IdentityEvent `avro:"event" json:"event"`
	Decision Decision      `avro:"decision" json:"decision"`
}

// Finding is a governance problem the auditor found: the value of tollgate.findings.
type Finding struct {
	FindingID   string        `avro:"finding_id" json:"finding_id"`
	Kind        string        `avro:"kind" json:"kind"`
	Severity    Severity      `avro:"severity" json:"severity"`
	Status      FindingStatus `avro:"status" json:"status"`
	Principal   string        `avro:"principal" json:"principal"`
	Entitlement *string       `avro:"entitlement" json:"entitlement,omitempty"`
	TicketID    *string       `avro:"ticket_id" json:"ticket_id,omitempty"`
	EventIDs    []string      `avro:"event_ids" json:"event_ids"`
	Summary     string        `avro:"summary" json:"summary"`
	DetectedAt  time.Time     `avro:"detected_at" json:"detected_at"`
	ResolvedAt  *time.Time    `avro:"resolved_at" json:"resolved_at,omitempty"`
	Controls    []string      `avro:"controls" json:"controls"`
}
