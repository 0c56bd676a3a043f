package gen

import (
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/ingest"
)

// plant builds one violation scenario on a fresh identity, choosing the
// least-planted kind that the enabled sources and the anchor's time allow.
// It reports false when none fits here (the caller builds clean traffic).
func (g *Generator) plant() bool {
	best := ""
	for _, k := range AllKinds {
		if !g.plantable(k) {
			continue
		}
		if best == "" || g.planted[k] < g.planted[best] {
			best = k
		}
	}
	if best == "" {
		return false
	}
	g.planted[best]++
	g.plantKind(best)
	return true
}

func (g *Generator) has(srcs ...string) bool {
	for _, s := range srcs {
		if !g.src[s] {
			return false
		}
	}
	return true
}

// plantable reports whether kind k can be planted at g.cur so that it holds,
// alone, at Now.
func (g *Generator) plantable(k string) bool {
	age := g.now.Sub(g.cur)
	if k == auditor.KindNHILongLivedSecret {
		return age > 95*day && g.planted[k] < g.nhiLongTo && (g.has(ingest.SourceCloudTrail) || g.has(ingest.SourceOkta))
	}
	if k == auditor.KindNHIUnusedCredential {
		// A key last used more than nhi_unused_age before Now, which is old enough to be a
		// long-lived secret too: both are planted.
		return age > max(95*day, g.unusedAge()+3*day) && g.planted[k] < g.nhiLongTo && g.has(ingest.SourceCloudTrail)
	}
	if age < 3*day || age > recentAge-day {
		return false
	}
	switch k {
	case auditor.KindUnticketedAccessChange:
		return len(g.enabledIAM()) > 0
	case auditor.KindHelpdeskPathAccess:
		return g.has(ingest.SourceServiceNow) && (g.has(ingest.SourceEntra) || g.has(ingest.SourceOkta))
	case auditor.KindSelfApproved, auditor.KindReviewOverdue, auditor.KindExpiredNotRevoked:
		return g.has(ingest.SourceServiceNow) && len(g.enabledIAM()) > 0
	case auditor.KindMissingLifecycle:
		return len(g.enabledIAM()) > 0 && (g.has(ingest.SourceServiceNow) || g.has(ingest.SourceJiraSM, ingest.SourceOkta))
	case auditor.KindSoDConflict:
		return len(g.opts.Detections.SoDPairs) > 0 && g.has(ingest.SourceServiceNow, ingest.SourceOkta)
	case auditor.KindOverBroadGrant, auditor.KindMFAResetThenPrivilege, auditor.KindOrphanedGrant:
		return g.has(ingest.SourceServiceNow, ingest.SourceOkta)
	case auditor.KindBreakglassNoReview:
		return g.has(ingest.SourceEntra)
	case auditor.KindBreakglassNotRevoked:
		return g.has(ingest.SourceEntra, ingest.SourceJiraSM)
	case auditor.KindRecoveryWithoutProofing, auditor.KindNHINoOwner:
		return g.has(ingest.SourceOkta)
	case auditor.KindSelfReviewed:
		return g.has(ingest.SourceServiceNow, ingest.SourceOkta)
	case auditor.KindReviewNotEnforced:
		return g.has(ingest.SourceServiceNow, ingest.SourceOkta) && age > 10*day
	case auditor.KindBreakglassUseNoReview, auditor.KindBreakglassNotRotated, auditor.KindNHIInteractiveSignIn:
		return g.has(ingest.SourceCloudTrail)
	}
	return false
}

func (g *Generator) record(e Entry) { g.manifest.Entries = append(g.manifest.Entries, e) }

