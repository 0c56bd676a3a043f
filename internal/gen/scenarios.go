package gen

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

// scenario builds one story at g.cur: a planted violation with probability
// ViolationRate, otherwise clean traffic.
func (g *Generator) scenario() {
	if g.opts.ViolationRate > 0 && g.rng.Float64() < g.opts.ViolationRate && g.plant() {
		return
	}
	r := g.rng.IntN(100)
	switch {
	case r < 35:
		g.signIn()
	case r < 52:
		g.helpDesk()
	case r < 80:
		g.accessRequest()
	case r < 90:
		g.nhiActivity()
	case r < 95:
		g.emergencyChange()
	default:
		g.joinerLeaver()
	}
}

// signIn is context noise: a successful sign-in.
func (g *Generator) signIn() {
	p := pick(g, g.workforce)
	at := g.cur
	var opts []func()
	if g.src[ingest.SourceOkta] {
		opts = append(opts, func() {
			g.emit(g.okta(at, "user.session.start", "User login to Okta", oktaUser(p), nil, obj{"authnRequestId": g.uuid()}))
		})
	}
	if g.src[ingest.SourceCloudTrail] {
		opts = append(opts, func() {
			g.emit(g.cloudtrail(at, "ConsoleLogin", ctIAMUser(p), nil, obj{"ConsoleLogin": "Success"}))
		})
	}
	if g.src[ingest.SourceGoogleWorkspace] {
		opts = append(opts, func() {
			g.emit(g.workspace(at, "login", "login", "login_success", p.Email, []obj{wsParam("login_type", "google_password")}))
		})
	}
	if len(opts) == 0 {
		g.nhiActivity()
		return
	}
	pick(g, opts)()
}

// helpDesk is a break-fix: an incident with identity proofing and the reset
// or unlock it asked for; or a self-service reset with no agent.
func (g *Generator) helpDesk() {
	p, agent := pick(g, g.workforce), pick(g, g.agents)
	at := g.cur
	if !g.src[ingest.SourceServiceNow] || g.rng.IntN(4) == 0 {
		switch {
		case g.src[ingest.SourceEntra]:
			g.emit(g.entra(at, "Reset password (self-service)", "UserManagement", "Update", p, []obj{entraUser(p)}, nil))
		case g.src[ingest.SourceOkta]:
			g.emit(g.okta(at, "user.account.unlock_token", "Unlock user account", oktaUser(p), []obj{oktaUser(p)}, nil))
		default:
			g.signIn()
		}
		return
	}
	kinds := []struct{ category, summary, src string }{
		{"password", "Forgotten password", ingest.SourceOkta},
		{"unlock", "Account locked out", ingest.SourceOkta},
		{"mfa", "Lost authenticator phone", ingest.SourceOkta},
		{"password", "Password reset request", ingest.SourceEntra},
		{"password", "Cannot sign in to Gmail", ingest.SourceGoogleWorkspace},
	}
	k := pick(g, kinds)
	if !g.src[k.src] {
		k = kinds[0]
		if !g.src[k.src] {
			g.signIn()
			return
		}
	}
	inc := g.incident(at, p, agent, k.category, k.summary, true)
	fix := at.Add(g.jitter(5*time.Minute, 40*time.Minute))
	switch {
	case k.src == ingest.SourceEntra:
		g.emit(g.entra(fix, "Reset password (by admin)", "UserManagement", "Update", agent, []obj{entraUser(p)}, nil))
	case k.src == ingest.SourceGoogleWorkspace:
		g.emit(g.workspace(fix, "admin", "USER_SETTINGS", "CHANGE_PASSWORD", agent.Email, []obj{wsParam("USER_EMAIL", p.Email)}))
	case k.category == "unlock":
		g.emit(g.okta(fix, "user.account.unlock_by_admin", "Unlock user account", oktaUser(agent), []obj{oktaUser(p)}, nil))
	case k.category == "mfa":
		g.emit(g.okta(fix, "user.mfa.factor.reset_all", "Reset all factors for user", oktaUser(agent), []obj{oktaUser(p)}, nil))
	default:
		g.emit(g.okta(fix, "user.account.reset_password", "Fire password reset email", oktaUser(agent), []obj{oktaUser(p)}, nil))
	}
	g.closeTicket(inc, fix.Add(g.jitter(10*time.Minute, 2*time.Hour)), agent, "6")
}

