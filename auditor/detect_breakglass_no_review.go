package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// breakglassNoReview: break-glass access with no post-event review once the review window
// has passed.
//
// Review evidence: a grant in the BREAK_GLASS lane (or to a configured break-glass account)
// counts as reviewed when a successful ACCESS_REVIEWED event for the principal (naming that
// entitlement or none) or an approved or closed ACCESS_REVIEW ticket for the principal
// (requesting that entitlement or none), by someone other than the holder, is recorded at
// or after the grant; that is the
// grant's last_reviewed_at. A review that arrives late still resolves the finding.
func breakglassNoReview(g *grant, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if g.Lane != string(schemas.LaneBreakGlass) || g.Origin == originUse {
		return schemas.Finding{}, false
	}
	if reviewed := g.LastReviewedAt != nil && !g.LastReviewedAt.Before(g.GrantedAt); reviewed || now.Sub(g.GrantedAt) <= cfg.BreakGlassReviewWindow {
		return schemas.Finding{}, false
	}
	return newFinding(KindBreakglassNoReview, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent},
		fmt.Sprintf("break-glass access %s of %s granted %s has no post-event review after %s", g.label(), g.Principal, ts(g.GrantedAt), cfg.BreakGlassReviewWindow)), true
}
