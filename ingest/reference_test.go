package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The hand-written scanners replaced regular expressions and a decode-and-encode redactor
// for speed. These are the original definitions, kept as the specification: the fuzz
// targets below check that the fast code answers exactly as they do.
var (
	refITSM  = regexp.MustCompile(`\b(?:INC|RITM|REQ|CHG|SCTASK|PRB|TASK)\d{4,}\b`)
	refJira  = regexp.MustCompile(`\b[A-Z][A-Z0-9]{1,9}-[1-9]\d{0,6}\b`)
	refNHI   = regexp.MustCompile(`(?i)(^|[/:@._-])(svc|srv|service|bot|robot|automation|ci|cicd|deploy|deployer|terraform|jenkins|pipeline|integration|api)([._-]|$)|\.iam\.gserviceaccount\.com$|gserviceaccount\.com$|^system@okta\.com$`)
	refTexts = []string{
		"see INC0012345, RITM0010042 and CHG0030001 / SCTASK0001234 REQ0000123; ABC-123 fixed",
		"UTF-8 SHA-256 ISO-8601 CVE-2024-1234 INC1234-5 AB-0 AB-12345678 ABCDEFGHIJK-1 X-1 _ABC-12 ABC-12_ aABC-12 9ABC-12",
		"INC00012x INC0001é éINC0001 [ABC-1] (RITM0001). ÀABC-3 \xffABC-4\xfe TASK0001SCTASK0002",
		"", "no digits here", "PRB0000001,PRB0000001 ABC-1/ABC-1",
	}
	refNames = []string{"svc-backup", "deploy.bot@example.org", "jenkins", "CI", "api", "apiuser", "my_API", "Service Account",
		"x@proj.iam.gserviceaccount.com", "SYSTEM@OKTA.COM", "svc@corp", "/svc", "ſvc-x", "Kelvin-\u212Aey", "robot_", "terraform:", "ci-", "pipeline.x", "integrations"}
	refRaws = []string{
		`{"a":{"client_secret":"x","Authorization":"Bearer y","nested":[{"sessionToken":"z","cookie":"c","privateKey":"k"}]},"requestApiTokenId":"keep","passwordResetRequired":true,"user":"keep"}`,
		` { "pass\u0077ord" : "p" , "to\u212Aen":"t", "TOKEN":null, "api-key":{"a":[1,2]}, "n": 12345678901234567890, "s":"<&>\u2028" } `,
		`[{"x":[]},{},[],"str",1.5e3,true,null,{"password":{"nested":"secret"}}]`,
		`{"password":"a","password":null}`, `"plain"`, `0`,
		`{"n":1e400,"id":100000055555555555555555555555555550}`, "{\"n\":-1e400,\"s\":\"\xff\"}",
	}
)

func refTicketRefs(texts ...string) []string {
	refs := []string{}
	for _, t := range texts {
		for _, m := range refITSM.FindAllString(t, -1) {
			if !slices.Contains(refs, m) {
				refs = append(refs, m)
			}
		}
		for _, m := range refJira.FindAllString(t, -1) {
			if notJiraProjects[m[:strings.IndexByte(m, '-')]] || refITSM.MatchString(m) || slices.Contains(refs, m) {
				continue
			}
			refs = append(refs, m)
		}
	}
	return refs
}

func FuzzTicketRefsMatchRegexp(f *testing.F) {
	for _, s := range refTexts {
		f.Add(s, "RITM0001 ABC-2")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := appendTicketRefs(nil, a, b), refTicketRefs(a, b); !slices.Equal(got, want) {
			t.Fatalf("appendTicketRefs(%q, %q) = %q, regexp says %q", a, b, got, want)
		}
	})
}

func FuzzLooksLikeNHIMatchesRegexp(f *testing.F) {
	for _, s := range refNames {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := strings.TrimSpace(name) != "" && refNHI.MatchString(strings.TrimSpace(name))
		if got := looksLikeNHI(name); got != want {
			t.Fatalf("looksLikeNHI(%q) = %v, regexp says %v", name, got, want)
		}
	})
}

