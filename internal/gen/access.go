package gen

import (
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

// Entitlements clean traffic requests: none administrative, privileged or in
// a separation-of-duties pair, so a correctly ticketed grant raises nothing.
var catalog = map[string][]string{
	ingest.SourceOkta:            {"Sales Reports", "Marketing Drive", "Engineering Wiki", "Support Console Users", "Finance Dashboards", "HR Portal", "Design Tools", "Data Warehouse Readers"},
	ingest.SourceEntra:           {"SharePoint Projects", "Teams Sales", "Power BI Viewers", "VPN Users", "Intune Devices"},
	ingest.SourceGoogleWorkspace: {"sales-team@" + domain, "eng-announce@" + domain, "support-shared@" + domain, "finance-read@" + domain},
	ingest.SourceCloudTrail:      {"ReadOnlyAccess", "AmazonS3ReadOnlyAccess", "CloudWatchReadOnlyAccess", "AWSBillingReadOnlyAccess"},
}

// iamSources are the sources that grant access, in a fixed order.
var iamSources = []string{ingest.SourceOkta, ingest.SourceEntra, ingest.SourceGoogleWorkspace, ingest.SourceCloudTrail}

// entSystem is the entitlement.system ingest gives each source's grants.
var entSystem = map[string]string{ingest.SourceOkta: "okta", ingest.SourceEntra: "entra",
	ingest.SourceGoogleWorkspace: "google_workspace", ingest.SourceCloudTrail: "aws"}

// label is how findings name an entitlement: system:name.
func label(src, name string) string { return entSystem[src] + ":" + name }

// subjectID is the canonical id of p as the grant's source names it.
func subjectID(src string, p person) string {
	if src == ingest.SourceCloudTrail {
		return p.ARN()
	}
	return p.ID()
}

func (g *Generator) enabledIAM() []string {
	var out []string
	for _, s := range iamSources {
		if g.src[s] {
			out = append(out, s)
		}
	}
	return out
}

// grant renders the IdP event adding subject to entitlement name. ticket,
// when set, is cited where the source has room for it (Entra's additionalDetails).
func (g *Generator) grant(src string, at time.Time, actor, subject person, name, ticket string) Payload {
	switch src {
	case ingest.SourceOkta:
		return g.okta(at, "group.user_membership.add", "Add user to group membership", oktaUser(actor),
			[]obj{oktaUser(subject), oktaGroup(name)}, nil)
	case ingest.SourceEntra:
		var details []obj
		if ticket != "" {
			details = []obj{{"key": "ticketNumber", "value": ticket}}
		}
		return g.entra(at, "Add member to group", "GroupManagement", "Assign", actor, []obj{entraUser(subject), entraGroup(name)}, details)
	case ingest.SourceGoogleWorkspace:
		return g.workspace(at, "admin", "GROUP_SETTINGS", "ADD_GROUP_MEMBER", actor.Email,
			[]obj{wsParam("USER_EMAIL", subject.Email), wsParam("GROUP_EMAIL", name)})
	default:
		return g.cloudtrail(at, "AttachUserPolicy", ctIAMUser(actor), obj{"userName": subject.Local, "policyArn": policyARN + name}, nil)
	}
}

// revoke renders the IdP event removing subject from entitlement name.
func (g *Generator) revoke(src string, at time.Time, actor, subject person, name string) Payload {
	switch src {
	case ingest.SourceOkta:
		return g.okta(at, "group.user_membership.remove", "Remove user from group membership", oktaUser(actor),
			[]obj{oktaUser(subject), oktaGroup(name)}, nil)
	case ingest.SourceEntra:
		return g.entra(at, "Remove member from group", "GroupManagement", "Unassign", actor, []obj{entraUser(subject), entraGroup(name)}, nil)
	case ingest.SourceGoogleWorkspace:
		return g.workspace(at, "admin", "GROUP_SETTINGS", "REMOVE_GROUP_MEMBER", actor.Email,
			[]obj{wsParam("USER_EMAIL", subject.Email), wsParam("GROUP_EMAIL", name)})
	default:
		return g.cloudtrail(at, "DetachUserPolicy", ctIAMUser(actor), obj{"userName": subject.Local, "policyArn": policyARN + name}, nil)
	}
}

// requestSpec shapes a ServiceNow access request.
type requestSpec struct {
	src, name            string
	subject, requester   person
	approver             person
	noJustification      bool
	reviewDue, expiresAt time.Time // zero: review in 180 days, no expiry
}

// request posts a ServiceNow RITM opened at `at` and approved shortly after;
// it returns the ticket, the approval time and the approval event id.
func (g *Generator) request(at time.Time, r requestSpec) (*snTicket, time.Time, string) {
	vars := obj{"requested_entitlement": r.name, "review_date": at.Add(180 * day).Format("2006-01-02")}
	if !r.reviewDue.IsZero() {
		vars["review_date"] = r.reviewDue.Format("2006-01-02")
	}
	if !r.expiresAt.IsZero() {
		vars["access_expires"] = snTime(r.expiresAt)
	}
	if !r.noJustification {
		vars["justification"] = "Needed for " + pick(g, []string{"quarterly reporting", "project onboarding", "customer escalations", "team move", "audit support"})
	}
	t := g.newSN("sc_req_item", "RITM", at, obj{
		"opened_by": r.requester.Email, "requested_for": subjectID(r.src, r.subject), "state": "1", "approval": "requested",
		"cat_item": "Access Request", "short_description": "Access to " + r.name, "priority": "4",
	}, vars)
	g.emit(g.snVersion(t, at, r.requester.Email, nil))
	approved := at.Add(g.jitter(20*time.Minute, 4*time.Hour))
	t.Vars["approver"] = r.approver.Email
	p := g.snVersion(t, approved, r.approver.Email, obj{"approval": "approved", "approval_set": snTime(approved), "state": "2"})
	g.emit(p)
	return t, approved, p.EventID
}

// closeTicket posts the ticket's closing update.
func (g *Generator) closeTicket(t *snTicket, at time.Time, by person, state string) {
	g.emit(g.snVersion(t, at, by.Email, obj{"state": state}))
}

// incident posts a ServiceNow incident for caller opened by agent.
func (g *Generator) incident(at time.Time, caller, agent person, category, summary string, verified bool) *snTicket {
	t := g.newSN("incident", "INC", at, obj{
		"caller_id": caller.Email, "opened_by": agent.Email, "category": category, "short_description": summary,
		"state": "2", "impact": "3", "caller_verified": map[bool]string{true: "true", false: "false"}[verified],
	}, nil)
	g.emit(g.snVersion(t, at, agent.Email, nil))
	return t
}

// elevation is the Entra break-glass self-elevation of admin.
func (g *Generator) elevation(at time.Time, admin person) Payload {
	return g.entra(at, "User has elevated their access to User Access Administrator for their Azure resources",
		"AzureRBACRoleManagementElevateAccess", "Assign", admin, nil, nil)
}

// elevationEnd removes the elevated role again.
func (g *Generator) elevationEnd(at time.Time, by, admin person) Payload {
	u := entraUser(admin)
	u["modifiedProperties"] = []obj{{"displayName": "Role.DisplayName", "oldValue": `"User Access Administrator"`, "newValue": nil}}
	return g.entra(at, "Remove member from role", "RoleManagement", "Unassign", by, []obj{u}, nil)
}

// accessReview posts a Jira access-review issue for subject, completed by reviewer.
func (g *Generator) accessReview(at time.Time, subject, reviewer person) {
	is := g.newJira("Access Review", "Access review", "Post-event access review for "+subject.Name, "Review of elevated access after the emergency change", subject)
	g.emit(g.jiraEvent(is, at, subject, "", "", ""))
	g.emit(g.jiraEvent(is, at.Add(g.jitter(5*time.Minute, 40*time.Minute)), reviewer, "Waiting for support", "Done", "done"))
}

// oktaReview is an Okta certification decision keeping subject's group.
func (g *Generator) oktaReview(at time.Time, reviewer, subject person, group string) Payload {
	return g.oktaDecision(at, reviewer, subject, group, "APPROVE")
}

// oktaDecision is an Okta certification decision (APPROVE or REVOKE) on subject's group.
func (g *Generator) oktaDecision(at time.Time, reviewer, subject person, group, decision string) Payload {
	return g.okta(at, "certification.campaign.item.decide", "Campaign item decided", oktaUser(reviewer),
		[]obj{oktaUser(subject), oktaGroup(group)}, obj{"decision": decision})
}
