package auditor

import (
	"strings"
	"testing"
	"time"
)

func TestNHILongLivedSecret(t *testing.T) {
	cfg := detectCfg()
	c := credential{Principal: "svc-ci", ID: "AKIA1", Kind: "ACCESS_KEY", Owner: "team", CreatedAt: tp2(dt0), CreateEvent: "c1"}
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(cfg.NHIRotationAge+24*time.Hour), cfg, KindNHILongLivedSecret); n != 1 {
		t.Fatalf("a secret past the rotation age raised %d, want 1", n)
	}
	c.RotatedAt, c.RotateEvent = tp2(dt0.Add(cfg.NHIRotationAge)), "r1"
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(cfg.NHIRotationAge+24*time.Hour), cfg, KindNHILongLivedSecret); n != 0 {
		t.Fatalf("a rotated secret raised %d", n)
	}
	c.RotatedAt, c.DeletedAt = nil, tp2(dt0.Add(time.Hour))
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(cfg.NHIRotationAge+24*time.Hour), cfg, KindNHILongLivedSecret); n != 0 {
		t.Fatalf("a deleted credential raised %d", n)
	}
}

func TestNHISecretIssuedForTooLong(t *testing.T) {
	cfg := detectCfg()
	c := credential{Principal: "entra:app-1", ID: "secret-1", Kind: "CLIENT_SECRET", Owner: "team", CreatedAt: tp2(dt0), CreateEvent: "c1",
		ExpiresAt: tp2(dt0.Add(cfg.NHIMaxSecretLifetime + 24*time.Hour))}
	fs := ledgerFindings(nil, []credential{c}, dt0.Add(time.Hour), cfg)
	if len(fs) != 1 || fs[0].Kind != KindNHILongLivedSecret || !strings.Contains(fs[0].Summary, "to expire at") {
		t.Fatalf("a secret issued past the max lifetime: %+v", fs)
	}
	// The same finding as the age would raise later: one per secret, not two.
	old := ledgerFindings(nil, []credential{c}, dt0.Add(cfg.NHIRotationAge+24*time.Hour), cfg)
	if len(old) != 1 || old[0].FindingID != fs[0].FindingID {
		t.Fatalf("later, by age: %+v", old)
	}
	c.ExpiresAt = tp2(dt0.Add(cfg.NHIMaxSecretLifetime))
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(time.Hour), cfg, KindNHILongLivedSecret); n != 0 {
		t.Fatalf("a secret issued for exactly the max lifetime raised %d", n)
	}
	c.ExpiresAt = tp2(dt0.Add(10 * 365 * 24 * time.Hour))
	c.RotatedAt, c.RotateEvent = tp2(dt0.Add(9*365*24*time.Hour)), "r1" // rotated; the expiry is the old secret's
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(9*365*24*time.Hour+time.Hour), cfg, KindNHILongLivedSecret); n != 0 {
		t.Fatalf("a rotated secret a year from its old expiry raised %d", n)
	}
}
