package auditor

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestHelpdeskPathAccessChange(t *testing.T) {
	cfg := detectCfg()
	g := grantFact("e1", "ann@corp.example", "agent@corp.example", "prod-deployers", schemas.PrivilegeWrite, dt0)
	ps := state("ann@corp.example", schemas.PrincipalHuman, g)
	ps.Incident["e1"] = &ticket{ticketFields: ticketFields{ID: "INC1", Kind: string(schemas.TicketIncident)}}
	if n := kinds(t, ps, cfg, KindHelpdeskPathAccess); n != 1 {
		t.Fatalf("a grant linked to an incident raised %d, want 1", n)
	}
	if n := kinds(t, ps, cfg, KindUnticketedAccessChange); n != 0 {
		t.Fatalf("it was also called unticketed (%d)", n)
	}
	ps.Match["e1"] = approved("RITM1", "ann@corp.example", "boss@corp.example")
	if n := kinds(t, ps, cfg, KindHelpdeskPathAccess); n != 0 {
		t.Fatalf("a grant with a governed request too raised %d", n)
	}
}
