package ingest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzParser checks that a parser never panics and that every failure is an *EventError
// wrapping one of the sentinels the HTTP layer maps to 4xx.
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
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := p.Parse(body, testNow)
		if err != nil {
			var ee *EventError
			if !errors.As(err, &ee) || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrShape) || errors.Is(err, ErrMissingField) || errors.Is(err, ErrEmpty)) {
				t.Fatalf("error %v is not a classified *EventError", err)
			}
			return
		}
		for _, e := range evs {
			if e.EventID == "" || e.Attributes == nil || e.TicketRefs == nil {
				t.Fatalf("incomplete event %+v", e)
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
	fuzzParser(f, SourceCloudTrail, "cloudtrail_records.json", "cloudtrail_eventbridge.json")
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
