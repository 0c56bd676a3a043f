package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/gen"
)

// runGen runs tollgate gen into a fresh directory and returns it and the manifest.
func runGen(t *testing.T, args ...string) (string, *gen.Manifest) {
	t.Helper()
	dir := t.TempDir()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"gen", "--quiet", "--out", dir, "--manifest", filepath.Join(dir, "manifest.json"),
		"--humans", "50", "--nhis", "5", "--events", "600", "--violation-rate", "1"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("gen %v: %v\n%s", args, err, out.String())
	}
	m, err := gen.ReadManifest(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// TestGenNow: --now pins the run (same bytes twice), and without it the run
// ends at the current time.
func TestGenNow(t *testing.T) {
	pin := "2025-05-06T00:00:00Z"
	a, ma := runGen(t, "--now", pin)
	b, _ := runGen(t, "--now", pin)
	if got := ma.Now.UTC().Format(time.RFC3339); got != pin {
		t.Errorf("manifest now = %s, want %s", got, pin)
	}
	for _, f := range []string{"okta.jsonl", "servicenow.jsonl", "manifest.json"} {
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs pinned to %s (%v, %v)", f, pin, err1, err2)
		}
	}
	before := time.Now().Add(-time.Second)
	_, m := runGen(t)
	if m.Now.Before(before) || m.Now.After(time.Now()) {
		t.Errorf("unpinned run ends at %v, not now", m.Now)
	}

	root := newRoot()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"gen", "--quiet", "--out", t.TempDir(), "--now", "yesterday"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "--now") {
		t.Errorf("--now yesterday: err = %v", err)
	}
}

// TestGenPlantsForTheConfiguredAuditor: the SoD pairs and privileged
// entitlements gen plants are the effective auditor.detections, as up loads them.
func TestGenPlantsForTheConfiguredAuditor(t *testing.T) {
	entries := func(m *gen.Manifest, kind string) []gen.Entry {
		var out []gen.Entry
		for _, e := range m.Entries {
			if e.Kind == kind {
				out = append(out, e)
			}
		}
		return out
	}
	pairsOnly := func(es []gen.Entry, pairs ...[2]string) bool {
		for _, e := range es {
			if !slices.ContainsFunc(pairs, func(p [2]string) bool { return e.Entitlement == "okta:"+p[0]+" + okta:"+p[1] }) {
				return false
			}
		}
		return len(es) > 0
	}
	_, def := runGen(t, "--now", "2025-05-06T00:00:00Z")
	if got := entries(def, auditor.KindSoDConflict); !pairsOnly(got, auditor.DefaultSoDPairs()...) {
		t.Errorf("default SOD_CONFLICT entries %+v, want the default pairs", got)
	}
	mfa := entries(def, auditor.KindMFAResetThenPrivilege)
	if len(mfa) == 0 || !slicesContainEntry(entries(def, auditor.KindOverBroadGrant), mfa[0]) {
		t.Errorf("without privileged entitlements an MFA_RESET_THEN_PRIVILEGE grant (%+v) is also an OVER_BROAD_GRANT", mfa)
	}

	_, cfg := runGen(t, "--now", "2025-05-06T00:00:00Z",
		"--set", "auditor.detections.privileged_entitlements=[Treasury Wire Release]",
		"--set", "auditor.detections.sod_pairs=[[Vendor Create, Vendor Pay]]")
	if got := entries(cfg, auditor.KindSoDConflict); !pairsOnly(got, [2]string{"Vendor Create", "Vendor Pay"}) {
		t.Errorf("configured SOD_CONFLICT entries %+v", got)
	}
	mfa = entries(cfg, auditor.KindMFAResetThenPrivilege)
	if len(mfa) == 0 || mfa[0].Entitlement != "okta:Treasury Wire Release" || slicesContainEntry(entries(cfg, auditor.KindOverBroadGrant), mfa[0]) {
		t.Errorf("configured MFA_RESET_THEN_PRIVILEGE entries %+v", mfa)
	}
}

// slicesContainEntry reports an entry of es for e's principal and entitlement.
func slicesContainEntry(es []gen.Entry, e gen.Entry) bool {
	for _, x := range es {
		if x.Principal == e.Principal && x.Entitlement == e.Entitlement {
			return true
		}
	}
	return false
}
