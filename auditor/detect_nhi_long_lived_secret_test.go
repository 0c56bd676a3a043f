package auditor

import (
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
