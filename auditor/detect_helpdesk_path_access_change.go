package auditor

import (
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// helpdeskPathAccessChange: an access change linked to a break-fix incident instead of a
// governed request, outside break-glass: privilege granted through the help desk queue.
func helpdeskPathAccessChange(c *eventContext) (schemas.Finding, bool) {
	f := c.f
	if !f.change() || c.governed != nil || c.incident == nil || c.breakGlass {
		return schemas.Finding{}, false
	}
	return newFinding(KindHelpdeskPathAccess, c.ps.ID, f.label(), c.incident.ID, c.nhi, []string{f.EventID},
		fmt.Sprintf("access change %s for %s was linked to break-fix incident %s instead of a governed request", f.label(), c.ps.ID, c.incident.ID)), true
}
