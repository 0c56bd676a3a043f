package auditor

import (
	"testing"
	"time"
)

func TestNHINoOwner(t *testing.T) {
	cfg := detectCfg()
	c := credential{Principal: "svc-ci", ID: "AKIA1", Kind: "ACCESS_KEY", CreatedAt: tp2(dt0), CreateEvent: "c1"}
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(time.Hour), cfg, KindNHINoOwner); n != 1 {
		t.Fatalf("a credential with no owner raised %d, want 1", n)
	}
	c.Owner = "team-ci@corp.example"
	if n := ledgerKindsOf(nil, []credential{c}, dt0.Add(time.Hour), cfg, KindNHINoOwner); n != 0 {
		t.Fatalf("an owned credential raised %d", n)
	}
}