// normalJSON decodes and re-encodes a JSON text so that key order, duplicate keys and
// escaping do not matter when comparing; numbers keep their spelling.
func normalJSON(t *testing.T, b []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers beyond float64 (1e400) are valid JSON and must survive
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output %q is not JSON: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// FuzzRedactMatchesDecoded checks the one-pass redactor against redaction of the decoded
// value: the same JSON value comes out, and the output is compact, valid UTF-8 JSON.
func FuzzRedactMatchesDecoded(f *testing.F) {
	for _, s := range refRaws {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Redact(raw)
		if !json.Valid(raw) {
			if got != nil {
				t.Fatalf("Redact(%q) = %q, want nil for invalid JSON", raw, got)
			}
			return
		}
		want := redactDecoded(raw)
		if normalJSON(t, got) != normalJSON(t, want) {
			t.Fatalf("Redact(%q) = %s, decoded redaction gives %s", raw, got, want)
		}
		if !json.Valid(got) || strings.ContainsAny(string(got), "\n\t") && !strings.Contains(string(raw), `\n`) {
			t.Fatalf("Redact(%q) = %q is not compact JSON", raw, got)
		}
	})
}

func TestReferenceSeeds(t *testing.T) {
	for _, s := range refTexts {
		if got, want := TicketRefs(s), refTicketRefs(s); !slices.Equal(got, want) {
			t.Errorf("TicketRefs(%q) = %q, regexp says %q", s, got, want)
		}
	}
	for _, n := range refNames {
		if got, want := looksLikeNHI(n), refNHI.MatchString(n); got != want {
			t.Errorf("looksLikeNHI(%q) = %v, regexp says %v", n, got, want)
		}
	}
	// A number no float64 holds, in a payload with invalid UTF-8 (the decode route):
	// the payload survives with its digits.
	if got := string(Redact([]byte("{\"n\":1e400,\"s\":\"\xff\",\"password\":\"p\"}"))); got != "{\"n\":1e400,\"password\":\"REDACTED\",\"s\":\"\ufffd\"}" {
		t.Errorf("huge number with invalid UTF-8: Redact = %s", got)
	}
	out := string(Redact([]byte(refRaws[1])))
	for _, secret := range []string{`"p"`, `"t"`, `[1,2]`} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %s survived: %s", secret, out)
		}
	}
	if !strings.Contains(out, `"TOKEN":null`) || !strings.Contains(out, `12345678901234567890`) {
		t.Errorf("null secret or exact number lost: %s", out)
	}
}

// FuzzOktaHookItemsMatchDecoder checks the scanning split of Okta object bodies against the
// decoder's: the same events, or the same error.
func FuzzOktaHookItemsMatchDecoder(f *testing.F) {
	for _, s := range []string{`{"data":{"events":[{"eventType":"a"},{}]}}`, `{"data":null,"eventType":"x"}`, `{"eventType":5,"data":{"events":[]}}`,
		`{"DATA":{"Events":null}}`, `{"data":{},"data":{"events":[1]}}`, `{"data":{"events":{}}}`, `{"eventType":""}`, `{"d\u0061ta":{"events":[2]}}`, `{"data":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if firstByte(body) != '{' {
			return
		}
		got, gotErr := oktaHookItems(body)
		want, wantErr := oktaHookItemsDecoded(body)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || len(got) != len(want) {
			t.Fatalf("oktaHookItems(%q) = %d items, %v; decoder gives %d items, %v", body, len(got), gotErr, len(want), wantErr)
		}
		for i := range got {
			if string(got[i]) != string(want[i]) {
				t.Fatalf("item %d: %q, decoder gives %q", i, got[i], want[i])
			}
		}
	})
}
