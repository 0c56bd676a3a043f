package ingest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzParser checks that a parser never panics, that a whole-body failure is an
// *EventError with index -1 and every item failure one with the item's index and bytes,
// each wrapping a sentinel the HTTP layer maps to 4xx, and that accepted events passed the
// validation (occurred_at in range).
func fuzzParser(f *testing.F, source string, seeds ...string) {
	for _, s := range seeds {
		if b, err := os.ReadFile(filepath.Join("testdata", s)); err == nil {
			f.Add(b)
		} else {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	p := Parsers(ParserOptions{})[source]
	classified := func(err error) bool {
		return errors.Is(err, ErrMalformed) || errors.Is(err, ErrShape) || errors.Is(err, ErrMissingField) || errors.Is(err, ErrEmpty) || errors.Is(err, ErrInvalidField)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := p.ParseBatch(body, testNow)
		if err != nil {
			var ee *EventError
			if !errors.As(err, &ee) || ee.Index != -1 || !classified(err) {
				t.Fatalf("body error %v is not a classified *EventError of the whole body", err)
			}
			return
		}
		if len(b.Events) != len(b.Origin) {
			t.Fatalf("%d events, %d origins", len(b.Events), len(b.Origin))
		}
		for _, fe := range b.Failed {
			if fe.Index < 0 || fe.Index >= b.Items || len(fe.Raw) == 0 || !classified(fe) {
				t.Fatalf("item failure %v (index %d of %d, %d raw bytes) is not a classified item error", fe, fe.Index, b.Items, len(fe.Raw))
			}
		}
		for i, e := range b.Events {
			if b.Origin[i] < 0 || b.Origin[i] >= b.Items {
				t.Fatalf("event %d from item %d of %d", i, b.Origin[i], b.Items)
			}
			if e.EventID == "" || e.Attributes == nil || e.TicketRefs == nil {
				t.Fatalf("incomplete event %+v", e)
			}
			if e.OccurredAt.Before(MinOccurredAt) || e.OccurredAt.After(testNow.Add(MaxOccurredAtAhead)) {
				t.Fatalf("occurred_at %v outside the validated range", e.OccurredAt)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("event does not marshal: %v", err)
			}
		}
	})
}

func FuzzOkta(f *testing.F) { fuzzParser(f, SourceOkta, "okta_hook.json") }

func FuzzEntra(f *testing.F) { fuzzParser(f, SourceEntra, "entra_eventhubs.json") }

func FuzzCloudTrail(f *testing.F) {
	fuzzParser(f, SourceCloudTrail, "cloudtrail_records.json", "cloudtrail_eventbridge.json", "cloudtrail_sharing.json")
}

func FuzzWorkspace(f *testing.F) { fuzzParser(f, SourceGoogleWorkspace, "workspace_multi.json") }

func FuzzServiceNow(f *testing.F) {
	fuzzParser(f, SourceServiceNow, "servicenow_ritm.json", "servicenow_change.json")
}

func FuzzJiraSM(f *testing.F) { fuzzParser(f, SourceJiraSM, "jira_updated.json") }

func FuzzGeneric(f *testing.F) { fuzzParser(f, SourceGeneric, "generic_cloudevent.json") }

// FuzzAnalyzePolicy: policy documents come from outside too.
func FuzzAnalyzePolicy(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	f.Add(`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Principal":{"AWS":["*"]}}}`)
	f.Fuzz(func(t *testing.T, doc string) { _ = AnalyzePolicy(doc) })
}
