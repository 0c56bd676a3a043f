package auditor

import (
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// The per-kind detection tests judge in-memory ledger state, no engine: each kind's file
// has a case that raises it and cases that must not.

var dt0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func detectCfg() *Config {
	c := DefaultConfig()
	c.SoDPairs = [][2]string{{"ap-invoice-create", "ap-invoice-approve"}}
	c.BreakGlassAccounts = []string{"breakglass@corp.example"}
	c.PrivilegedEntitlements = []string{"prod-deployers"}
	return &c
}

// grantFact is a successful grant of ent to subject by actor at t.
func grantFact(id, subject, actor, ent string, priv schemas.Privilege, at time.Time) fact {
	return fact{EventID: id, Principal: subject, Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant,
		Outcome: schemas.OutcomeSuccess, Lane: schemas.LaneServiceDesk, OccurredAt: at, ActorID: actor, SubjectID: subject,
		SubjectType: schemas.PrincipalHuman, EntID: ent, EntName: ent, EntPriv: priv, EntSystem: "okta"}
}

// activeGrant is the ledger row a grant fact left.
func activeGrant(f fact) grant {
	return grant{Principal: f.Principal, PrincipalType: string(f.SubjectType), Key: f.EntID, EntID: f.EntID, EntName: f.EntName,
		System: f.EntSystem, Privilege: string(f.EntPriv), State: stateActive, Lane: string(f.Lane), GrantedAt: f.OccurredAt, GrantEvent: f.EventID}
}

// state is a principal whose history is evs (grants in it still held unless revoked).
func state(id string, typ schemas.PrincipalType, evs ...fact) *principalState {
	ps := &principalState{ID: id, Type: typ, Events: evs, Match: map[string]*ticket{}, Incident: map[string]*ticket{}}
	for _, f := range evs {
		if f.accessChange() {
			ps.Grants = append(ps.Grants, activeGrant(f))
		}
	}
	return ps
}

// kinds returns how many findings of kind the state raises.
func kinds(t *testing.T, ps *principalState, cfg *Config, kind string) int {
	t.Helper()
	n := 0
	for _, f := range ps.eventFindings(cfg) {
		if f.Kind == kind {
			n++
			if f.Principal != ps.ID || len(f.EventIDs) == 0 || f.Summary == "" {
				t.Errorf("finding %+v names no principal, evidence or summary", f)
			}
		}
	}
	return n
}

func ledgerKindsOf(grants []grant, creds []credential, now time.Time, cfg *Config, kind string) int {
	n := 0
	for _, f := range ledgerFindings(grants, creds, now, cfg) {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

func approved(id, forP, approver string) *ticket {
	due := dt0.Add(90 * 24 * time.Hour)
	return &ticket{ticketFields: ticketFields{ID: id, Kind: string(schemas.TicketServiceRequest), Approval: string(schemas.ApprovalApproved),
		Approver: approver, Requester: forP, RequestedFor: forP, Justification: "project X", ReviewDue: &due}, ApprovalEvent: "SERVICENOW:" + id}
}

func tp2(t time.Time) *time.Time { return &t }
