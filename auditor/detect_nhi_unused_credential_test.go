package auditor

import (
	"testing"
	"time"
)

func TestNHIUnusedCredential(t *testing.T) {
	cfg := detectCfg()
	day := 24 * time.Hour
	used := dt0.Add(-100 * day)
	c := credential{Principal: "svc-ci", ID: "AKIA1", Kind: "ACCESS_KEY", Owner: "ops@corp.example", CreatedAt: tp2(dt0.Add(-10 * day)), CreateEvent: "e1", LastUsedAt: &used}
	if n := ledgerKindsOf(nil, []credential{c}, dt0, cfg, KindNHIUnusedCredential); n != 1 {
		t.Fatalf("unused for 100 days raised %d, want 1", n)
	}
	recent := dt0.Add(-5 * day)
	c.LastUsedAt = &recent
	if n := ledgerKindsOf(nil, []credential{c}, dt0, cfg, KindNHIUnusedCredential); n != 0 {
		t.Fatalf("used five days ago raised %d", n)
	}
	c.LastUsedAt = nil
	if n := ledgerKindsOf(nil, []credential{c}, dt0, cfg, KindNHIUnusedCredential); n != 0 {
		t.Fatalf("no recorded use raised %d", n)
	}
	c.LastUsedAt, c.DeletedAt = &used, tp2(dt0.Add(-day))
	if n := ledgerKindsOf(nil, []credential{c}, dt0, cfg, KindNHIUnusedCredential); n != 0 {
		t.Fatalf("a deleted credential raised %d", n)
	}
}
