package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestImportGrantsUnderUp: grants imported into a running tollgate up are judged at the
// next sweep — a stale admin grant past its review date is REVIEW_OVERDUE and
// OVER_BROAD_GRANT, a suspended holder's grant ORPHANED_GRANT, and no imported grant is an
// unticketed change — and importing the system again without a grant revokes it.
func TestImportGrantsUnderUp(t *testing.T) {
	dir := t.TempDir()
	// The import runs as another process would, through the configured Kafka and registry:
	// both at fixed addresses.
	kafkaAddr, registryAddr, ingestAddr, consoleAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	cfgFile := filepath.Join(dir, "tollgate.yaml")
	conf := fmt.Sprintf("up:\n  data_dir: %s\n  kafka_addr: %s\n  registry_addr: %s\ningest:\n  listen: %s\nconsole:\n  listen: %s\n"+
		"auditor:\n  flush_interval: 100ms\n  sweep_interval: 500ms\nshutdown_timeout: 20s\nlog:\n  level: warn\n", filepath.Join(dir, "data"), kafkaAddr, registryAddr, ingestAddr, consoleAddr)
	if err := os.WriteFile(cfgFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	global := []string{"--config", cfgFile}
	up := startTollgate(t, append(global, "up")...)
	defer up.stop(t)
	waitHTTP(t, up.done, "http://"+ingestAddr+"/readyz")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("erp.jsonl", `{"principal":"ann@corp.example","entitlement":"SAP_ALL","privilege":"ADMIN","system":"sap","granted_at":"2023-02-01","review_due":"2024-02-01"}
{"principal":"ann@corp.example","entitlement":"AP Invoice Entry","privilege":"WRITE","system":"sap","granted_at":"2026-11-01","review_due":"2027-05-01"}
{"principal":"leo@corp.example","principal_status":"suspended","entitlement":"AP Payment Approval","privilege":"WRITE","system":"sap","review_due":"2027-05-01"}
`)
	out := run(t, append(global, "import", "grants", "--quiet", first)...)
	if !strings.Contains(out, "imported 3 grants of 2 holders in 1 systems") {
		t.Fatalf("import: %s", out)
	}
	console := "http://" + consoleAddr
	want := map[string][]string{
		"ann@corp.example": {"OVER_BROAD_GRANT sap:SAP_ALL", "REVIEW_OVERDUE sap:SAP_ALL"},
		"leo@corp.example": {"ORPHANED_GRANT sap:AP Payment Approval"},
	}
	for who, kinds := range want {
		if got := waitKinds(t, console, who, len(kinds)); !slices.Equal(got, kinds) {
			t.Errorf("%s: open findings %v, want %v", who, got, kinds)
		}
	}
	second := write("erp2.csv", "principal,entitlement,privilege,system,granted_at,review_due\nann@corp.example,SAP_ALL,ADMIN,sap,2023-02-01,2024-02-01\n")
	run(t, append(global, "import", "grants", "--quiet", second)...)
	deadline := time.Now().Add(time.Minute)
	for {
		res := consoleQuery(t, console, "SELECT state, origin FROM grants FINAL WHERE principal = 'ann@corp.example' AND entitlement_name = 'AP Invoice Entry'")
		if len(res.Rows) == 1 && res.Rows[0]["state"] == "REVOKED" && res.Rows[0]["origin"] == schemas.OriginImport {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("AP Invoice Entry after an import without it: %v", res.Rows)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitKinds waits until who has n open findings and returns them as "KIND entitlement".
func waitKinds(t *testing.T, console, who string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(console + "/v1/console/findings?status=OPEN&principal=" + url.QueryEscape(who))
		if err != nil {
			t.Fatal(err)
		}
		var fs []schemas.Finding
		_ = json.NewDecoder(resp.Body).Decode(&fs)
		resp.Body.Close()
		var out []string
		for _, f := range fs {
			e := ""
			if f.Entitlement != nil {
				e = *f.Entitlement
			}
			out = append(out, f.Kind+" "+e)
		}
		slices.Sort(out)
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}
