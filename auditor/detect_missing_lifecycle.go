package auditor

import (
	"fmt"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// missingLifecycle: an access change under an approved governed ticket that lacks an
// approver, a justification, or a review or expiry date.
func missingLifecycle(c *eventContext) (schemas.Finding, bool) {
	f, gov := c.f, c.governed
	if !f.change() || gov == nil {
		return schemas.Finding{}, false
	}
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
	if len(missing) == 0 {
		return schemas.Finding{}, false
	}
	return newFinding(KindMissingLifecycle, c.ps.ID, f.label(), gov.ID, c.nhi, []string{f.EventID, gov.ApprovalEvent},
		fmt.Sprintf("grant of %s to %s under %s lacks %s", f.label(), c.ps.ID, gov.ID, strings.Join(missing, ", "))), true
}
