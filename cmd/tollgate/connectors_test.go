package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// oktaOrg serves the Okta Management and System Log APIs as an org with two users and two
// groups does (shapes of the Users, Groups, Roles and System Log API references); members
// says who is in which group, and can change between listings.
type oktaOrg struct {
	*httptest.Server
	members atomic.Pointer[map[string][]string] // group id → user ids
}

func newOktaOrg(t *testing.T) *oktaOrg {
	o := &oktaOrg{}
	users := []map[string]any{
		{"id": "00uANN", "status": "ACTIVE", "profile": map[string]string{"login": "ann@corp.example", "email": "ann@corp.example"}},
		{"id": "00uLEO", "status": "SUSPENDED", "profile": map[string]string{"login": "leo@corp.example", "email": "leo@corp.example"}},
	}
	groups := []map[string]any{
		{"id": "00gFIN", "type": "OKTA_GROUP", "profile": map[string]string{"name": "finance-readers"}},
		{"id": "00gOPS", "type": "OKTA_GROUP", "profile": map[string]string{"name": "ops"}},
	}
	log := map[string]any{"uuid": "log-1", "published": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano), "eventType": "user.session.start",
		"outcome": map[string]string{"result": "SUCCESS"}, "actor": map[string]string{"id": "00uANN", "type": "User", "alternateId": "ann@corp.example"}}
	mux := http.NewServeMux()
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	send := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Query().Get("search"), "DEPROVISIONED") {
			send(w, []any{})
			return
		}
		send(w, users)
	})
	mux.HandleFunc("GET /api/v1/groups", func(w http.ResponseWriter, _ *http.Request) { send(w, groups) })
	mux.HandleFunc("GET /api/v1/groups/{id}/users", func(w http.ResponseWriter, r *http.Request) {
		var out []map[string]any
		for _, id := range (*o.members.Load())[r.PathValue("id")] {
			for _, u := range users {
				if u["id"] == id {
					out = append(out, u)
				}
			}
		}
		send(w, append([]map[string]any{}, out...))
	})
	mux.HandleFunc("GET /api/v1/apps", func(w http.ResponseWriter, _ *http.Request) { send(w, []any{}) })
	mux.HandleFunc("GET /api/v1/api-tokens", func(w http.ResponseWriter, _ *http.Request) { send(w, []any{}) })
	mux.HandleFunc("GET /api/v1/users/{id}/roles", func(w http.ResponseWriter, _ *http.Request) { send(w, []any{}) })
	mux.HandleFunc("GET /api/v1/logs", func(w http.ResponseWriter, r *http.Request) {
		next := o.URL + "/api/v1/logs?after=log-1&limit=100"
		w.Header().Set("Link", `<`+next+`>; rel="next"`)
		if r.URL.Query().Get("after") == "log-1" {
			send(w, []any{})
			return
		}
		send(w, []any{log})
	})
	return o
}

// TestConnectorsUnderUp: tollgate up with connectors.okta lists the org on its schedule
// and pulls its System Log: the listed memberships are grants with origin snapshot, the
// suspended member's is orphaned, a membership the org removes is revoked by the next
// listing, and the log's sign-in is stored once however often it is polled.
func TestConnectorsUnderUp(t *testing.T) {
	org := newOktaOrg(t)
	org.members.Store(&map[string][]string{"00gFIN": {"00uANN", "00uLEO"}, "00gOPS": {"00uANN"}})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "okta.token")
	if err := os.WriteFile(tokenFile, []byte("00-test-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ingestAddr, consoleAddr := freeAddr(t), freeAddr(t)
	conf := fmt.Sprintf("up:\n  data_dir: %s\n  kafka_addr: 127.0.0.1:0\n  registry_addr: 127.0.0.1:0\ningest:\n  listen: %s\nconsole:\n  listen: %s\n"+
		"auditor:\n  flush_interval: 100ms\n  sweep_interval: 500ms\nshutdown_timeout: 20s\nlog:\n  level: warn\n"+
		"connectors:\n  okta:\n    url: %s\n    api_token_file: %s\n    snapshot_every: 1s\n    pull_every: 500ms\n",
		filepath.Join(dir, "data"), ingestAddr, consoleAddr, org.URL, tokenFile)
	cfgFile := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(cfgFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startTollgate(t, "--config", cfgFile, "up")
	defer up.stop(t)
	waitHTTP(t, up.done, "http://"+ingestAddr+"/readyz")
	console := "http://" + consoleAddr
	grant := func(who, group string) (string, string) {
		res := consoleQuery(t, console, "SELECT state, origin FROM grants FINAL WHERE principal = '"+who+"' AND entitlement_name = '"+group+"'")
		if len(res.Rows) != 1 {
			return "", ""
		}
		return fmt.Sprint(res.Rows[0]["state"]), fmt.Sprint(res.Rows[0]["origin"])
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in time\n%s", what, up.out.String())
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	eventually("the first listing's grants", func() bool {
		s1, o1 := grant("ann@corp.example", "finance-readers")
		s2, _ := grant("ann@corp.example", "ops")
		return s1 == "ACTIVE" && o1 == "snapshot" && s2 == "ACTIVE"
	})
	if kinds := waitKinds(t, console, "leo@corp.example", 1); len(kinds) != 1 || kinds[0] != "ORPHANED_GRANT okta:finance-readers" {
		t.Fatalf("the suspended member's open findings: %v", kinds)
	}
	org.members.Store(&map[string][]string{"00gFIN": {"00uANN", "00uLEO"}})
	eventually("ann's ops membership revoked by a later listing", func() bool {
		s, _ := grant("ann@corp.example", "ops")
		return s == "REVOKED"
	})
	if s, _ := grant("ann@corp.example", "finance-readers"); s != "ACTIVE" {
		t.Fatalf("a membership still listed: %s", s)
	}
	eventually("the System Log's sign-in, once", func() bool {
		res := consoleQuery(t, console, "SELECT count() AS n FROM events WHERE event_id = 'okta:log-1'")
		return len(res.Rows) == 1 && fmt.Sprint(res.Rows[0]["n"]) == "1"
	})
	res := consoleQuery(t, console, "SELECT count() AS n FROM grants FINAL WHERE origin = 'snapshot'")
	if fmt.Sprint(res.Rows[0]["n"]) != "3" {
		t.Fatalf("snapshot grants: %v", res.Rows)
	}
}
