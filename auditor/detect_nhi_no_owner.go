package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// nhiNoOwner: a live credential created with no recorded owner.
func nhiNoOwner(c *credential, _ time.Time, _ *Config) (schemas.Finding, bool) {
	if c.DeletedAt != nil || c.CreateEvent == "" || c.Owner != "" {
		return schemas.Finding{}, false
	}
	return newFinding(KindNHINoOwner, c.Principal, "credential:"+c.ID, "", true, []string{c.CreateEvent},
		fmt.Sprintf("credential %s of %s was created with no recorded owner", c.ID, c.Principal)), true
}
