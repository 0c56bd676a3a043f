package auditor

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestUnticketedAccessChange(t *testing.T) {
	cfg := detectCfg()
	g := grantFact("e1", "ann@corp.example", "admin@corp.example", "finance-readers", schemas.PrivilegeRead, dt0)
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, g), cfg, KindUnticketedAccessChange); n != 1 {
		t.Fatalf("a grant with no ticket raised %d, want 1", n)
	}
	ps := state("ann@corp.example", schemas.PrincipalHuman, g)
	ps.Match["e1"] = approved("RITM1", "ann@corp.example", "boss@corp.example")
	if n := kinds(t, ps, cfg, KindUnticketedAccessChange); n != 0 {
		t.Fatalf("a grant under an approved request raised %d", n)
	}
	bg := g
	bg.Lane = schemas.LaneBreakGlass
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, bg), cfg, KindUnticketedAccessChange); n != 0 {
		t.Fatalf("a break-glass grant raised %d (break-glass has its own kinds)", n)
	}
	failed := g
	failed.Outcome = schemas.OutcomeFailure
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, failed), cfg, KindUnticketedAccessChange); n != 0 {
		t.Fatalf("a failed grant raised %d", n)
	}
}
