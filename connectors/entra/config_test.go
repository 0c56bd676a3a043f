package entra

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/config"
)

func TestValidateNamesKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want []string
	}{
		{"empty", Config{}, []string{"connectors.entra.tenant_id", "connectors.entra.client_id", "connectors.entra.client_secret"}},
		{"bad", Config{TenantID: "a b", ClientID: "x", ClientSecret: "hunter2", BaseURL: "http://graph.example.com", TokenURL: "ftp://x",
			PageSize: 5000, Logs: []string{"sign_ins", "risky"}, Overlap: config.Duration(48 * time.Hour)},
			[]string{"tenant_id", "base_url", "token_url", "page_size", "logs[1]", "overlap"}},
		{"good", Config{TenantID: "contoso.onmicrosoft.com", ClientID: "x", ClientSecret: "hunter2", BaseURL: "http://127.0.0.1:9/v1.0"}, nil},
	} {
		errs := tc.c.Validate("connectors.entra")
		all := errors.Join(errs...)
		if len(errs) != len(tc.want) {
			t.Errorf("%s: %d errors, want %d: %v", tc.name, len(errs), len(tc.want), all)
		}
		for _, k := range tc.want {
			if all == nil || !strings.Contains(all.Error(), k) {
				t.Errorf("%s: no error names %s: %v", tc.name, k, all)
			}
		}
		if all != nil && strings.Contains(all.Error(), "hunter2") {
			t.Errorf("%s: an error shows the secret", tc.name)
		}
		for _, e := range errs {
			if !errors.Is(e, config.ErrInvalid) {
				t.Errorf("%s: %v is not config.ErrInvalid", tc.name, e)
			}
		}
	}
}

// FuzzGraphPage runs every parser of Graph's answers on one body: the collection page, the
// snapshot's objects, and the puller's reading of log records.
func FuzzGraphPage(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"1","activityDateTime":"2025-05-14T10:00:00Z","activityDisplayName":"Add member to group"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/x?$skiptoken=1"}`))
	f.Add([]byte(`{"value":[{"id":"1","createdDateTime":"2025-05-14T10:00:00Z","status":{"errorCode":0}}]}`))
	f.Add([]byte(`{"value":[{"id":"s","keyCredentials":[{"keyId":"k","endDateTime":"x"}],"passwordCredentials":[{}],"appRoles":[{"id":1}]}]}`))
	f.Add([]byte(`{"value":[{"principalId":"p","scheduleInfo":{"expiration":{"type":"afterDateTime","endDateTime":"2025-01-01T00:00:00Z"}}}]}`))
	f.Add([]byte(`{"value":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parsePage(body)
		if err != nil {
			return
		}
		for _, v := range p.Value {
			var (
				u  gUser
				sp gServicePrincipal
				ra gRoleAssignment
				el gEligibility
				ar gAppRoleAssignment
				do gDirectoryObject
			)
			for _, dst := range []any{&u, &sp, &ra, &el, &ar, &do} {
				_ = json.Unmarshal(v, dst)
			}
			for _, k := range append(sp.KeyCredentials, sp.PasswordCredentials...) {
				graphTime(k.EndDateTime)
			}
		}
		pl := &Puller{overlap: time.Minute, Now: time.Now, Log: discard}
		for _, spec := range logSpecs {
			lc := &logCursor{}
			page := pl.take(p.Value, spec, lc)
			if len(page.Failed) > len(p.Value) {
				t.Fatalf("%d records refused of %d", len(page.Failed), len(p.Value))
			}
			for _, f := range page.Failed {
				if len(f.Raw) == 0 || f.Err == nil {
					t.Fatalf("a refused record without its bytes or its reason: %+v", f)
				}
			}
			b, _ := json.Marshal(cursor{Logs: map[string]*logCursor{"x": lc}})
			if _, err := parseCursor(string(b)); err != nil {
				t.Fatalf("a cursor the puller wrote does not parse: %v", err)
			}
		}
	})
}

// FuzzCursor: a stored cursor never panics the puller.
func FuzzCursor(f *testing.F) {
	f.Add(`{"logs":{"sign_ins":{"since":"2025-05-14T10:00:00Z","seen":{"a":"2025-05-14T10:00:00Z"},"next":"x"}},"round":["sign_ins"]}`)
	f.Add(`{"logs":{"x":null}}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		for _, lc := range c.Logs {
			pruneSeen(lc, time.Minute)
		}
	})
}
