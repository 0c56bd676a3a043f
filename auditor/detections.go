package auditor

import (
	"crypto/sha256"
	"encoding/hex"
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
	KindSelfReviewed            = "SELF_REVIEWED"
	KindReviewNotEnforced       = "REVIEW_DECISION_NOT_ENFORCED"
	KindNHIUnusedCredential     = "NHI_UNUSED_CREDENTIAL"
	KindBreakglassUseNoReview   = "BREAKGLASS_USE_NO_REVIEW"
	KindBreakglassNotRotated    = "BREAKGLASS_CREDENTIAL_NOT_ROTATED"
	KindNHIInteractiveSignIn    = "NHI_INTERACTIVE_SIGN_IN"
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
	KindSelfReviewed:            {schemas.SeverityHigh, []string{ctlAccess}},
	KindReviewNotEnforced:       {schemas.SeverityHigh, []string{ctlAccess}},
	KindNHIUnusedCredential:     {schemas.SeverityMedium, []string{ctlIdentities, ctlNHI1}},
	KindBreakglassUseNoReview:   {schemas.SeverityHigh, []string{ctlAccess, ctlMonitor}},
	KindBreakglassNotRotated:    {schemas.SeverityHigh, []string{ctlIdentities}},
	KindNHIInteractiveSignIn:    {schemas.SeverityHigh, []string{ctlIdentities, ctlMonitor, ctlNHI10}},
}

// kindAdvice is what a finding of each kind means and what to do about it, for the CLI and
// the console (docs/soc.md has the long form).
var kindAdvice = map[string]string{
	KindUnticketedAccessChange:  "Access changed with no approved request behind it. Find or file the request and have it approved, or revoke the access.",
	KindHelpdeskPathAccess:      "Access was granted through a break-fix incident. Revoke it, or move it onto a governed request with an approver and a review date.",
	KindSelfApproved:            "The approver requested or benefits from the ticket. Have someone independent re-approve it, or revoke what it granted.",
	KindMissingLifecycle:        "The request behind this grant lacks an approver, a justification or a review/expiry date. Complete the ticket.",
	KindReviewOverdue:           "The grant's review date has passed. Have its owner review it (keep, change or revoke) and record the decision.",
	KindExpiredNotRevoked:       "The grant expired but is still active. Revoke it, or extend it through a new approved request.",
	KindOverBroadGrant:          "Administrator, wildcard or public access, or write access held by a non-human identity. Reduce it to what is needed.",
	KindBreakglassNoReview:      "Emergency access has no post-event review. Review what was done with it and record the review.",
	KindBreakglassNotRevoked:    "Emergency access is still active past its window. Revoke it and rotate the emergency credentials.",
	KindMFAResetThenPrivilege:   "A privileged grant soon after an MFA or password reset: the account-takeover pattern. Verify the person and the grant now.",
	KindRecoveryWithoutProofing: "Someone reset this identity's MFA or password with no identity-proofing record. Confirm with the person it was them.",
	KindNHILongLivedSecret:      "The credential's secret is older than the rotation age. Rotate it.",
	KindNHINoOwner:              "The credential has no recorded owner. Record an accountable owner, or revoke it.",
	KindOrphanedGrant:           "The identity was disabled or deleted but still holds this access. Revoke it.",
	KindSoDConflict:             "The identity holds two entitlements policy lists as conflicting. Revoke one, or record an approved exception.",
	KindSelfReviewed:            "The grant was reviewed by the person who holds it or asked for it, which is no review. Have someone independent review it.",
	KindReviewNotEnforced:       "A review decided to revoke this grant, and it is still active. Revoke it, or record why the decision was reversed.",
	KindNHIUnusedCredential:     "The credential has not been used for longer than the unused age. Revoke it; whoever still needs it will ask.",
	KindBreakglassUseNoReview:   "An emergency identity was used (a sign-in, a read, an impersonation) and nobody has reviewed what was done. Review the session's actions and record the review.",
	KindBreakglassNotRotated:    "An emergency account was used and its password or keys have not been changed since. Rotate them and put the new secret back in the vault.",
	KindNHIInteractiveSignIn:    "Someone signed in interactively (a console, an IdP session) as a non-human identity: a person holds the service account's password. Find who, rotate its credentials, and give the person an account of their own.",
}

