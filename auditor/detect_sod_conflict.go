package auditor

import (
	"fmt"
	"strings"

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
			continue
		}
		// One side held by another account of the same identity: raised on the account
		// whose grant came second, so the person has one finding.
		for _, side := range [][2]string{pair, {pair[1], pair[0]}} {
			own := ps.heldGrant(side[0])
			if own == nil {
				continue
			}
			for i := range ps.Peers {
				p := &ps.Peers[i]
				other := heldIn(p.Grants, side[1])
				if other == nil || other.GrantedAt.After(own.GrantedAt) || other.GrantedAt.Equal(own.GrantedAt) && ps.ID < p.Account {
					continue
				}
				out = append(out, newFinding(KindSoDConflict, ps.ID, own.label()+" + "+other.label(), "", nhi, []string{other.GrantEvent, own.GrantEvent},
					fmt.Sprintf("%s holds %s and %s holds %s, which policy lists as conflicting: %s", ps.ID, own.label(), p.Account, other.label(), p.Why)))
			}
		}
	}
	return out
}

// heldIn returns the active grant of the named entitlement among grants, if any.
func heldIn(grants []grant, name string) *grant {
	for i := range grants {
		g := &grants[i]
		if g.active() && (strings.EqualFold(g.EntName, name) || strings.EqualFold(g.EntID, name)) {
			return g
		}
	}
	return nil
}
