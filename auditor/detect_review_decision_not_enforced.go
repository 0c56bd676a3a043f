package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// reviewDecisionNotEnforced: a review decided to revoke an active grant longer ago than
// review_enforcement_window, and the grant is still active. A revoke decision is not a
// review: the grant's review date does not move.
func reviewDecisionNotEnforced(g *grant, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if !g.active() || g.RevokeDecidedAt == nil || !now.After(g.RevokeDecidedAt.Add(cfg.ReviewEnforcementWindow)) {
		return schemas.Finding{}, false
	}
	return newFinding(KindReviewNotEnforced, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent, g.RevokeDecisionEvent},
		fmt.Sprintf("a review by %s decided at %s to revoke grant %s of %s; it is still active after %s", g.Reviewer, ts(*g.RevokeDecidedAt),
			g.label(), g.Principal, cfg.ReviewEnforcementWindow), ts(*g.RevokeDecidedAt)), true
}
