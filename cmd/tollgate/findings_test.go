package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/schemas"
)

func sampleFindings() []schemas.Finding {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("a very long summary that goes on ", 10)
	return []schemas.Finding{
		{FindingID: "0123456789abcdef0123456789abcdef", Kind: auditor.KindReviewOverdue, Severity: schemas.SeverityMedium, Status: schemas.FindingOpen,
			Principal: "someone-with-a-very-long-principal-name@corp.example", Summary: long, DetectedAt: at.Add(3 * time.Hour)},
		{FindingID: "fedcba9876543210fedcba9876543210", Kind: auditor.KindMFAResetThenPrivilege, Severity: schemas.SeverityCritical, Status: schemas.FindingOpen,
			Principal: "ann@corp.example", Summary: "MFA_RESET of ann followed by admin", DetectedAt: at},
		{FindingID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Kind: auditor.KindUnticketedAccessChange, Severity: schemas.SeverityHigh, Status: schemas.FindingResolved,
			Principal: "bob@corp.example", Summary: "ACCESS_GRANT of okta:finance to bob", DetectedAt: at.Add(time.Hour)},
	}
}

// TestFindingsTableBySeverityIn120Columns: the table lists the most severe first, one line
// a finding no wider than 120 columns, and ends with the count.
func TestFindingsTableBySeverityIn120Columns(t *testing.T) {
	var b bytes.Buffer
	if err := writeFindings(&b, "table", sampleFindings()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 || lines[4] != "3 findings" {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > tableWidth {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	for i, want := range []string{"fedcba9876 CRIT", "aaaaaaaaaa HIGH RES", "0123456789 MED"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("line %d = %q, want it to start %q", i+1, lines[i+1], want)
		}
	}
}

func TestFindingsRefusesAnUnknownKind(t *testing.T) {
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"findings", "--kind", "UNTICKETED"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), `"UNTICKETED" is not a finding kind`) || !strings.Contains(err.Error(), auditor.KindUnticketedAccessChange) {
		t.Fatalf("err = %v", err)
	}
}

// TestFindingDetail: findings show prints the finding, what to do about it, and its
// evidence events.
func TestFindingDetail(t *testing.T) {
	f := sampleFindings()[1]
	f.EventIDs = []string{"okta:r1", "cloudtrail:e2"}
	ev := &app.QueryResult{Columns: []string{"event_id", "occurred_at", "source"}, Rows: []auditor.Row{
		{"event_id": "okta:r1", "occurred_at": "2026-12-01 08:00:00", "source": "OKTA", "source_event_type": "user.mfa.factor.reset_all", "action": "MFA_RESET"},
		{"event_id": "cloudtrail:e2", "occurred_at": "2026-12-01 09:00:00", "source": "CLOUDTRAIL", "source_event_type": "AttachUserPolicy", "action": "ACCESS_GRANT"},
	}}
	until := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	accepted := auditor.TriageDecision{FindingID: f.FindingID, Action: auditor.TriageAcceptRisk, Actor: "cis", Owner: "ciso",
		Reason: "vendor migration", Until: &until, At: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	triage := auditor.TriageState{State: auditor.TriageAcceptRisk, Latest: &accepted, Decision: []auditor.TriageDecision{
		{FindingID: f.FindingID, Action: auditor.TriageAcknowledge, Actor: "sam", At: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}, accepted}}
	var b bytes.Buffer
	if err := writeFindingDetail(&b, f, ev, triage); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"fedcba9876543210fedcba9876543210", "what to do", "account-takeover", "evidence (2 events)", "user.mfa.factor.reset_all", "AttachUserPolicy",
		"ACCEPT_RISK by cis", "owner ciso, until 2026-12-31T00:00:00Z", "triage decisions (2)", "ACKNOWLEDGE  sam"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	for _, k := range auditor.Kinds() {
		if auditor.Advice(k) == "" {
			t.Errorf("kind %s has no advice", k)
		}
	}
}
