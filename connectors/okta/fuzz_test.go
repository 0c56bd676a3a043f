package okta

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzLink: the Link header parser never panics and only returns what sat between < >.
func FuzzLink(f *testing.F) {
	f.Add(`<https://a.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"`)
	f.Add(`<a>; rel="self", <b>; rel=next`)
	f.Add(`<<>>;;rel=,"`)
	f.Fuzz(func(t *testing.T, v string) {
		_ = nextLink(http.Header{"Link": {v}})
	})
}

// FuzzResponses: every Okta answer the connector decodes (users, groups, apps, app users,
// role assignments, API tokens, a System Log page) never panics on hostile JSON.
func FuzzResponses(f *testing.F) {
	f.Add([]byte(`[{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.c","firstName":"A"}}]`))
	f.Add([]byte(`[{"id":"00T1","userId":"00u1","tokenWindow":"P30D","expiresAt":"2025-01-01T00:00:00.000Z"}]`))
	f.Add([]byte(`[{"id":"ra1","type":"SUPER_ADMIN","status":"ACTIVE","created":"x"}]`))
	f.Add(mustJSON([]any{logEvent("u1", "group.user_membership.add", map[string]any{"privilegeGranted": "Super administrator"}, userTarget("00u1", "a@b.c", "A"))}))
	f.Add([]byte(`[1,"x",null,{}]`))
	p := &Puller{parser: ingest.Parsers(ingest.ParserOptions{})[ingest.SourceOkta], Now: time.Now}
	p.Log = discard()
	f.Fuzz(func(t *testing.T, body []byte) {
		if us, err := decodeArray[oktaUser](body); err == nil {
			for _, u := range us {
				_ = principalOf(u)
				_ = statusOf(u.Status)
			}
		}
		if gs, err := decodeArray[oktaGroup](body); err == nil {
			for _, g := range gs {
				_ = groupEntitlement(g)
			}
		}
		if as, err := decodeArray[oktaApp](body); err == nil {
			for _, a := range as {
				_ = appEntitlement(a)
			}
		}
		if aus, err := decodeArray[oktaAppUser](body); err == nil {
			for _, au := range aus {
				_ = oktaTime(au.Created)
			}
		}
		if rs, err := decodeArray[oktaRoleAssignment](body); err == nil {
			for _, r := range rs {
				_ = roleEntitlement(r)
			}
		}
		if ts, err := decodeArray[oktaAPIToken](body); err == nil {
			for _, tk := range ts {
				_ = lastUsed(tk)
			}
		}
		if lp, err := p.page(body); err == nil {
			// Every record is an event or refused with its bytes and reason, never dropped.
			if len(lp.Failed) > lp.items {
				t.Fatalf("%d records refused of %d", len(lp.Failed), lp.items)
			}
			for _, f := range lp.Failed {
				if len(f.Raw) == 0 || f.Err == nil {
					t.Fatalf("a refused record without its bytes or its reason: %+v", f)
				}
			}
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
