package auditor

import (
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// unticketedAccessChange: an access change with no approved service request or change
// behind it and no break-fix incident linked to it, outside break-glass. DESIGN §1: a change
// of who can access what is governed and needs a ticket.
func unticketedAccessChange(c *eventContext) (schemas.Finding, bool) {
	f := c.f
	if !f.change() || c.governed != nil || c.incident != nil || c.breakGlass {
		return schemas.Finding{}, false
	}
	return newFinding(KindUnticketedAccessChange, c.ps.ID, f.label(), "", c.nhi, []string{f.EventID},
		fmt.Sprintf("%s of %s to %s at %s has no approved service request or change", f.Action, f.label(), c.ps.ID, ts(f.OccurredAt))), true
}
