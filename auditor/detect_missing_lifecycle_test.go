package auditor

import (
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestMissingLifecycle(t *testing.T) {
	cfg := detectCfg()
	g := grantFact("e1", "ann@corp.example", "admin@corp.example", "finance-readers", schemas.PrivilegeRead, dt0)
	ps := state("ann@corp.example", schemas.PrincipalHuman, g)
	complete := approved("RITM1", "ann@corp.example", "boss@corp.example")
	ps.Match["e1"] = complete
	if n := kinds(t, ps, cfg, KindMissingLifecycle); n != 0 {
		t.Fatalf("a complete request raised %d", n)
	}
	lacking := *complete
	lacking.Justification, lacking.ReviewDue = "", nil
	ps.Match["e1"] = &lacking
	fs := ps.eventFindings(cfg)
	if len(fs) != 1 || fs[0].Kind != KindMissingLifecycle || fs[0].TicketID == nil || *fs[0].TicketID != "RITM1" {
		t.Fatalf("findings %+v, want one MISSING_LIFECYCLE under RITM1", fs)
	}
}
