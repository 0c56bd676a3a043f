package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// orphanedGrant: an active grant of a principal that was disabled or deleted.
func orphanedGrant(g *grant, _ time.Time, _ *Config) (schemas.Finding, bool) {
	if !g.active() || g.DisabledAt == nil {
		return schemas.Finding{}, false
	}
	return newFinding(KindOrphanedGrant, g.Principal, g.label(), "", g.nhi(), []string{g.GrantEvent, g.DisableEvent},
		fmt.Sprintf("%s was disabled or deleted at %s but still holds %s", g.Principal, ts(*g.DisabledAt), g.label())), true
}
