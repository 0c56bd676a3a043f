package auditor

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestOverBroadGrant(t *testing.T) {
	cfg := detectCfg()
	admin := grantFact("e1", "ann@corp.example", "x@corp.example", "Super Administrator", schemas.PrivilegeAdmin, dt0)
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, admin), cfg, KindOverBroadGrant); n != 1 {
		t.Fatalf("an admin grant raised %d, want 1", n)
	}
	wild := grantFact("e2", "ann@corp.example", "x@corp.example", "snap-1", schemas.PrivilegeRead, dt0)
	wild.EntWildcard = true
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, wild), cfg, KindOverBroadGrant); n != 1 {
		t.Fatalf("a wildcard grant raised %d, want 1", n)
	}
	nhiWrite := grantFact("e3", "svc-ci", "x@corp.example", "repo-writers", schemas.PrivilegeWrite, dt0)
	nhiWrite.SubjectType = schemas.PrincipalNHI
	if n := kinds(t, state("svc-ci", schemas.PrincipalNHI, nhiWrite), cfg, KindOverBroadGrant); n != 1 {
		t.Fatalf("write access for an NHI raised %d, want 1", n)
	}
	read := grantFact("e4", "ann@corp.example", "x@corp.example", "wiki-readers", schemas.PrivilegeRead, dt0)
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, read), cfg, KindOverBroadGrant); n != 0 {
		t.Fatalf("a read grant raised %d", n)
	}
	revoked := state("ann@corp.example", schemas.PrincipalHuman, admin)
	revoked.Grants[0].State = stateRevoked
	if n := kinds(t, revoked, cfg, KindOverBroadGrant); n != 0 {
		t.Fatalf("an admin grant revoked since raised %d", n)
	}
	bg := admin
	bg.Lane = schemas.LaneBreakGlass
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, bg), cfg, KindOverBroadGrant); n != 0 {
		t.Fatalf("break-glass admin raised %d (break-glass kinds cover it)", n)
	}
}