// accessRequest is the governed path: an approved RITM, the matching grant,
// the ticket closed; later perhaps a review, or revocation.
func (g *Generator) accessRequest() {
	srcs := g.enabledIAM()
	if !g.src[ingest.SourceServiceNow] || len(srcs) == 0 {
		g.signIn()
		return
	}
	src := pick(g, srcs)
	p, admin := pick(g, g.workforce), pick(g, g.admins)
	approver := pick(g, g.approvers)
	requester := p
	if g.rng.IntN(3) == 0 {
		if requester = pick(g, g.approvers); requester == approver {
			requester = p
		}
	}
	name := pick(g, catalog[src])
	spec := requestSpec{src: src, name: name, subject: p, requester: requester, approver: approver}
	// Time-bound access only where the grant cites its ticket: correlation by
	// time window could pin a later grant of the same entitlement to this
	// ticket and its expiry.
	timeBound := g.rng.IntN(5) == 0 && src == ingest.SourceEntra
	if timeBound {
		spec.expiresAt = g.cur.Add(16 * day)
	}
	t, approved, _ := g.request(g.cur, spec)
	granted := approved.Add(g.jitter(5*time.Minute, 50*time.Minute))
	g.emit(g.grant(src, granted, admin, p, name, t.Number))
	g.closeTicket(t, granted.Add(g.jitter(10*time.Minute, 3*time.Hour)), admin, "3")
	switch r := g.rng.IntN(10); {
	case timeBound:
		g.emit(g.revoke(src, granted.Add(g.jitter(9*day, 12*day)), admin, p, name))
	case r < 3:
		g.emit(g.revoke(src, granted.Add(g.jitter(5*day, 40*day)), admin, p, name))
	case r < 6 && src == ingest.SourceOkta:
		at := granted.Add(g.jitter(3*day, 20*day))
		if g.recent(at) {
			g.emit(g.oktaReview(at, approver, p, name))
		}
	}
}

// emergencyChange is break-glass done right: an approved emergency change,
// the elevation, a post-event review and the revocation inside the window.
func (g *Generator) emergencyChange() {
	// Not in the last 12 hours: its revocation would fall after the run, and
	// the auditor correlates a still-open elevation by time window to the
	// lowest-numbered emergency change in the last 14 days, whose expiry and
	// review date have long passed (see the issue note).
	if !g.src[ingest.SourceEntra] || !g.src[ingest.SourceServiceNow] || !g.src[ingest.SourceJiraSM] || g.now.Sub(g.cur) < 12*time.Hour {
		g.helpDesk()
		return
	}
	admin, approver := pick(g, g.admins), pick(g, g.approvers)
	at := g.cur
	chg := g.newSN("change_request", "CHG", at, obj{
		"requested_by": admin.Email, "requested_for": admin.Email, "type": "emergency", "state": "-1", "approval": "requested",
		"category": "Emergency", "short_description": "Emergency: restore access to production subscription",
	}, obj{"requested_entitlement": "User Access Administrator", "justification": "Production outage P1",
		"access_expires": snTime(at.Add(8 * time.Hour)), "review_date": at.Add(2 * day).Format("2006-01-02")})
	g.emit(g.snVersion(chg, at, admin.Email, nil))
	approved := at.Add(g.jitter(5*time.Minute, 20*time.Minute))
	chg.Vars["approver"] = approver.Email
	g.emit(g.snVersion(chg, approved, approver.Email, obj{"approval": "approved", "approval_set": snTime(approved), "state": "-2"}))
	elevated := approved.Add(g.jitter(5*time.Minute, 15*time.Minute))
	g.emit(g.elevation(elevated, admin))
	g.emit(g.elevationEnd(elevated.Add(g.jitter(time.Hour, 4*time.Hour)), admin, admin))
	g.accessReview(elevated.Add(g.jitter(5*time.Hour, 7*time.Hour)), admin, approver)
	g.closeTicket(chg, elevated.Add(8*time.Hour), admin, "3")
}

// joinerLeaver onboards a new hire with a ticketed grant and, a month on,
// offboards them: access revoked first, then the account deactivated.
func (g *Generator) joinerLeaver() {
	if !g.src[ingest.SourceOkta] || !g.src[ingest.SourceServiceNow] {
		g.accessRequest()
		return
	}
	p, admin, approver := g.newIdentity(), pick(g, g.admins), pick(g, g.approvers)
	at := g.cur
	g.emit(g.okta(at, "user.lifecycle.create", "Create Okta user", oktaUser(admin), []obj{oktaUser(p)}, nil))
	name := pick(g, catalog[ingest.SourceOkta])
	t, approved, _ := g.request(at.Add(time.Hour), requestSpec{src: ingest.SourceOkta, name: name, subject: p, requester: approver, approver: pick(g, g.admins)})
	granted := approved.Add(g.jitter(5*time.Minute, 50*time.Minute))
	g.emit(g.grant(ingest.SourceOkta, granted, admin, p, name, t.Number))
	g.closeTicket(t, granted.Add(time.Hour), admin, "3")
	leave := granted.Add(g.jitter(20*day, 40*day))
	if g.emit(g.revoke(ingest.SourceOkta, leave, admin, p, name)) {
		g.emit(g.okta(leave.Add(time.Hour), "user.lifecycle.deactivate", "Deactivate Okta user", oktaUser(admin), []obj{oktaUser(p)}, nil))
	}
}

