package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// nhiLongLivedSecret: a live credential whose current secret is older than the rotation
// age, or was issued to expire further from its issue than nhi_max_secret_lifetime (a
// client secret valid until 2299 is long-lived the day it is made).
func nhiLongLivedSecret(c *credential, now time.Time, cfg *Config) (schemas.Finding, bool) {
	if c.DeletedAt != nil {
		return schemas.Finding{}, false
	}
	since, ev := c.secretSince()
	if since.IsZero() {
		return schemas.Finding{}, false
	}
	if c.ExpiresAt != nil && c.ExpiresAt.Sub(since) > cfg.NHIMaxSecretLifetime && now.Sub(since) <= cfg.NHIRotationAge {
		return newFinding(KindNHILongLivedSecret, c.Principal, "credential:"+c.ID, "", true, []string{ev},
			fmt.Sprintf("secret of credential %s of %s was issued at %s to expire at %s, %d days later (max secret lifetime %s)", c.ID, c.Principal,
				ts(since), ts(*c.ExpiresAt), int(c.ExpiresAt.Sub(since).Hours()/24), cfg.NHIMaxSecretLifetime)+c.ownerNote()), true
	}
	if now.Sub(since) <= cfg.NHIRotationAge {
		return schemas.Finding{}, false
	}
	return newFinding(KindNHILongLivedSecret, c.Principal, "credential:"+c.ID, "", true, []string{ev},
		fmt.Sprintf("secret of credential %s of %s is %d days old (rotation age %s)%s", c.ID, c.Principal, int(now.Sub(since).Hours()/24), cfg.NHIRotationAge, c.ownerNote())), true
}

// ownerNote names the credential's owner for a finding's summary: whom to ask.
func (c *credential) ownerNote() string {
	if c.Owner == "" {
		return ""
	}
	return "; owner " + c.Owner
}
