package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// expiredNotRevoked: an active grant past its expiry date.
func expiredNotRevoked(g *grant, now time.Time, _ *Config) (schemas.Finding, bool) {
	if !g.active() || g.ExpiresAt == nil || !now.After(*g.ExpiresAt) {
		return schemas.Finding{}, false
	}
	return newFinding(KindExpiredNotRevoked, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent},
		fmt.Sprintf("grant %s of %s expired at %s and is still active", g.label(), g.Principal, ts(*g.ExpiresAt)), ts(*g.ExpiresAt)), true
}