// nhiActivity issues a service identity its first credential; rotation then
// follows on its own schedule (a new credential, the old one deleted) so no
// secret outlives the rotation age.
func (g *Generator) nhiActivity() {
	n := pick(g, g.nhis)
	if n.Cred != "" || (n.Kind == nhiEntra && !g.recent(g.cur)) || !g.nhiSourceOn(n) {
		g.signInOrSkip()
		return
	}
	g.issue(n, g.cur, pick(g, g.admins), true)
}

func (g *Generator) signInOrSkip() {
	if g.src[ingest.SourceOkta] || g.src[ingest.SourceCloudTrail] || g.src[ingest.SourceGoogleWorkspace] {
		g.signIn()
		return
	}
	// Only ticketing or Entra sources: a self-service reset is the quietest event.
	p := pick(g, g.workforce)
	switch {
	case g.src[ingest.SourceEntra]:
		g.emit(g.entra(g.cur, "Reset password (self-service)", "UserManagement", "Update", p, []obj{entraUser(p)}, nil))
	case g.src[ingest.SourceServiceNow]:
		inc := g.incident(g.cur, p, pick(g, g.agents), "inquiry", "How do I request a new laptop?", false)
		g.closeTicket(inc, g.cur.Add(time.Hour), pick(g, g.agents), "6")
	default:
		is := g.newJira("Service Request", "Get IT help", "Printer on floor 3", "The printer is offline", p)
		g.emit(g.jiraEvent(is, g.cur, p, "", "", ""))
	}
}

func (g *Generator) nhiSourceOn(n *nhi) bool {
	switch n.Kind {
	case nhiAWS:
		return g.src[ingest.SourceCloudTrail]
	case nhiOkta:
		return g.src[ingest.SourceOkta]
	default:
		return g.src[ingest.SourceEntra]
	}
}

// issue creates a new credential for n at `at`, deleting the previous one a
// minute later; with chain it schedules the next rotation.
func (g *Generator) issue(n *nhi, at time.Time, admin person, chain bool) (Payload, string) {
	old := n.Cred
	var p Payload
	var id string
	switch n.Kind {
	case nhiAWS:
		id = "AKIA" + hashID(fmt.Sprintf("%s-%d-%d", n.Name, g.opts.Seed, g.seq), 16)
		p = g.cloudtrail(at, "CreateAccessKey", ctIAMUser(admin), obj{"userName": n.Name},
			obj{"accessKey": obj{"accessKeyId": id, "status": "Active", "userName": n.Name, "createDate": at.Format("Jan 2, 2006 3:04:05 PM")}})
	case nhiOkta:
		tok := "00T" + hashID(fmt.Sprintf("%s-%d-%d", n.Name, g.opts.Seed, g.seq), 17)
		id = "okta:" + tok
		p = g.okta(at, "system.api_token.create", "Create API token", oktaSvcUser(n), []obj{{"id": tok, "type": "Token", "displayName": n.Name + " token"}}, nil)
	default:
		sp := obj{"id": guid(n.Name), "type": "ServicePrincipal", "displayName": n.Name, "modifiedProperties": []obj{
			{"displayName": "KeyDescription", "oldValue": "[]", "newValue": `"[\"client secret\"]"`}}}
		p = g.entra(at, "Add service principal credentials", "ApplicationManagement", "Update", admin, []obj{sp}, nil)
		id = p.EventID
	}
	n.Cred = id
	var then func()
	if chain && n.Kind != nhiEntra {
		then = func() {
			next := at.Add(g.jitter(30*day, 75*day))
			if !next.After(g.now) {
				g.issue(n, next, pick(g, g.admins), true)
			}
		}
	}
	g.emitThen(p, then)
	if old != "" {
		del := at.Add(time.Minute)
		switch n.Kind {
		case nhiAWS:
			g.emit(g.cloudtrail(del, "DeleteAccessKey", ctIAMUser(admin), obj{"userName": n.Name, "accessKeyId": old}, nil))
		case nhiOkta:
			g.emit(g.okta(del, "system.api_token.revoke", "Revoke API token", oktaSvcUser(n), []obj{{"id": old[len("okta:"):], "type": "Token", "displayName": n.Name + " token"}}, nil))
		}
	}
	return p, id
}
