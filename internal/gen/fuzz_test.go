package gen

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadManifest: a manifest file is outside input to `tollgate bench`;
// decoding it never panics, and whatever decodes can be scored.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"seed":1,"now":"2025-05-06T00:00:00Z","entries":[{"kind":"SOD_CONFLICT","principal":"a@b","event_ids":["x"]}]}`))
	f.Add([]byte(`{"entries":null}`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "m.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(path)
		if err != nil {
			return
		}
		r := Compare(m, nil)
		if len(r.Missed) != len(m.Entries) {
			t.Fatalf("with no findings every entry is missed: %d of %d", len(r.Missed), len(m.Entries))
		}
	})
}
