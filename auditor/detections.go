package auditor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Finding kinds, as in DESIGN.md §5.
const (
	KindUnticketedAccessChange  = "UNTICKETED_ACCESS_CHANGE"
	KindHelpdeskPathAccess      = "HELPDESK_PATH_ACCESS_CHANGE"
	KindSelfApproved            = "SELF_APPROVED"
	KindMissingLifecycle        = "MISSING_LIFECYCLE"
	KindReviewOverdue           = "REVIEW_OVERDUE"
	KindExpiredNotRevoked       = "EXPIRED_NOT_REVOKED"
	KindOverBroadGrant          = "OVER_BROAD_GRANT"
	KindBreakglassNoReview      = "BREAKGLASS_NO_REVIEW"
	KindBreakglassNotRevoked    = "BREAKGLASS_NOT_REVOKED"
	KindMFAResetThenPrivilege   = "MFA_RESET_THEN_PRIVILEGE"
	KindRecoveryWithoutProofing = "RECOVERY_WITHOUT_PROOFING"
	KindNHILongLivedSecret      = "NHI_LONG_LIVED_SECRET"
	KindNHINoOwner              = "NHI_NO_OWNER"
	KindOrphanedGrant           = "ORPHANED_GRANT"
	KindSoDConflict             = "SOD_CONFLICT"
)

const (
	ctlAccess     = "NIST-CSF-2.0:PR.AA-05"
	ctlIdentities = "NIST-CSF-2.0:PR.AA-01"
	ctlMonitor    = "NIST-CSF-2.0:DE.CM-03"
	ctlNHI1       = "OWASP-NHI:NHI1"
	ctlNHI5       = "OWASP-NHI:NHI5"
	ctlNHI7       = "OWASP-NHI:NHI7"
	ctlNHI10      = "OWASP-NHI:NHI10"
)

// kindSpec is the fixed severity and controls of a finding kind.
var kindSpec = map[string]struct {
	severity schemas.Severity
	controls []string
}{
	KindUnticketedAccessChange:  {schemas.SeverityHigh, []string{ctlAccess, ctlMonitor}},
	KindHelpdeskPathAccess:      {schemas.SeverityHigh, []string{ctlAccess}},
	KindSelfApproved:            {schemas.SeverityHigh, []string{ctlAccess}},
	KindMissingLifecycle:        {schemas.SeverityMedium, []string{ctlAccess}},
	KindReviewOverdue:           {schemas.SeverityMedium, []string{ctlAccess}},
	KindExpiredNotRevoked:       {schemas.SeverityHigh, []string{ctlAccess}},
	KindOverBroadGrant:          {schemas.SeverityHigh, []string{ctlAccess}},
	KindBreakglassNoReview:      {schemas.SeverityHigh, []string{ctlAccess, ctlMonitor}},
	KindBreakglassNotRevoked:    {schemas.SeverityCritical, []string{ctlAccess}},
	KindMFAResetThenPrivilege:   {schemas.SeverityCritical, []string{ctlIdentities, ctlMonitor}},
	KindRecoveryWithoutProofing: {schemas.SeverityHigh, []string{ctlIdentities}},
	KindNHILongLivedSecret:      {schemas.SeverityMedium, []string{ctlIdentities, ctlNHI7}},
	KindNHINoOwner:              {schemas.SeverityMedium, []string{ctlIdentities, ctlNHI1}},
	KindOrphanedGrant:           {schemas.SeverityHigh, []string{ctlAccess}},
	KindSoDConflict:             {schemas.SeverityHigh, []string{ctlAccess}},
}

// ledgerKinds are the kinds derived from ledger rows and the clock alone;
// Sweep owns them between batches.
var ledgerKinds = []string{KindReviewOverdue, KindExpiredNotRevoked, KindBreakglassNoReview,
	KindBreakglassNotRevoked, KindNHILongLivedSecret, KindNHINoOwner, KindOrphanedGrant}

