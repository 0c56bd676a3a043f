package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// selfReviewed: an active grant whose latest review was made by its holder or by whoever
// requested it, with no independent review since. Such a review does not move the review
// date, so REVIEW_OVERDUE still comes when it is due.
func selfReviewed(g *grant, _ time.Time, _ *Config) (schemas.Finding, bool) {
	if !g.active() || g.SelfReviewAt == nil || (g.LastReviewedAt != nil && g.LastReviewedAt.After(*g.SelfReviewAt)) {
		return schemas.Finding{}, false
	}
	return newFinding(KindSelfReviewed, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent, g.SelfReviewEvent},
		fmt.Sprintf("grant %s of %s was reviewed at %s by %s, who holds it or requested it", g.label(), g.Principal, ts(*g.SelfReviewAt), g.SelfReviewer),
		g.SelfReviewer), true
}
