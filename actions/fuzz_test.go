package actions

import (
	"net/http"
	"testing"
	"time"
)

// FuzzVendorAnswers feeds any bytes to every parser of vendor answers: none may panic, and
// a lookup that reports a ticket found reports its identity.
func FuzzVendorAnswers(f *testing.F) {
	for _, s := range []string{
		`{"result":[{"sys_id":"abc","number":"INC0010001","state":"1"}]}`,
		`{"result":[]}`, `{"result":{"sys_id":"abc"}}`,
		`{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}`,
		`{"issues":[{"key":"SD-1","fields":{"status":{"statusCategory":{"key":"done"}}}}],"isLast":true}`,
		`{"transitions":[{"id":"761","name":"Resolve"}]}`,
		`{"errorMessages":["x"],"errors":{"summary":"required"}}`, `{"errorMessage":"nope"}`,
		`null`, `[]`, `{"issues":null}`, "",
	} {
		f.Add([]byte(s), "12")
	}
	f.Fuzz(func(t *testing.T, b []byte, header string) {
		if tk, found, err := parseServiceNowLookup(b); err == nil && found && tk.SysID == "" {
			t.Fatalf("found a ServiceNow record without sys_id in %q", b)
		}
		_, _ = parseServiceNowRecord(b)
		if tk, found, err := parseJSMSearch(b); err == nil && found && tk.Key == "" {
			t.Fatalf("found a JSM issue without key in %q", b)
		}
		_, _ = parseJSMTransitions(b)
		_ = serviceNowErrorDetail(b)
		_ = jsmErrorDetail(b)
		now := time.Unix(1772445600, 0)
		for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
			if d := RetryAfter(http.Header{k: {header}}, now); d < 0 || d > 24*time.Hour {
				t.Fatalf("%s %q: wait %s", k, header, d)
			}
		}
		_ = Verify([]byte("k"), header, b, now, 0)
	})
}
