package auditor

import (
	"fmt"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// selfApproved: an approved ticket for the principal whose approver requested it or
// benefits from it. Tickets unchanged since the stored findings were reconciled (an
// incremental batch) are not judged again.
func selfApproved(ps *principalState, _ *Config, nhi bool) []schemas.Finding {
	if ps.Base != nil {
		return nil
	}
	var out []schemas.Finding
	for i := range ps.Tickets {
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
	return out
}
