package auditor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// breakglassCredentialNotRotated: an emergency account (a configured break-glass account,
// the AWS root user) was used and its password or credentials have not changed within
// breakglass_rotation_window: whoever used the secret still knows it.
func breakglassCredentialNotRotated(g *grant, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if g.Origin != originUse || g.RotatedAt != nil || now.Sub(g.GrantedAt) <= cfg.BreakGlassRotationWindow || !emergencyAccount(g.Principal, cfg) {
		return schemas.Finding{}, false
	}
	return newFinding(KindBreakglassNotRotated, g.Principal, g.label(), "", g.nhi(), []string{g.GrantEvent},
		fmt.Sprintf("emergency account %s was used at %s and its credentials have not been rotated after %s", g.Principal, ts(g.GrantedAt),
			cfg.BreakGlassRotationWindow)), true
}

// emergencyAccount reports an identity kept for emergencies only.
func emergencyAccount(id string, cfg *Config) bool {
	return strings.HasSuffix(id, ":root") || slices.ContainsFunc(cfg.BreakGlassAccounts, func(a string) bool { return strings.EqualFold(a, id) })
}
