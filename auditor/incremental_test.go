package auditor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/schemas"
)

// randomHistory is rounds batches of random ledger events over a few
// principals: grants (some admin, some break-glass, some citing tickets),
// revokes, reviews, resets, disables, credential changes and tickets, mostly
// in time order but with late events and redelivered batches mixed in.
func randomHistory(seed uint64, rounds, size int) [][]schemas.RoutedEvent {
	rng := rand.New(rand.NewPCG(seed, 1))
	users := make([]*schemas.Principal, 8)
	for i := range users {
		users[i] = human(fmt.Sprintf("u%d@corp.example", i))
		if i%2 == 0 {
			users[i].Email = str(fmt.Sprintf("U%d@corp.example", i))
		}
	}
	users = append(users, human("breakglass-01@corp.example"))
	svcs := []*schemas.Principal{nhiP("svc-a"), nhiP("svc-b")}
	ents := []string{"app-1", "app-2", "prod-deployers", "ap-invoice-create", "ap-invoice-approve", "Super Admin"}
	actions := []schemas.Action{schemas.ActionAccessGrant, schemas.ActionAccessGrant, schemas.ActionAccessGrant,
		schemas.ActionAccessRevoke, schemas.ActionAccessReviewed, schemas.ActionMFAReset, schemas.ActionPasswordReset,
		schemas.ActionAccountDisable, schemas.ActionAccountEnable, schemas.ActionSignIn}
	seq := 0
	var out [][]schemas.RoutedEvent
	for r := range rounds {
		if r > 2 && rng.IntN(8) == 0 {
			out = append(out, out[rng.IntN(len(out))]) // redelivery
			continue
		}
		base := t0.Add(time.Duration(r) * 3 * time.Hour)
		var batch []schemas.RoutedEvent
		for range size {
			seq++
			at := base.Add(time.Duration(rng.IntN(180)) * time.Minute)
			if rng.IntN(15) == 0 {
				at = at.Add(-time.Duration(1+rng.IntN(20)) * time.Hour) // late
			}
			u := users[rng.IntN(len(users))]
			ev := schemas.IdentityEvent{
				EventID: fmt.Sprintf("OKTA:r%d", seq), Source: schemas.SourceOkta, SourceEventType: "test",
				Category: schemas.CategoryIAM, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess,
				Actor: admin, Subject: u,
			}
			dec := schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "r", DecidedAt: at}
			switch k := rng.IntN(12); {
			case k < 2:
				svc := svcs[rng.IntN(len(svcs))]
				ev.Subject, ev.Actor = svc, svc
				ev.Action = []schemas.Action{schemas.ActionCredentialCreate, schemas.ActionCredentialRotate,
					schemas.ActionCredentialDelete, schemas.ActionAccessGrant}[rng.IntN(4)]
				ev.Credential = &schemas.Credential{ID: fmt.Sprintf("key-%d", rng.IntN(3)), Kind: schemas.CredentialAccessKey}
				if rng.IntN(2) == 0 {
					ev.Credential.Owner = admin
				}
				if ev.Action == schemas.ActionAccessGrant {
					ev.Credential = nil
					ev.Entitlement = group("deploy", schemas.PrivilegeWrite)
				}
				dec.Lane = schemas.LaneNHI
			case k < 4:
				seq++
				// A ticket keeps its kind and beneficiary; its events change
				// its approval, dates and proofing.
				n := rng.IntN(40)
				tid, u := fmt.Sprintf("RITM%d", n), users[n%len(users)]
				kind := []schemas.TicketKind{schemas.TicketServiceRequest, schemas.TicketIncident, schemas.TicketAccessReview}[n%3]
				t := schemas.Ticket{ID: tid, System: "servicenow", Kind: kind, State: "approved", Approval: schemas.ApprovalApproved,
					Approver: human("mgr@corp.example"), Requester: u, RequestedFor: u,
					RequestedEntitlement: str(ents[rng.IntN(len(ents))]), Justification: str("work")}
				if rng.IntN(3) == 0 {
					t.Approver = u
				}
				if rng.IntN(2) == 0 {
					t.ReviewDue = tp(at.Add(30 * 24 * time.Hour))
				}
				if rng.IntN(3) == 0 {
					t.IdentityVerified = new(true)
				}
				action := schemas.ActionTicketApproved
				if kind == schemas.TicketServiceRequest && rng.IntN(3) == 0 {
					// A request moving through its states: nothing the audit reads changes.
					t = schemas.Ticket{ID: tid, System: "servicenow", Kind: kind, State: []string{"in progress", "closed"}[rng.IntN(2)]}
					action = schemas.ActionTicketUpdated
				}
				ev = schemas.IdentityEvent{EventID: fmt.Sprintf("SERVICENOW:r%d", seq), Source: schemas.SourceServiceNow,
					SourceEventType: "test", Category: schemas.CategoryTicket, Action: action,
					OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess, Ticket: &t}
			default:
				ev.Action = actions[rng.IntN(len(actions))]
				if ev.Action == schemas.ActionAccessGrant || ev.Action == schemas.ActionAccessRevoke ||
					(ev.Action == schemas.ActionAccessReviewed && rng.IntN(2) == 0) {
					priv := schemas.PrivilegeRead
					if rng.IntN(4) == 0 {
						priv = schemas.PrivilegeAdmin
					}
					ev.Entitlement = group(ents[rng.IntN(len(ents))], priv)
				}
				if ev.Action == schemas.ActionAccessGrant && rng.IntN(3) == 0 {
					ev.TicketRefs = []string{fmt.Sprintf("RITM%d", rng.IntN(40))}
				}
				if rng.IntN(10) == 0 {
					dec.Lane = schemas.LaneBreakGlass
				}
			}
			batch = append(batch, schemas.RoutedEvent{Event: ev, Decision: dec})
		}
		out = append(out, batch)
	}
	return out
}

