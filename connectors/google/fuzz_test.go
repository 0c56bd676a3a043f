package google

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

// FuzzResponses: every Google answer the connector decodes (users, groups, members,
// roles, role assignments, tokens, an activities page, a saved cursor, a service account
// key) never panics on hostile JSON.
func FuzzResponses(f *testing.F) {
	f.Add([]byte(`{"kind":"admin#directory#users","users":[{"id":"1","primaryEmail":"a@b.c","suspended":true}],"nextPageToken":"x"}`))
	f.Add([]byte(`{"items":[{"roleId":123,"roleName":"_SEED_ADMIN_ROLE","isSuperAdminRole":true,"assignedTo":"1","assigneeType":"group"}]}`))
	f.Add([]byte(`{"items":[{"clientId":"c","scopes":["https://www.googleapis.com/auth/admin.directory.user"]}]}`))
	f.Add([]byte(`{"items":[{"id":{"time":"2025-01-01T00:00:00Z","uniqueQualifier":"1","applicationName":"admin"},"events":[{"name":"ASSIGN_ROLE","parameters":[{"name":"ROLE_NAME","value":"x"}]}]}]}`))
	f.Add([]byte(`{"apps":{"admin":{"done":"2025-01-01T00:00:00Z","page":"x"}}}`))
	f.Add([]byte(`{"users":{},"members":[1,null],"items":"x","nextPageToken":7}`))
	p := &Puller{parser: ingest.Parsers(ingest.ParserOptions{})[ingest.SourceGoogleWorkspace], Now: time.Now, Log: slog.New(slog.DiscardHandler)}
	f.Fuzz(func(t *testing.T, body []byte) {
		if pg, err := decodePage[gUser](body, "users"); err == nil {
			for _, u := range pg.Items {
				_ = principalOf(string(u.ID), u.PrimaryEmail, u.Name.FullName)
			}
		}
		if pg, err := decodePage[gMember](body, "members"); err == nil {
			for _, m := range pg.Items {
				_ = groupEntitlement(gGroup{Email: m.Email}, m.Role)
			}
		}
		_, _ = decodePage[gGroup](body, "groups")
		if pg, err := decodePage[gRole](body, "items"); err == nil {
			for _, r := range pg.Items {
				_ = roleEntitlement(r)
			}
		}
		_, _ = decodePage[gRoleAssignment](body, "items")
		if pg, err := decodePage[gToken](body, "items"); err == nil {
			for _, tk := range pg.Items {
				_ = appEntitlement(tk)
			}
		}
		if pg, _, err := p.page(body); err == nil {
			for _, f := range pg.Failed {
				if len(f.Raw) == 0 || f.Err == nil {
					t.Fatalf("a refused activity without its bytes or its reason: %+v", f)
				}
			}
		}
		_, _ = decodeCursor(string(body))
		_, _ = parseKey(body)
		var v any
		_ = json.Unmarshal(body, &v)
	})
}
