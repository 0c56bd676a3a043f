package auditor

import (
	"fmt"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// nhiInteractiveSignIn: someone signed in interactively (an AWS console login, an Okta
// session, an Entra interactive sign-in, a Google Workspace login) as a non-human
// identity, and its password or keys have not changed since. A service account signs in
// with keys and tokens; a console session means a person holds its secret.
func nhiInteractiveSignIn(g *grant, _ time.Time, _ *Config) (schemas.Finding, bool) {
	if g.Origin != originNHISession || g.RotatedAt != nil {
		return schemas.Finding{}, false
	}
	return newFinding(KindNHIInteractiveSignIn, g.Principal, g.label(), "", true, []string{g.GrantEvent},
		fmt.Sprintf("non-human identity %s signed in interactively at %s and its credentials have not been rotated since: a person is using the service account", g.Principal, ts(g.GrantedAt))), true
}
