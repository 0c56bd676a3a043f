package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// reviewOverdue: an active grant past its review date.
func reviewOverdue(g *grant, now time.Time, _ *Config) (schemas.Finding, bool) {
	if !g.active() || g.ReviewDue == nil || !now.After(*g.ReviewDue) {
		return schemas.Finding{}, false
	}
	return newFinding(KindReviewOverdue, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent, g.ReviewEvent},
		fmt.Sprintf("grant %s of %s was due for review at %s", g.label(), g.Principal, ts(*g.ReviewDue)), ts(*g.ReviewDue)), true
}