// Kinds returns every finding kind, sorted.
func Kinds() []string {
	out := make([]string, 0, len(kindSpec))
	for k := range kindSpec {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Advice is what a finding of kind means and what to do about it ("" for an unknown kind).
func Advice(kind string) string { return kindAdvice[kind] }

// ledgerKinds are the kinds derived from ledger rows and the clock alone;
// Sweep owns them between batches.
var ledgerKinds = []string{KindReviewOverdue, KindExpiredNotRevoked, KindBreakglassNoReview,
	KindBreakglassNotRevoked, KindNHILongLivedSecret, KindNHINoOwner, KindOrphanedGrant, KindSelfReviewed, KindReviewNotEnforced, KindNHIUnusedCredential,
	KindBreakglassUseNoReview, KindBreakglassNotRotated, KindNHIInteractiveSignIn}

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

// eventContext is what an event rule sees of one IAM event of a principal's history, in
// the order the history happened.
type eventContext struct {
	ps  *principalState
	cfg *Config
	nhi bool // the principal is a non-human identity
	f   *fact
	// lastReset is the latest successful MFA or password reset at or before f.
	lastReset *fact
	// breakGlass: f is in the BREAK_GLASS lane, or the principal is a break-glass account.
	breakGlass bool
	// governed is the approved governed ticket behind f; incident the break-fix incident
	// it was linked to instead.
	governed, incident *ticket
	// held is the ledger row f granted, while it is still active (nil once revoked or
	// granted again since).
	held *grant
}

// The rules of the finding kinds, one file each (detect_<kind>.go). An event rule judges
// one event of a principal's history; a principal rule the principal's tickets and held
// entitlements; a grant or credential rule one ledger row at a clock time. The order of
// each list is the order findings are reported in.
var (
	eventRules = []func(*eventContext) (schemas.Finding, bool){
		recoveryWithoutProofing, missingLifecycle, helpdeskPathAccessChange, unticketedAccessChange,
		overBroadGrant, mfaResetThenPrivilege,
	}
	principalRules = []func(*principalState, *Config, bool) []schemas.Finding{selfApproved, sodConflict}
	grantRules     = []func(*grant, time.Time, *Config) (schemas.Finding, bool){breakglassNoReview, breakglassNotRevoked, reviewOverdue, expiredNotRevoked, orphanedGrant, selfReviewed, reviewDecisionNotEnforced,
		breakglassUseNoReview, breakglassCredentialNotRotated, nhiInteractiveSignIn}
	credentialRules = []func(*credential, time.Time, *Config) (schemas.Finding, bool){nhiNoOwner, nhiLongLivedSecret, nhiUnusedCredential}
)

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
	breakGlassAccount := slices.ContainsFunc(cfg.BreakGlassAccounts, func(a string) bool { return strings.EqualFold(a, ps.ID) })
	for i := range ps.Events {
		f := &ps.Events[i]
		if f.success() && (f.Action == schemas.ActionMFAReset || f.Action == schemas.ActionPasswordReset) {
			lastReset = f
		}
		reset := lastReset
		for j := range ps.Peers {
			// A reset of another account of the same identity counts as the principal's own.
			if r := ps.Peers[j].LastReset; r != nil && !r.OccurredAt.After(f.OccurredAt) && (reset == nil || r.OccurredAt.After(reset.OccurredAt)) {
				reset = r
			}
		}
		c := eventContext{ps: ps, cfg: cfg, nhi: nhi, f: f, lastReset: reset,
			breakGlass: f.Lane == schemas.LaneBreakGlass || breakGlassAccount,
			governed:   ps.Match[f.EventID], incident: ps.Incident[f.EventID], held: activeGrant[f.EventID]}
		for _, rule := range eventRules {
			if fd, ok := rule(&c); ok {
				out = append(out, fd)
			}
		}
	}
	for _, rule := range principalRules {
		out = append(out, rule(ps, cfg, nhi)...)
	}
	if owner := ps.nhiOwner(); nhi && owner != "" {
		// Whom to ask about a non-human identity: the owner its credentials record.
		for i := range out {
			out[i].Summary += "; owner " + owner
		}
	}
	return out
}

// nhiOwner is the owner the principal's live credentials record (the first, in credential
// order), or "".
func (ps *principalState) nhiOwner() string {
	for i := range ps.Creds {
		if c := &ps.Creds[i]; c.DeletedAt == nil && c.Owner != "" {
			return c.Owner
		}
	}
	return ""
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
		if t.forPrincipal(append([]string{f.SubjectID, f.SubjectMail}, ps.Aliases...)...) && !t.OpenedAt.After(hi) && !t.UpdatedAt.Before(lo) {
			return true
		}
	}
	return false
}

// ledgerFindings are the findings that follow from ledger rows and the clock.
func ledgerFindings(grants []grant, creds []credential, now time.Time, cfg *Config) []schemas.Finding {
	var out []schemas.Finding
	for i := range grants {
		for _, rule := range grantRules {
			if fd, ok := rule(&grants[i], now, cfg); ok {
				out = append(out, fd)
			}
		}
	}
	for i := range creds {
		for _, rule := range credentialRules {
			if fd, ok := rule(&creds[i], now, cfg); ok {
				out = append(out, fd)
			}
		}
	}
	return out
}
