package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestMFAResetThenPrivilege(t *testing.T) {
	cfg := detectCfg()
	reset := fact{EventID: "r1", Principal: "ann@corp.example", Category: schemas.CategoryIAM, Action: schemas.ActionMFAReset,
		Outcome: schemas.OutcomeSuccess, OccurredAt: dt0, ActorID: "agent@corp.example", SubjectID: "ann@corp.example"}
	soon := grantFact("e1", "ann@corp.example", "x@corp.example", "prod-deployers", schemas.PrivilegeWrite, dt0.Add(2*time.Hour))
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, reset, soon), cfg, KindMFAResetThenPrivilege); n != 1 {
		t.Fatalf("a privileged grant 2h after an MFA reset raised %d, want 1", n)
	}
	late := soon
	late.OccurredAt = dt0.Add(cfg.MFAResetWindow + time.Hour)
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, reset, late), cfg, KindMFAResetThenPrivilege); n != 0 {
		t.Fatalf("a grant past the window raised %d", n)
	}
	plain := grantFact("e2", "ann@corp.example", "x@corp.example", "wiki-readers", schemas.PrivilegeRead, dt0.Add(time.Hour))
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, reset, plain), cfg, KindMFAResetThenPrivilege); n != 0 {
		t.Fatalf("an unprivileged grant raised %d", n)
	}
}
