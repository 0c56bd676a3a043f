package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestSoDConflict(t *testing.T) {
	cfg := detectCfg()
	a := grantFact("e1", "ann@corp.example", "x@corp.example", "ap-invoice-create", schemas.PrivilegeWrite, dt0)
	b := grantFact("e2", "ann@corp.example", "x@corp.example", "ap-invoice-approve", schemas.PrivilegeWrite, dt0.Add(time.Hour))
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, a, b), cfg, KindSoDConflict); n != 1 {
		t.Fatalf("holding both sides of a pair raised %d, want 1", n)
	}
	ps := state("ann@corp.example", schemas.PrincipalHuman, a, b)
	ps.Grants[0].State = stateRevoked
	if n := kinds(t, ps, cfg, KindSoDConflict); n != 0 {
		t.Fatalf("one side revoked raised %d", n)
	}
}
