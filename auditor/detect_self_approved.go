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
		if !(t.RequestedFor == "" && strings.EqualFold(t.Requester, ps.ID)) && !t.forPrincipal(ps.who()...) {
			continue
		}
		if strings.EqualFold(t.Approver, t.Requester) || strings.EqualFold(t.Approver, t.RequestedFor) || strings.EqualFold(t.Approver, t.RequestedForEmail) {
			out = append(out, newFinding(KindSelfApproved, ps.ID, t.RequestedEntitlement, t.ID, nhi, []string{t.ApprovalEvent},
				fmt.Sprintf("ticket %s was approved by %s, who requested it or benefits from it", t.ID, t.Approver), t.Approver))
		} else if p := ps.peerOf(t.Approver); (p != nil || strings.EqualFold(t.Approver, ps.ID)) && ps.governs(t) {
			// The approver is another account of the beneficiary's identity: raised on the
			// account the ticket gave access to.
			why := "the beneficiary's own account"
			if p != nil {
				why = p.Why
			}
			out = append(out, newFinding(KindSelfApproved, ps.ID, t.RequestedEntitlement, t.ID, nhi, []string{t.ApprovalEvent},
				fmt.Sprintf("ticket %s was approved by %s, the beneficiary itself: %s", t.ID, t.Approver, why), t.Approver))
		}
	}
	return out
}

// governs reports whether t is the approved ticket of one of the principal's access changes.
func (ps *principalState) governs(t *ticket) bool {
	for _, m := range ps.Match {
		if m != nil && m.ID == t.ID {
			return true
		}
	}
	return false
}
