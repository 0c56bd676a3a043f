package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// breakglassUseNoReview: a use of emergency access — a sign-in, read, impersonation or
// other action the policy put in the BREAK_GLASS lane (root, a configured break-glass
// account, support impersonation) — with no post-event review once
// breakglass_review_window has passed. The same evidence reviews it as a break-glass
// grant: an ACCESS_REVIEWED event for the principal naming no entitlement, or a closed
// access-review ticket for the principal, by someone other than the holder.
func breakglassUseNoReview(g *grant, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if g.Origin != originUse {
		return schemas.Finding{}, false
	}
	if reviewed := g.LastReviewedAt != nil && !g.LastReviewedAt.Before(g.GrantedAt); reviewed || now.Sub(g.GrantedAt) <= cfg.BreakGlassReviewWindow {
		return schemas.Finding{}, false
	}
	return newFinding(KindBreakglassUseNoReview, g.Principal, g.label(), "", g.nhi(), []string{g.GrantEvent},
		fmt.Sprintf("%s of %s at %s has no post-event review after %s", g.EntName, g.Principal, ts(g.GrantedAt), cfg.BreakGlassReviewWindow)), true
}
