package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// nhiLongLivedSecret: a live credential whose current secret is older than the rotation
// age.
func nhiLongLivedSecret(c *credential, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if c.DeletedAt != nil {
		return schemas.Finding{}, false
	}
	since, ev := c.secretSince()
	if since.IsZero() || now.Sub(since) <= cfg.NHIRotationAge {
		return schemas.Finding{}, false
	}
	return newFinding(KindNHILongLivedSecret, c.Principal, "credential:"+c.ID, "", true, []string{ev},
		fmt.Sprintf("secret of credential %s of %s is %d days old (rotation age %s)", c.ID, c.Principal, int(now.Sub(since).Hours()/24), cfg.NHIRotationAge)), true
}
