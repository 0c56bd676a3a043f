package auditor

import (
	"fmt"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// recoveryWithoutProofing: someone else reset the principal's MFA or password or unlocked
// it, and no incident carries an identity-proofing record for it.
func recoveryWithoutProofing(c *eventContext) (schemas.Finding, bool) {
	f := c.f
	if !f.success() || (f.Action != schemas.ActionMFAReset && f.Action != schemas.ActionPasswordReset && f.Action != schemas.ActionAccountUnlock) ||
		f.ActorID == "" || strings.EqualFold(f.ActorID, f.SubjectID) || c.ps.proofed(f, c.cfg) {
		return schemas.Finding{}, false
	}
	return newFinding(KindRecoveryWithoutProofing, c.ps.ID, "", "", c.nhi, []string{f.EventID},
		fmt.Sprintf("%s of %s by %s at %s has no incident with an identity-proofing record", f.Action, c.ps.ID, f.ActorID, ts(f.OccurredAt))), true
}