// findingID is the deterministic id: the same kind, principal, subject and
// proving facts always give the same id.
func findingID(kind, principal, subject string, facts ...string) string {
	h := sha256.New()
	for _, s := range append([]string{kind, principal, subject}, facts...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// newFinding builds an OPEN finding. facts are the event ids that prove it
// plus anything else that identifies the occurrence (a due date).
func newFinding(kind, principal, entitlement, ticketID string, nhi bool, eventIDs []string, summary string, extra ...string) schemas.Finding {
	spec := kindSpec[kind]
	controls := slices.Clone(spec.controls)
	if nhi {
		switch kind {
		case KindOverBroadGrant:
			controls = append(controls, ctlNHI5)
		case KindOrphanedGrant, KindExpiredNotRevoked:
			controls = append(controls, ctlNHI1)
		}
	}
	ids := slices.Clone(eventIDs)
	ids = slices.DeleteFunc(ids, func(s string) bool { return s == "" })
	slices.Sort(ids)
	ids = slices.Compact(ids)
	f := schemas.Finding{
		FindingID: findingID(kind, principal, entitlement+"\x00"+ticketID, append(slices.Clone(ids), extra...)...),
		Kind:      kind, Severity: spec.severity, Status: schemas.FindingOpen, Principal: principal,
		EventIDs: ids, Summary: summary, Controls: controls,
	}
	if entitlement != "" {
		f.Entitlement = &entitlement
	}
	if ticketID != "" {
		f.TicketID = &ticketID
	}
	return f
}

func (g *grant) label() string {
	name := g.EntName
	if name == "" {
		name = g.EntID
	}
	if g.System != "" {
		return g.System + ":" + name
	}
	return name
}

func (f *fact) label() string {
	name := f.EntName
	if name == "" {
		name = f.EntID
	}
	if f.EntSystem != "" {
		return f.EntSystem + ":" + name
	}
	return name
}

// isAdmin reports administrator power: ADMIN privilege, a wildcard, or a
// configured administrator entitlement name.
func isAdmin(name, id string, priv schemas.Privilege, wildcard bool, cfg *Config) bool {
	if priv == schemas.PrivilegeAdmin || wildcard || name == "*" || id == "*" {
		return true
	}
	for _, a := range cfg.AdminEntitlements {
		a = strings.ToLower(a)
		if strings.Contains(strings.ToLower(name), a) || strings.Contains(strings.ToLower(id), a) {
			return true
		}
	}
	return false
}

func isPrivileged(f *fact, cfg *Config) bool {
	if isAdmin(f.EntName, f.EntID, f.EntPriv, f.EntWildcard, cfg) {
		return true
	}
	return slices.ContainsFunc(cfg.PrivilegedEntitlements, func(p string) bool {
		return strings.EqualFold(p, f.EntName) || strings.EqualFold(p, f.EntID)
	})
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// eventFindings are the findings proved by a principal's history and tickets
// (everything but the ledger kinds).
func (ps *principalState) eventFindings(cfg *Config) []schemas.Finding {
	var out []schemas.Finding
	nhi := ps.Type == schemas.PrincipalNHI
	activeGrant := map[string]*grant{} // grant event id → still-active ledger row
	for i := range ps.Grants {
		if g := &ps.Grants[i]; g.active() {
			activeGrant[g.GrantEvent] = g
		}
	}
	var lastReset *fact
	if ps.Base != nil {
		lastReset = ps.Base.LastReset
	}
	for i := range ps.Events {
		f := &ps.Events[i]
		if f.success() && (f.Action == schemas.ActionMFAReset || f.Action == schemas.ActionPasswordReset) {
			lastReset = f
		}
		if f.success() && (f.Action == schemas.ActionMFAReset || f.Action == schemas.ActionPasswordReset || f.Action == schemas.ActionAccountUnlock) &&
			f.ActorID != "" && !strings.EqualFold(f.ActorID, f.SubjectID) && !ps.proofed(f, cfg) {
			out = append(out, newFinding(KindRecoveryWithoutProofing, ps.ID, "", "", nhi, []string{f.EventID},
				fmt.Sprintf("%s of %s by %s at %s has no incident with an identity-proofing record", f.Action, ps.ID, f.ActorID, ts(f.OccurredAt))))
		}
		if !f.accessChange() {
			continue
		}
		bg := f.Lane == schemas.LaneBreakGlass || slices.ContainsFunc(cfg.BreakGlassAccounts, func(a string) bool { return strings.EqualFold(a, ps.ID) })
		gov := ps.Match[f.EventID]
		switch inc := ps.Incident[f.EventID]; {
		case gov != nil:
			var missing []string
			if gov.Approver == "" {
				missing = append(missing, "approver")
			}
			if gov.Justification == "" {
				missing = append(missing, "justification")
			}
			if gov.ReviewDue == nil && gov.AccessExpires == nil {
				missing = append(missing, "review or expiry date")
			}
			if len(missing) > 0 {
				out = append(out, newFinding(KindMissingLifecycle, ps.ID, f.label(), gov.ID, nhi, []string{f.EventID, gov.ApprovalEvent},
					fmt.Sprintf("grant of %s to %s under %s lacks %s", f.label(), ps.ID, gov.ID, strings.Join(missing, ", "))))
			}
		case inc != nil && !bg:
			out = append(out, newFinding(KindHelpdeskPathAccess, ps.ID, f.label(), inc.ID, nhi, []string{f.EventID},
				fmt.Sprintf("access change %s for %s was linked to break-fix incident %s instead of a governed request", f.label(), ps.ID, inc.ID)))
		case !bg:
			out = append(out, newFinding(KindUnticketedAccessChange, ps.ID, f.label(), "", nhi, []string{f.EventID},
				fmt.Sprintf("%s of %s to %s at %s has no approved service request or change", f.Action, f.label(), ps.ID, ts(f.OccurredAt))))
		}
		g := activeGrant[f.EventID]
		if g == nil {
			continue // revoked or re-granted since: the remaining kinds are about held access
		}
		admin := isAdmin(f.EntName, f.EntID, f.EntPriv, f.EntWildcard, cfg)
		nhiWrite := nhi && (f.EntPriv == schemas.PrivilegeAdmin || f.EntPriv == schemas.PrivilegeWrite)
		if (admin && !bg) || nhiWrite {
			why := "administrator or wildcard privilege outside break-glass"
			if nhiWrite {
				why = string(f.EntPriv) + " privilege held by a non-human identity"
			}
			out = append(out, newFinding(KindOverBroadGrant, ps.ID, f.label(), "", nhi, []string{f.EventID},
				fmt.Sprintf("%s holds %s: %s", ps.ID, f.label(), why)))
		}
		if lastReset != nil && isPrivileged(f, cfg) && !f.OccurredAt.Before(lastReset.OccurredAt) && f.OccurredAt.Sub(lastReset.OccurredAt) <= cfg.MFAResetWindow {
			out = append(out, newFinding(KindMFAResetThenPrivilege, ps.ID, f.label(), "", nhi, []string{lastReset.EventID, f.EventID},
				fmt.Sprintf("%s of %s at %s was followed by privileged grant %s at %s", lastReset.Action, ps.ID, ts(lastReset.OccurredAt), f.label(), ts(f.OccurredAt))))
		}
	}
	for i := range ps.Tickets {
		if ps.Base != nil {
			break // tickets are unchanged since the stored findings were reconciled
		}
		t := &ps.Tickets[i]
		if !t.approved() || t.Approver == "" {
			continue
		}
		if !(t.RequestedFor == "" && strings.EqualFold(t.Requester, ps.ID)) && !t.forPrincipal(append([]string{ps.ID}, ps.Emails...)...) {
			continue
		}
		if strings.EqualFold(t.Approver, t.Requester) || strings.EqualFold(t.Approver, t.RequestedFor) || strings.EqualFold(t.Approver, t.RequestedForEmail) {
			out = append(out, newFinding(KindSelfApproved, ps.ID, t.RequestedEntitlement, t.ID, nhi, []string{t.ApprovalEvent},
				fmt.Sprintf("ticket %s was approved by %s, who requested it or benefits from it", t.ID, t.Approver), t.Approver))
		}
	}
	// Separation of duties over the entitlements held now.
	for _, pair := range cfg.SoDPairs {
		a, b := ps.heldGrant(pair[0]), ps.heldGrant(pair[1])
		if a != nil && b != nil {
			out = append(out, newFinding(KindSoDConflict, ps.ID, a.label()+" + "+b.label(), "", nhi, []string{a.GrantEvent, b.GrantEvent},
				fmt.Sprintf("%s holds both %s and %s, which policy lists as conflicting", ps.ID, a.label(), b.label())))
		}
	}
	return out
}

// heldGrant returns the active grant of the named entitlement, if any.
func (ps *principalState) heldGrant(name string) *grant {
	for i := range ps.Grants {
		g := &ps.Grants[i]
		if g.active() && (strings.EqualFold(g.EntName, name) || strings.EqualFold(g.EntID, name)) {
			return g
		}
	}
	return nil
}

// proofed reports whether a recovery event has an identity-proofing record: a
// ticket it references, or one for the same principal inside the ticket
// window, with identity_verified true.
func (ps *principalState) proofed(f *fact, cfg *Config) bool {
	lo, hi := f.OccurredAt.Add(-cfg.TicketWindowBefore), f.OccurredAt.Add(cfg.TicketWindowAfter)
	for i := range ps.Tickets {
		t := &ps.Tickets[i]
		if t.IdentityVerified == nil || !*t.IdentityVerified {
			continue
		}
		if slices.ContainsFunc(f.TicketRefs, func(r string) bool { return strings.EqualFold(r, t.ID) }) {
			return true
		}
		if t.forPrincipal(f.SubjectID, f.SubjectMail) && !t.OpenedAt.After(hi) && !t.UpdatedAt.Before(lo) {
			return true
		}
	}
	return false
}

// ledgerFindings are the findings that follow from ledger rows and the clock.
//
// Break-glass review evidence: a grant in the BREAK_GLASS lane (or to a
// configured break-glass account) counts as reviewed when a successful
// ACCESS_REVIEWED event for the principal (naming that entitlement or none)
// or an approved or closed ACCESS_REVIEW ticket for the principal (requesting
// that entitlement or none) is recorded at or after the grant; that is the
// grant's last_reviewed_at. A review that arrives late still resolves the
// finding.
func ledgerFindings(grants []grant, creds []credential, now time.Time, cfg *Config) []schemas.Finding {
	var out []schemas.Finding
	for i := range grants {
		g := &grants[i]
		nhi := g.PrincipalType == string(schemas.PrincipalNHI)
		if g.Lane == string(schemas.LaneBreakGlass) {
			reviewed := g.LastReviewedAt != nil && !g.LastReviewedAt.Before(g.GrantedAt)
			if !reviewed && now.Sub(g.GrantedAt) > cfg.BreakGlassReviewWindow {
				out = append(out, newFinding(KindBreakglassNoReview, g.Principal, g.label(), g.TicketID, nhi, []string{g.GrantEvent},
					fmt.Sprintf("break-glass access %s of %s granted %s has no post-event review after %s", g.label(), g.Principal, ts(g.GrantedAt), cfg.BreakGlassReviewWindow)))
			}
			if g.active() && now.Sub(g.GrantedAt) > cfg.BreakGlassWindow {
				out = append(out, newFinding(KindBreakglassNotRevoked, g.Principal, g.label(), g.TicketID, nhi, []string{g.GrantEvent},
					fmt.Sprintf("break-glass access %s of %s granted %s is still active after %s", g.label(), g.Principal, ts(g.GrantedAt), cfg.BreakGlassWindow)))
			}
		}
		if !g.active() {
			continue
		}
		if g.ReviewDue != nil && now.After(*g.ReviewDue) {
			out = append(out, newFinding(KindReviewOverdue, g.Principal, g.label(), g.TicketID, nhi, []string{g.GrantEvent, g.ReviewEvent},
				fmt.Sprintf("grant %s of %s was due for review at %s", g.label(), g.Principal, ts(*g.ReviewDue)), ts(*g.ReviewDue)))
		}
		if g.ExpiresAt != nil && now.After(*g.ExpiresAt) {
			out = append(out, newFinding(KindExpiredNotRevoked, g.Principal, g.label(), g.TicketID, nhi, []string{g.GrantEvent},
				fmt.Sprintf("grant %s of %s expired at %s and is still active", g.label(), g.Principal, ts(*g.ExpiresAt)), ts(*g.ExpiresAt)))
		}
		if g.DisabledAt != nil {
			out = append(out, newFinding(KindOrphanedGrant, g.Principal, g.label(), "", nhi, []string{g.GrantEvent, g.DisableEvent},
				fmt.Sprintf("%s was disabled or deleted at %s but still holds %s", g.Principal, ts(*g.DisabledAt), g.label())))
		}
	}
	for i := range creds {
		c := &creds[i]
		if c.DeletedAt != nil {
			continue
		}
		if c.CreateEvent != "" && c.Owner == "" {
			out = append(out, newFinding(KindNHINoOwner, c.Principal, "credential:"+c.ID, "", true, []string{c.CreateEvent},
				fmt.Sprintf("credential %s of %s was created with no recorded owner", c.ID, c.Principal)))
		}
		if since, ev := c.secretSince(); !since.IsZero() && now.Sub(since) > cfg.NHIRotationAge {
			out = append(out, newFinding(KindNHILongLivedSecret, c.Principal, "credential:"+c.ID, "", true, []string{ev},
				fmt.Sprintf("secret of credential %s of %s is %d days old (rotation age %s)", c.ID, c.Principal, int(now.Sub(since).Hours()/24), cfg.NHIRotationAge)))
		}
	}
	return out
}
