package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// breakglassNotRevoked: break-glass access still active past the break-glass window.
func breakglassNotRevoked(g *grant, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if g.Lane != string(schemas.LaneBreakGlass) || !g.active() || now.Sub(g.GrantedAt) <= cfg.BreakGlassWindow {
		return schemas.Finding{}, false
	}
	return newFinding(KindBreakglassNotRevoked, g.Principal, g.label(), g.TicketID, g.nhi(), []string{g.GrantEvent},
		fmt.Sprintf("break-glass access %s of %s granted %s is still active after %s", g.label(), g.Principal, ts(g.GrantedAt), cfg.BreakGlassWindow)), true
}
