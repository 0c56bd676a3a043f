package auditor

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestSelfApproved(t *testing.T) {
	cfg := detectCfg()
	ps := state("ann@corp.example", schemas.PrincipalHuman)
	ps.Tickets = []ticket{*approved("RITM1", "ann@corp.example", "ann@corp.example")}
	if n := kinds(t, ps, cfg, KindSelfApproved); n != 1 {
		t.Fatalf("a ticket approved by its beneficiary raised %d, want 1", n)
	}
	ps.Tickets = []ticket{*approved("RITM2", "ann@corp.example", "boss@corp.example")}
	if n := kinds(t, ps, cfg, KindSelfApproved); n != 0 {
		t.Fatalf("a ticket approved by someone else raised %d", n)
	}
}
