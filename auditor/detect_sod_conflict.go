package auditor

import (
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// sodConflict: the principal holds both entitlements of a pair the configuration lists as
// conflicting (separation of duties).
func sodConflict(ps *principalState, cfg *Config, nhi bool) []schemas.Finding {
	var out []schemas.Finding
	for _, pair := range cfg.SoDPairs {
		a, b := ps.heldGrant(pair[0]), ps.heldGrant(pair[1])
		if a != nil && b != nil {
			out = append(out, newFinding(KindSoDConflict, ps.ID, a.label()+" + "+b.label(), "", nhi, []string{a.GrantEvent, b.GrantEvent},
				fmt.Sprintf("%s holds both %s and %s, which policy lists as conflicting", ps.ID, a.label(), b.label())))
		}
	}
	return out
}
