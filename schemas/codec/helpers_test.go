package codec_test

import (
	"encoding/json"
	"testing"
)

// dropFields returns the schema JSON with the named top-level record fields removed.
func dropFields(t *testing.T, text string, names ...string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var kept []any
	for _, f := range m["fields"].([]any) {
		if !drop[f.(map[string]any)["name"].(string)] {
			kept = append(kept, f)
		}
	}
	m["fields"] = kept
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
