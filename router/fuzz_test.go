package router

import (
	"errors"
	"testing"
	"time"
)

// FuzzLoadPolicy: any text either loads or fails with ErrInvalidPolicy; a
// loaded policy decides an empty event without panicking.
func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte(minimalPolicy))
	f.Add(DefaultPolicyText())
	f.Add([]byte("version: 1\nrules:\n  - id: a\n    when: 'event.attributes[\"x\"] == \"y\"'\n    lane: OBSERVE\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := LoadPolicy(text)
		if err != nil {
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("error does not wrap ErrInvalidPolicy: %v", err)
			}
			return
		}
		ev, _ := DecodeEventJSON([]byte(`{"event_id":"x"}`))
		if _, err := p.Decide(ev, time.Now()); err != nil && !errors.Is(err, ErrEvaluation) {
			t.Fatalf("decide error does not wrap ErrEvaluation: %v", err)
		}
	})
}

// FuzzDecodeEventJSON: canonical JSON input from explain/test files never
// panics, and a decoded event can be decided by the default policy.
func FuzzDecodeEventJSON(f *testing.F) {
	f.Add([]byte(`{"event_id":"okta:1","source":"OKTA","action":"SIGN_IN","outcome":"SUCCESS","actor":{"id":"a","source_id":"a","type":"HUMAN"}}`))
	f.Add([]byte(`{"ticket":{"kind":"INCIDENT","request_type":"reset password"},"category":"TICKET"}`))
	p, err := DefaultPolicy()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEventJSON(data)
		if err != nil {
			return
		}
		if _, err := p.Decide(ev, time.Now()); err != nil && !errors.Is(err, ErrEvaluation) {
			t.Fatalf("decide: %v", err)
		}
	})
}

// FuzzParseTestFile: policy test files never panic the parser.
func FuzzParseTestFile(f *testing.F) {
	f.Add([]byte("cases:\n  - name: a\n    event: {action: SIGN_IN}\n    expect: {lane: OBSERVE}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := parseTestFile(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidTestFile) {
				t.Fatalf("error does not wrap ErrInvalidTestFile: %v", err)
			}
			return
		}
		for i := range tf.Cases {
			_, _ = tf.Cases[i].events(nil)
		}
	})
}
