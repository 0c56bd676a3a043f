package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsListenOnLoopback(t *testing.T) {
	cfg, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ingest.Listen != DefaultIngestListen || !IsLoopback(cfg.Ingest.Listen) {
		t.Fatalf("ingest.listen default %q, want loopback %s", cfg.Ingest.Listen, DefaultIngestListen)
	}
	if !IsLoopback(cfg.Console.Listen) || cfg.Console.Listen == cfg.Ingest.Listen {
		t.Fatalf("console.listen default %q must be loopback and not the ingest address", cfg.Console.Listen)
	}
	if err := CheckIngestExposure(cfg); err != nil {
		t.Fatalf("the default configuration is refused: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:1": true, "[::1]:8080": true, "localhost:8080": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.5:8080": false, "ingest.example.org:8080": false, "bad": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckIngestExposure(t *testing.T) {
	// Open to other hosts with sources that have no secret: refused, naming each and the fix.
	cfg, err := load(t, writeConfig(t, "ingest:\n  sources:\n    okta: {secret: s3cret}\n"), nil, "ingest.listen=:8080")
	if err != nil {
		t.Fatal(err)
	}
	err = CheckIngestExposure(cfg)
	if err == nil {
		t.Fatal("a public unauthenticated ingest listener was accepted")
	}
	for _, want := range []string{":8080", "entra", "generic", "secret_file", "insecure_allow_unauthenticated", "--insecure-allow-unauthenticated", "127.0.0.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "okta") {
		t.Errorf("error names okta, which has a secret: %v", err)
	}
	// Said explicitly: accepted.
	cfg, err = load(t, "", nil, "ingest.listen=0.0.0.0:8080", "ingest.insecure_allow_unauthenticated=true")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckIngestExposure(cfg); err != nil {
		t.Fatalf("insecure_allow_unauthenticated did not allow it: %v", err)
	}
	// Every source authenticated: accepted.
	yaml := "ingest:\n  sources:\n"
	for _, s := range []string{"okta", "entra", "cloudtrail", "google_workspace", "servicenow", "jira_sm", "generic"} {
		yaml += "    " + s + ": {secret: k}\n"
	}
	if cfg, err = load(t, writeConfig(t, yaml), nil, "ingest.listen=:8080"); err != nil {
		t.Fatal(err)
	}
	if err := CheckIngestExposure(cfg); err != nil {
		t.Fatalf("fully authenticated public listener refused: %v", err)
	}
}

func TestConsoleListenMustBeLoopback(t *testing.T) {
	_, err := load(t, "", nil, "console.listen=0.0.0.0:8079")
	if err == nil || !strings.Contains(err.Error(), "console.listen") || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback console.listen: %v, want an error naming the key", err)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
