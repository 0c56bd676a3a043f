package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// nhiUnusedCredential: a live credential the vendor last saw used longer ago than
// nhi_unused_age (an inventory listing's AccessKeyLastUsed, an Okta token's last use).
// A credential with no recorded use is not judged: "never used" and "unknown" look alike.
func nhiUnusedCredential(c *credential, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if c.DeletedAt != nil || c.LastUsedAt == nil || now.Sub(*c.LastUsedAt) <= cfg.NHIUnusedAge {
		return schemas.Finding{}, false
	}
	return newFinding(KindNHIUnusedCredential, c.Principal, "credential:"+c.ID, "", true, []string{c.CreateEvent},
		fmt.Sprintf("credential %s of %s was last used at %s, %d days ago (unused age %s)", c.ID, c.Principal, ts(*c.LastUsedAt),
			int(now.Sub(*c.LastUsedAt).Hours()/24), cfg.NHIUnusedAge)+c.ownerNote(), ts(*c.LastUsedAt)), true
}
