package auditor

import (
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// mfaResetThenPrivilege: a privileged grant, still held, within the MFA-reset window after
// the principal's MFA or password was reset: the account-takeover pattern.
func mfaResetThenPrivilege(c *eventContext) (schemas.Finding, bool) {
	f, r := c.f, c.lastReset
	if !f.change() || c.held == nil || r == nil || !isPrivileged(f, c.cfg) ||
		f.OccurredAt.Before(r.OccurredAt) || f.OccurredAt.Sub(r.OccurredAt) > c.cfg.MFAResetWindow {
		return schemas.Finding{}, false
	}
	summary := fmt.Sprintf("%s of %s at %s was followed by privileged grant %s at %s", r.Action, c.ps.ID, ts(r.OccurredAt), f.label(), ts(f.OccurredAt))
	if p := c.ps.peerOf(r.Principal); p != nil && r.Principal != c.ps.ID {
		summary = fmt.Sprintf("%s of %s at %s was followed by privileged grant %s to %s at %s: %s",
			r.Action, r.Principal, ts(r.OccurredAt), f.label(), c.ps.ID, ts(f.OccurredAt), p.Why)
	}
	return newFinding(KindMFAResetThenPrivilege, c.ps.ID, f.label(), "", c.nhi, []string{r.EventID, f.EventID}, summary), true
}
