package auditor

import (
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// overBroadGrant: access still held that is administrator or wildcard privilege outside
// break-glass, or write or admin privilege held by a non-human identity.
func overBroadGrant(c *eventContext) (schemas.Finding, bool) {
	f := c.f
	if !f.accessChange() || c.held == nil {
		return schemas.Finding{}, false
	}
	admin := isAdmin(f.EntName, f.EntID, f.EntPriv, f.EntWildcard, c.cfg)
	nhiWrite := c.nhi && (f.EntPriv == schemas.PrivilegeAdmin || f.EntPriv == schemas.PrivilegeWrite)
	if !(admin && !c.breakGlass) && !nhiWrite {
		return schemas.Finding{}, false
	}
	why := "administrator or wildcard privilege outside break-glass"
	if nhiWrite {
		why = string(f.EntPriv) + " privilege held by a non-human identity"
	}
	return newFinding(KindOverBroadGrant, c.ps.ID, f.label(), "", c.nhi, []string{f.EventID},
		fmt.Sprintf("%s holds %s: %s", c.ps.ID, f.label(), why)), true
}
