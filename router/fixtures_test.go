package router

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// labelledFixtures is the repository's set of real-shaped vendor events with the
// lane a security team expects (testdata/fixtures/README.md at the module root).
const labelledFixtures = "../testdata/fixtures/labelled-events.jsonl"

// minAgreement is the share of labelled fixtures the default policy must
// route to their labelled lane (issue 5, "Done when").
const minAgreement = 0.97

type labelledEvent struct {
	ID     string          `json:"id"`
	Source string          `json:"source"`
	Type   string          `json:"event_type"`
	Lane   schemas.Lane    `json:"lane"`
	Impact schemas.Impact  `json:"impact"`
	Why    string          `json:"why"`
	Event  json.RawMessage `json:"event"`
}

func readLabelled(t testing.TB) []labelledEvent {
	t.Helper()
	data, err := os.ReadFile(labelledFixtures)
	if err != nil {
		t.Fatalf("reading labelled fixtures: %v", err)
	}
	var out []labelledEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var le labelledEvent
		if err := json.Unmarshal(sc.Bytes(), &le); err != nil {
			t.Fatalf("%s:%d: %v", labelledFixtures, line, err)
		}
		out = append(out, le)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDefaultPolicyAgreesWithLabelledFixtures runs every labelled fixture
// through the ingest normalizer and the default policy, and requires the
// decided lane to agree with the label for at least minAgreement of them.
// Every disagreement is logged with the label's reasoning and the rule that
// decided, so the report can argue each one.
func TestDefaultPolicyAgreesWithLabelledFixtures(t *testing.T) {
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	fixtures := readLabelled(t)
	if len(fixtures) == 0 {
		t.Fatal("no labelled fixtures")
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	agree, impactAgree := 0, 0
	for _, f := range fixtures {
		evs, err := ingest.ParseFixture(f.Source, f.Event, now)
		if err != nil {
			t.Errorf("%s: ingest refused the fixture: %v", f.ID, err)
			continue
		}
		if len(evs) != 1 {
			t.Errorf("%s: ingest produced %d events, want 1", f.ID, len(evs))
			continue
		}
		d, err := p.Decide(&evs[0], now)
		if err != nil {
			t.Errorf("%s: decide: %v", f.ID, err)
			continue
		}
		if d.Lane == f.Lane {
			agree++
			if d.Impact == f.Impact {
				impactAgree++
			}
			continue
		}
		t.Logf("DISAGREE %s (%s %s): label %s/%s %q; policy %s/%s by rule %s (action %s, outcome %s)",
			f.ID, f.Source, f.Type, f.Lane, f.Impact, f.Why, d.Lane, d.Impact, d.RuleID, evs[0].Action, evs[0].Outcome)
	}
	share := float64(agree) / float64(len(fixtures))
	t.Logf("lane agreement %d/%d = %.1f%%; impact also agrees on %d of those", agree, len(fixtures), 100*share, impactAgree)
	if share < minAgreement {
		t.Errorf("lane agreement %.1f%% is below %.0f%%", 100*share, 100*minAgreement)
	}
}