// incrementalSeed is the seed of TestIncrementalMatchesReplay's history.
var incrementalSeed uint64 = 42

// TestIncrementalMatchesReplay writes the same random history through an
// auditor that applies batches on top of the stored ledgers and one that
// replays every touched principal's history (and refreshes every principal a
// changed ticket concerns, even when no field the audit reads changed), and requires the same findings
// changes after every batch and sweep and the same ledger and finding rows at
// the end, with both paths taken.
func TestIncrementalMatchesReplay(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.SoDPairs = [][2]string{{"ap-invoice-create", "ap-invoice-approve"}}
	cfg.BreakGlassAccounts = []string{"breakglass-01@corp.example"}
	cfg.PrivilegedEntitlements = []string{"prod-deployers"}
	clock := &fakeClock{now: t0}
	reg := prometheus.NewRegistry()
	open := func(replay bool, reg prometheus.Registerer) (*Auditor, Store) {
		s := newStore(t)
		if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		a, err := New(s, cfg, Options{Clock: clock.Now, Registerer: reg})
		if err != nil {
			t.Fatalf("new auditor: %v", err)
		}
		a.replayAll = replay
		return a, s
	}
	incr, incrStore := open(false, reg)
	replay, replayStore := open(true, nil)
	summary := func(fs []schemas.Finding) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.FindingID + " " + f.Kind + " " + string(f.Status)
		}
		slices.Sort(out)
		return out
	}
	for r, batch := range randomHistory(incrementalSeed, 40, 30) {
		clock.now = t0.Add(time.Duration(r)*3*time.Hour + 4*time.Hour)
		got, err := incr.WriteBatch(ctx, batch)
		if err != nil {
			t.Fatalf("batch %d incremental: %v", r, err)
		}
		want, err := replay.WriteBatch(ctx, batch)
		if err != nil {
			t.Fatalf("batch %d replay: %v", r, err)
		}
		if g, w := summary(got), summary(want); !slices.Equal(g, w) {
			t.Fatalf("batch %d: findings changed\n incremental %q\n replay      %q", r, g, w)
		}
		if r%5 == 4 {
			got, err := incr.Sweep(ctx, clock.now)
			if err != nil {
				t.Fatal(err)
			}
			want, err := replay.Sweep(ctx, clock.now)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := summary(got), summary(want); !slices.Equal(g, w) {
				t.Fatalf("sweep after batch %d\n incremental %q\n replay      %q", r, g, w)
			}
		}
	}
	for _, q := range []string{
		"SELECT " + grantSelect + " FROM grants FINAL ORDER BY principal, entitlement_key",
		"SELECT " + credentialSelect + " FROM credentials FINAL ORDER BY principal, credential_id",
		"SELECT " + findingSelect + " FROM findings FINAL ORDER BY principal, finding_id",
	} {
		got, err := incrStore.Query(ctx, q+aliasSafe)
		if err != nil {
			t.Fatal(err)
		}
		want, err := replayStore.Query(ctx, q+aliasSafe)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w || len(got) == 0 {
			t.Fatalf("%s\n incremental %d rows %s\n replay      %d rows %s", q, len(got), g, len(want), w)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n, full float64
	for _, fam := range families {
		if fam.GetName() != "tollgate_auditor_principal_refreshes_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			if m.GetLabel()[0].GetValue() == "incremental" {
				n = m.GetCounter().GetValue()
			} else {
				full = m.GetCounter().GetValue()
			}
		}
	}
	if n == 0 || full == 0 {
		t.Fatalf("refreshes: %v incremental, %v full; the history must exercise both paths", n, full)
	}
	byLabel := func(name string) map[string]float64 {
		out := map[string]float64{}
		for _, fam := range families {
			if fam.GetName() == name {
				for _, m := range fam.GetMetric() {
					out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
		return out
	}
	tickets, replays := byLabel("tollgate_auditor_ticket_changes_total"), byLabel("tollgate_auditor_replay_sources_total")
	if tickets["audited"] == 0 || tickets["unchanged"] == 0 {
		t.Fatalf("ticket changes %v: the history must change tickets both ways the audit reads and not", tickets)
	}
	if replays["memory"] == 0 || replays["store"] == 0 {
		t.Fatalf("replays %v: the history must replay principals from memory and from the store", replays)
	}
	t.Logf("refreshes: %v incremental, %v full; ticket changes %v; replays %v", n, full, tickets, replays)
}
