package auditor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TriageAction is a decision people make about a finding, beside the engine's OPEN and
// RESOLVED. Every decision is kept (table finding_triage, schema v4); a finding's triage
// state is its latest decision, read at a clock time because an accepted risk expires.
type TriageAction string

// The triage decisions.
const (
	// TriageAcknowledge: someone has seen the finding and is on it.
	TriageAcknowledge TriageAction = "ACKNOWLEDGE"
	// TriageAssign: the finding is someone's to resolve (Assignee).
	TriageAssign TriageAction = "ASSIGN"
	// TriageFalsePositive: the finding is wrong (Reason says why).
	TriageFalsePositive TriageAction = "FALSE_POSITIVE"
	// TriageAcceptRisk: the risk is accepted by Owner for Reason until Until; after that
	// the finding is back.
	TriageAcceptRisk TriageAction = "ACCEPT_RISK"
	// TriageReopen: the earlier decisions no longer hold.
	TriageReopen TriageAction = "REOPEN"
)

// TriageActions are the decisions, in the order the CLI lists them.
var TriageActions = []TriageAction{TriageAcknowledge, TriageAssign, TriageFalsePositive, TriageAcceptRisk, TriageReopen}

// ErrInvalidTriage reports a decision that cannot be recorded; the message names the field.
var ErrInvalidTriage = errors.New("auditor: invalid triage decision")

// ErrUnknownFinding reports a decision about a finding id that is not stored.
var ErrUnknownFinding = errors.New("auditor: no such finding")

// TriageDecision is one recorded decision about a finding.
type TriageDecision struct {
	FindingID string       `json:"finding_id"`
	Action    TriageAction `json:"action"`
	Actor     string       `json:"actor"`
	Assignee  string       `json:"assignee,omitempty"`
	Owner     string       `json:"owner,omitempty"`
	Reason    string       `json:"reason,omitempty"`
	Until     *time.Time   `json:"until,omitempty"`
	At        time.Time    `json:"at"`
}

// TriageState is a finding's triage state at a clock time: its latest decision, unless that
// was REOPEN or an accepted risk that has expired (then State is empty: the finding is
// untriaged again, and Expired says so).
type TriageState struct {
	State    TriageAction     `json:"state,omitempty"`
	Latest   *TriageDecision  `json:"latest,omitempty"`
	Expired  bool             `json:"risk_acceptance_expired,omitempty"`
	Decision []TriageDecision `json:"decisions"`
}

// validate checks d against the decisions' required fields at now.
func (d *TriageDecision) validate(now time.Time) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidTriage, fmt.Sprintf(format, args...))
	}
	switch {
	case !slices.Contains(TriageActions, d.Action):
		return bad("action %q is not one of %v", d.Action, TriageActions)
	case strings.TrimSpace(d.FindingID) == "":
		return bad("finding_id is empty")
	case strings.TrimSpace(d.Actor) == "":
		return bad("actor is empty: say who decides")
	case d.Action == TriageAssign && strings.TrimSpace(d.Assignee) == "":
		return bad("ASSIGN needs an assignee")
	case d.Action == TriageFalsePositive && strings.TrimSpace(d.Reason) == "":
		return bad("FALSE_POSITIVE needs a reason")
	case d.Action == TriageAcceptRisk && strings.TrimSpace(d.Reason) == "":
		return bad("ACCEPT_RISK needs a reason")
	case d.Action == TriageAcceptRisk && d.Until == nil:
		return bad("ACCEPT_RISK needs an expiry (until)")
	case d.Action == TriageAcceptRisk && !d.Until.After(now):
		return bad("ACCEPT_RISK expiry %s is not in the future", d.Until.UTC().Format(time.RFC3339))
	case d.Action != TriageAcceptRisk && d.Until != nil:
		return bad("only ACCEPT_RISK takes an expiry")
	}
	return nil
}

var triageColumns = []string{"finding_id", "at", "seq", "action", "actor", "assignee", "owner", "reason", "until"}

// Triage records decision d about a stored finding at the auditor's clock and returns it as
// stored. An ACCEPT_RISK without an owner is owned by its actor.
func (a *Auditor) Triage(ctx context.Context, d TriageDecision) (TriageDecision, error) {
	now := a.clock().UTC()
	d.FindingID, d.Actor = strings.TrimSpace(d.FindingID), strings.TrimSpace(d.Actor)
	if d.Action == TriageAcceptRisk && strings.TrimSpace(d.Owner) == "" {
		d.Owner = d.Actor
	}
	if err := d.validate(now); err != nil {
		return TriageDecision{}, err
	}
	rows, err := a.store.Query(ctx, "SELECT count() AS n FROM findings WHERE finding_id = "+quote(d.FindingID))
	if err != nil {
		return TriageDecision{}, fmt.Errorf("auditor: look up finding: %w", err)
	}
	if rows[0].Int("n") == 0 {
		return TriageDecision{}, fmt.Errorf("%w: %q", ErrUnknownFinding, d.FindingID)
	}
	d.At = milli(now)
	if d.Until != nil {
		d.Until = tp(milli(*d.Until))
	}
	row := []any{d.FindingID, d.At, uint64(now.UnixMicro()), string(d.Action), d.Actor, d.Assignee, d.Owner, d.Reason, d.Until}
	if err := a.store.Insert(ctx, "finding_triage", triageColumns, [][]any{row}); err != nil {
		return TriageDecision{}, fmt.Errorf("auditor: record triage decision: %w", err)
	}
	a.log.Info("triage", "finding", d.FindingID, "action", d.Action, "actor", d.Actor)
	return d, nil
}

// Triages returns the triage state of each of ids at the auditor's clock (ids without a
// decision have none in the map).
func (a *Auditor) Triages(ctx context.Context, ids []string) (map[string]TriageState, error) {
	rows, err := a.queryIn(ctx, sqlTriageOf, ids)
	if err != nil {
		return nil, fmt.Errorf("auditor: read triage decisions: %w", err)
	}
	byID := map[string][]TriageDecision{}
	for _, r := range rows {
		d := TriageDecision{FindingID: r.String("finding_id"), Action: TriageAction(r.String("action")),
			Actor: r.String("actor"), Assignee: r.String("assignee"), Owner: r.String("owner"),
			Reason: r.String("reason"), Until: r.NullTime("until"), At: r.Time("at")}
		byID[d.FindingID] = append(byID[d.FindingID], d)
	}
	now := a.clock().UTC()
	out := make(map[string]TriageState, len(byID))
	for id, ds := range byID {
		out[id] = triageState(ds, now)
	}
	return out, nil
}

// triageState is the state decisions (oldest first) leave at now.
func triageState(ds []TriageDecision, now time.Time) TriageState {
	st := TriageState{Decision: ds}
	if len(ds) == 0 {
		return st
	}
	last := ds[len(ds)-1]
	st.Latest = &last
	switch {
	case last.Action == TriageReopen:
	case last.Action == TriageAcceptRisk && last.Until != nil && !now.Before(*last.Until):
		st.Expired = true
	default:
		st.State = last.Action
	}
	return st
}
