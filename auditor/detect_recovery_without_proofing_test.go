package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestRecoveryWithoutProofing(t *testing.T) {
	cfg := detectCfg()
	reset := fact{EventID: "r1", Principal: "ann@corp.example", Category: schemas.CategoryIAM, Action: schemas.ActionPasswordReset,
		Outcome: schemas.OutcomeSuccess, OccurredAt: dt0, ActorID: "agent@corp.example", SubjectID: "ann@corp.example"}
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, reset), cfg, KindRecoveryWithoutProofing); n != 1 {
		t.Fatalf("a reset by someone else with no proofing raised %d, want 1", n)
	}
	self := reset
	self.ActorID = "ann@corp.example"
	if n := kinds(t, state("ann@corp.example", schemas.PrincipalHuman, self), cfg, KindRecoveryWithoutProofing); n != 0 {
		t.Fatalf("a self-service reset raised %d", n)
	}
	ps := state("ann@corp.example", schemas.PrincipalHuman, reset)
	yes := true
	ps.Tickets = []ticket{{ticketFields: ticketFields{ID: "INC1", Kind: string(schemas.TicketIncident), RequestedFor: "ann@corp.example", IdentityVerified: &yes},
		OpenedAt: dt0.Add(-time.Hour), UpdatedAt: dt0}}
	if n := kinds(t, ps, cfg, KindRecoveryWithoutProofing); n != 0 {
		t.Fatalf("a reset with an identity-proofed incident raised %d", n)
	}
}