func (g *Generator) plantKind(k string) {
	p, admin, approver, agent := g.newIdentity(), pick(g, g.admins), pick(g, g.approvers), pick(g, g.agents)
	at := g.cur
	okta := ingest.SourceOkta
	// governedGrant is a correctly ticketed grant of name to p through src.
	governedGrant := func(src, name string, at time.Time, spec requestSpec) (Payload, *snTicket, string) {
		spec.src, spec.name, spec.subject, spec.approver = src, name, p, approver
		if spec.requester == (person{}) {
			spec.requester = p
		}
		t, approved, approval := g.request(at, spec)
		gp := g.grant(src, approved.Add(g.jitter(5*time.Minute, 50*time.Minute)), admin, p, name, t.Number)
		g.emit(gp)
		return gp, t, approval
	}
	switch k {
	case auditor.KindUnticketedAccessChange:
		src := pick(g, g.enabledIAM())
		name := pick(g, catalog[src])
		gp := g.grant(src, at, admin, p, name, "")
		g.emit(gp)
		g.record(Entry{Kind: k, Principal: subjectID(src, p), Entitlement: label(src, name), EventIDs: []string{gp.EventID}})

	case auditor.KindHelpdeskPathAccess:
		src := ingest.SourceEntra
		if !g.src[src] {
			src = okta
		}
		name := pick(g, catalog[src])
		inc := g.incident(at, p, agent, "access", "Cannot open "+name, true)
		gp := g.grant(src, at.Add(g.jitter(10*time.Minute, time.Hour)), agent, p, name, inc.Number)
		g.emit(gp)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(src, name), Ticket: inc.Number, EventIDs: []string{gp.EventID}})

	case auditor.KindSelfApproved:
		src := pick(g, g.enabledIAM())
		name := pick(g, catalog[src])
		spec := requestSpec{src: src, name: name, subject: p, requester: p, approver: p}
		t, approved, approval := g.request(at, spec)
		g.emit(g.grant(src, approved.Add(g.jitter(5*time.Minute, 50*time.Minute)), admin, p, name, t.Number))
		g.record(Entry{Kind: k, Principal: subjectID(src, p), Entitlement: name, Ticket: t.Number, EventIDs: []string{approval}})

	case auditor.KindMissingLifecycle:
		if g.has(ingest.SourceJiraSM, okta) && (g.planted[k]%2 == 1 || !g.src[ingest.SourceServiceNow]) {
			// Jira records no approver and no review date.
			name := pick(g, catalog[okta])
			is := g.newJira("Access Request", "Request access", "Access to "+name, "Need "+name+" for my new project", p)
			g.emit(g.jiraEvent(is, at, p, "", "", ""))
			ap := g.jiraEvent(is, at.Add(g.jitter(30*time.Minute, 3*time.Hour)), approver, "Waiting for approval", "Approved", "indeterminate")
			g.emit(ap)
			gp := g.grant(okta, ap.Time.Add(g.jitter(5*time.Minute, 50*time.Minute)), admin, p, name, is.Key)
			g.emit(gp)
			g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, name), Ticket: is.Key, EventIDs: []string{gp.EventID, ap.EventID}})
			return
		}
		src := pick(g, g.enabledIAM())
		name := pick(g, catalog[src])
		gp, t, approval := governedGrant(src, name, at, requestSpec{noJustification: true})
		g.record(Entry{Kind: k, Principal: subjectID(src, p), Entitlement: label(src, name), Ticket: t.Number, EventIDs: []string{gp.EventID, approval}})

	case auditor.KindReviewOverdue:
		src := pick(g, g.enabledIAM())
		name := pick(g, catalog[src])
		gp, t, _ := governedGrant(src, name, at, requestSpec{reviewDue: at.Add(2 * day)})
		g.record(Entry{Kind: k, Principal: subjectID(src, p), Entitlement: label(src, name), Ticket: t.Number, EventIDs: []string{gp.EventID}})

	case auditor.KindExpiredNotRevoked:
		src := pick(g, g.enabledIAM())
		name := pick(g, catalog[src])
		gp, t, _ := governedGrant(src, name, at, requestSpec{expiresAt: at.Add(2 * day)})
		g.record(Entry{Kind: k, Principal: subjectID(src, p), Entitlement: label(src, name), Ticket: t.Number, EventIDs: []string{gp.EventID}})

	case auditor.KindOverBroadGrant:
		role := "Organization administrator"
		t, approved, _ := g.request(at, requestSpec{src: okta, name: role, subject: p, requester: p, approver: approver})
		gp := g.okta(approved.Add(g.jitter(5*time.Minute, 50*time.Minute)), "user.account.privilege.grant", "Grant user privilege",
			oktaUser(admin), []obj{oktaUser(p)}, obj{"privilegeGranted": role})
		g.emit(gp)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, role), EventIDs: []string{gp.EventID}})
		_ = t

	case auditor.KindBreakglassNoReview:
		ep := g.elevation(at, p)
		g.emit(ep)
		g.emit(g.elevationEnd(at.Add(g.jitter(time.Hour, 5*time.Hour)), p, p))
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: "entra:User Access Administrator", EventIDs: []string{ep.EventID}})

	case auditor.KindBreakglassNotRevoked:
		ep := g.elevation(at, p)
		g.emit(ep)
		g.accessReview(at.Add(g.jitter(time.Hour, 6*time.Hour)), p, approver)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: "entra:User Access Administrator", EventIDs: []string{ep.EventID}})

	case auditor.KindMFAResetThenPrivilege:
		// Without configured privileged entitlements only administrator power is
		// privileged, and an administrator grant is over-broad as well.
		name, overBroad := adminGroup, true
		if priv := g.opts.Detections.PrivilegedEntitlements; len(priv) > 0 {
			name, overBroad = priv[g.planted[k]%len(priv)], false
		}
		t, approved, _ := g.request(at, requestSpec{src: okta, name: name, subject: p, requester: p, approver: approver})
		inc := g.incident(approved.Add(10*time.Minute), p, agent, "mfa", "Lost authenticator phone", true)
		reset := g.okta(approved.Add(g.jitter(20*time.Minute, time.Hour)), "user.mfa.factor.reset_all", "Reset all factors for user", oktaUser(agent), []obj{oktaUser(p)}, nil)
		g.emit(reset)
		gp := g.grant(okta, reset.Time.Add(g.jitter(time.Hour, 6*time.Hour)), admin, p, name, t.Number)
		g.emit(gp)
		g.closeTicket(inc, reset.Time.Add(30*time.Minute), agent, "6")
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, name), EventIDs: []string{reset.EventID, gp.EventID}})
		if overBroad {
			g.planted[auditor.KindOverBroadGrant]++
			g.record(Entry{Kind: auditor.KindOverBroadGrant, Principal: p.ID(), Entitlement: label(okta, name), EventIDs: []string{gp.EventID}})
		}

	case auditor.KindSelfReviewed:
		// A correctly ticketed grant whose certification the holder decides herself.
		name := pick(g, catalog[okta])
		gp, _, _ := governedGrant(okta, name, at, requestSpec{})
		rv := g.oktaReview(gp.Time.Add(g.jitter(2*day, 3*day)), p, p, name)
		g.emit(rv)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, name), EventIDs: []string{gp.EventID, rv.EventID}})

	case auditor.KindReviewNotEnforced:
		// A certification decides to revoke a grant, and nobody revokes it.
		name := pick(g, catalog[okta])
		gp, _, _ := governedGrant(okta, name, at, requestSpec{})
		rv := g.oktaDecision(gp.Time.Add(g.jitter(time.Hour, day)), approver, p, name, "REVOKE")
		g.emit(rv)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, name), EventIDs: []string{gp.EventID, rv.EventID}})

	case auditor.KindBreakglassUseNoReview, auditor.KindBreakglassNotRotated:
		// The AWS root user signs in to the console: nobody reviews the session and its
		// password is never changed. One use proves both kinds.
		root := obj{"type": "Root", "principalId": awsAcct, "arn": "arn:aws:iam::" + awsAcct + ":root", "accountId": awsAcct}
		login := g.cloudtrail(at, "ConsoleLogin", root, nil, obj{"ConsoleLogin": "Success"})
		g.emit(login)
		other := auditor.KindBreakglassNotRotated
		if k == other {
			other = auditor.KindBreakglassUseNoReview
		}
		g.planted[other]++
		for _, kind := range []string{k, other} {
			g.record(Entry{Kind: kind, Principal: "arn:aws:iam::" + awsAcct + ":root", Entitlement: "break-glass use (SIGN_IN)", EventIDs: []string{login.EventID}})
		}

	case auditor.KindRecoveryWithoutProofing:
		if g.src[ingest.SourceServiceNow] {
			g.incident(at, p, agent, "password", "Forgotten password (caller not verified)", false)
		}
		rp := g.okta(at.Add(g.jitter(5*time.Minute, 30*time.Minute)), "user.account.reset_password", "Fire password reset email", oktaUser(agent), []obj{oktaUser(p)}, nil)
		g.emit(rp)
		g.record(Entry{Kind: k, Principal: p.ID(), EventIDs: []string{rp.EventID}})

	case auditor.KindNHILongLivedSecret:
		kind := nhiAWS
		if !g.src[ingest.SourceCloudTrail] || (g.planted[k]%2 == 0 && g.src[okta]) {
			kind = nhiOkta
		}
		n := newNHI(g.extra, kind)
		g.extra++
		cp, id := g.issue(n, at, admin, false)
		g.record(Entry{Kind: k, Principal: n.ID(), Entitlement: "credential:" + id, EventIDs: []string{cp.EventID}})

	case auditor.KindNHIUnusedCredential:
		// An IAM user's access key, used once (a call signed with it, CloudTrail's
		// userIdentity.accessKeyId) and never again.
		n := newNHI(g.extra, nhiAWS)
		g.extra++
		cp, id := g.issue(n, at, admin, false)
		use := g.cloudtrail(at.Add(g.jitter(time.Hour, 6*time.Hour)), "GetCallerIdentity", ctKeyUser(n, id), nil, nil)
		g.emit(use)
		g.planted[auditor.KindNHILongLivedSecret]++
		for _, kind := range []string{k, auditor.KindNHILongLivedSecret} {
			g.record(Entry{Kind: kind, Principal: n.ID(), Entitlement: "credential:" + id, EventIDs: []string{cp.EventID}})
		}

	case auditor.KindNHIInteractiveSignIn:
		// Someone signs in to the AWS console as a deployment service user.
		n := newNHI(g.extra, nhiAWS)
		g.extra++
		actor := ctKeyUser(n, "")
		delete(actor, "accessKeyId")
		login := g.cloudtrail(at, "ConsoleLogin", actor, nil, obj{"ConsoleLogin": "Success"})
		g.emit(login)
		g.record(Entry{Kind: k, Principal: n.ID(), Entitlement: "interactive sign-in", EventIDs: []string{login.EventID}})

	case auditor.KindNHINoOwner:
		n := newNHI(g.extra, nhiOkta)
		g.extra++
		appID := "0oa" + hashID(n.Name, 17)
		cp := g.okta(at, "app.oauth2.credentials.lifecycle.create", "Create OAuth client credentials", oktaUser(admin),
			[]obj{{"id": appID, "type": "PublicClientApp", "alternateId": "unknown", "displayName": n.Name}}, nil)
		g.emit(cp)
		g.record(Entry{Kind: k, Principal: "okta:" + appID, Entitlement: "credential:okta:" + cp.EventID, EventIDs: []string{cp.EventID}})

	case auditor.KindOrphanedGrant:
		name := pick(g, catalog[okta])
		gp, _, _ := governedGrant(okta, name, at, requestSpec{})
		dp := g.okta(gp.Time.Add(g.jitter(day, 2*day)), "user.lifecycle.deactivate", "Deactivate Okta user", oktaUser(admin), []obj{oktaUser(p)}, nil)
		g.emit(dp)
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, name), EventIDs: []string{gp.EventID, dp.EventID}})

	case auditor.KindSoDConflict:
		pairs := g.opts.Detections.SoDPairs
		pair := pairs[g.planted[k]%len(pairs)]
		a, _, _ := governedGrant(okta, pair[0], at, requestSpec{})
		b, _, _ := governedGrant(okta, pair[1], at.Add(g.jitter(time.Hour, 3*day)), requestSpec{})
		g.record(Entry{Kind: k, Principal: p.ID(), Entitlement: label(okta, pair[0]) + " + " + label(okta, pair[1]), EventIDs: []string{a.EventID, b.EventID}})
	}
}

// unusedAge is nhi_unused_age of the auditor the run is planted for.
func (g *Generator) unusedAge() time.Duration {
	if g.opts.Detections != nil && g.opts.Detections.NHIUnusedAge > 0 {
		return g.opts.Detections.NHIUnusedAge
	}
	return auditor.DefaultConfig().NHIUnusedAge
}
