package auditor

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// triageFixture is an auditor over a store holding one open finding, with its clock.
func triageFixture(t *testing.T) (*Auditor, *fakeClock, string) {
	t.Helper()
	ctx := context.Background()
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: t0}
	a, err := New(s, DefaultConfig(), Options{Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	grant := schemas.RoutedEvent{Event: schemas.IdentityEvent{EventID: "OKTA:g1", Source: schemas.SourceOkta, SourceEventType: "group.user_membership.add",
		Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant, Outcome: schemas.OutcomeSuccess, OccurredAt: t0, IngestedAt: t0,
		Actor: admin, Subject: human("ann@corp.example"), Entitlement: group("finance", schemas.PrivilegeRead)},
		Decision: schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactMedium, RuleID: "r", DecidedAt: t0}}
	opened, err := a.WriteBatch(ctx, []schemas.RoutedEvent{grant})
	if err != nil || len(opened) == 0 {
		t.Fatalf("no finding to triage: %v %v", opened, err)
	}
	return a, clock, opened[0].FindingID
}

func TestTriageDecisionsAreKeptAndTheLatestHolds(t *testing.T) {
	ctx := context.Background()
	a, clock, id := triageFixture(t)
	steps := []struct {
		d    TriageDecision
		want TriageAction
	}{
		{TriageDecision{Action: TriageAcknowledge, Actor: "sam"}, TriageAcknowledge},
		{TriageDecision{Action: TriageAssign, Actor: "sam", Assignee: "iam-team"}, TriageAssign},
		{TriageDecision{Action: TriageFalsePositive, Actor: "kim", Reason: "test account"}, TriageFalsePositive},
		{TriageDecision{Action: TriageReopen, Actor: "lee"}, ""},
	}
	for i, st := range steps {
		clock.now = t0.Add(time.Duration(i+1) * time.Minute)
		st.d.FindingID = id
		if _, err := a.Triage(ctx, st.d); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := a.Triages(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if s := got[id]; s.State != st.want || len(s.Decision) != i+1 || s.Latest.Action != st.d.Action || s.Latest.Actor != st.d.Actor {
			t.Fatalf("after %s: state %+v, want %q with %d decisions", st.d.Action, s, st.want, i+1)
		}
	}
	got, _ := a.Triages(ctx, []string{id})
	if d := got[id].Decision; d[1].Assignee != "iam-team" || d[2].Reason != "test account" || !d[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("history %+v", d)
	}
}

func TestAcceptedRiskComesBackAfterItsExpiry(t *testing.T) {
	ctx := context.Background()
	a, clock, id := triageFixture(t)
	until := t0.Add(7 * 24 * time.Hour)
	d, err := a.Triage(ctx, TriageDecision{FindingID: id, Action: TriageAcceptRisk, Actor: "cis", Reason: "vendor migration", Until: &until})
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != "cis" {
		t.Fatalf("owner %q: an acceptance without an owner is its actor's", d.Owner)
	}
	for _, c := range []struct {
		at      time.Time
		state   TriageAction
		expired bool
	}{{t0.Add(time.Hour), TriageAcceptRisk, false}, {until.Add(-time.Second), TriageAcceptRisk, false}, {until, "", true}, {until.Add(30 * 24 * time.Hour), "", true}} {
		clock.now = c.at
		got, err := a.Triages(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if s := got[id]; s.State != c.state || s.Expired != c.expired {
			t.Fatalf("at %s: state %q expired %v, want %q %v", c.at, s.State, s.Expired, c.state, c.expired)
		}
	}
}

func TestTriageRefusesIncompleteDecisions(t *testing.T) {
	ctx := context.Background()
	a, _, id := triageFixture(t)
	past, future := t0.Add(-time.Hour), t0.Add(time.Hour)
	for _, c := range []struct {
		d    TriageDecision
		want string
	}{
		{TriageDecision{FindingID: id, Action: "SNOOZE", Actor: "x"}, "not one of"},
		{TriageDecision{FindingID: id, Action: TriageAcknowledge}, "actor is empty"},
		{TriageDecision{FindingID: id, Action: TriageAssign, Actor: "x"}, "needs an assignee"},
		{TriageDecision{FindingID: id, Action: TriageFalsePositive, Actor: "x"}, "needs a reason"},
		{TriageDecision{FindingID: id, Action: TriageAcceptRisk, Actor: "x", Reason: "r"}, "needs an expiry"},
		{TriageDecision{FindingID: id, Action: TriageAcceptRisk, Actor: "x", Reason: "r", Until: &past}, "not in the future"},
		{TriageDecision{FindingID: id, Action: TriageAcknowledge, Actor: "x", Until: &future}, "only ACCEPT_RISK"},
	} {
		_, err := a.Triage(ctx, c.d)
		if !errors.Is(err, ErrInvalidTriage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want ErrInvalidTriage naming %q", c.d, err, c.want)
		}
	}
	if _, err := a.Triage(ctx, TriageDecision{FindingID: "nope", Action: TriageAcknowledge, Actor: "x"}); !errors.Is(err, ErrUnknownFinding) {
		t.Fatalf("unknown finding: %v", err)
	}
	got, err := a.Triages(ctx, []string{id, "nope"})
	if err != nil || len(got) != 0 {
		t.Fatalf("refused decisions were recorded: %v %v", got, err)
	}
}
