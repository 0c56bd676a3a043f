package schemas_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tollgate-io/tollgate/schemas"
)

// TestReleasedVersionsCompatible is what CI runs through `tollgate schemas check`: the
// schemas in this checkout against every released version kept under released/.
func TestReleasedVersionsCompatible(t *testing.T) {
	results, err := schemas.Check(schemas.MustBuiltin(), os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(schemas.TopLevel) {
		t.Fatalf("checked %d schemas, want %d", len(results), len(schemas.TopLevel))
	}
	for _, r := range results {
		if len(r.Versions) == 0 {
			t.Errorf("%s: no released versions found", r.Name)
		}
		for _, p := range r.Problems {
			t.Error(p)
		}
	}
}

// editedSet loads the built-in sources with one file replaced.
func editedSet(t *testing.T, file string, edit func(string) string) *schemas.Set {
	t.Helper()
	fsys := fstest.MapFS{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".avsc") {
			continue
		}
		b, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if e.Name() == file {
			edited := edit(text)
			if edited == text {
				t.Fatalf("edit of %s changed nothing", file)
			}
			text = edited
		}
		fsys[e.Name()] = &fstest.MapFile{Data: []byte(text)}
	}
	set, err := schemas.Load(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestCheckNamesIncompatibleChange(t *testing.T) {
	released := os.DirFS(".")
	cases := []struct {
		name      string
		file      string
		edit      func(string) string
		wantField string // "" = must pass
	}{
		{
			name: "remove a field without default",
			file: "finding.avsc",
			edit: func(s string) string {
				return strings.Replace(s, `{"name": "summary", "type": "string", "doc": "One sentence for people."},`, "", 1)
			},
			wantField: "summary",
		},
		{
			name: "change a field type",
			file: "principal.avsc",
			edit: func(s string) string {
				return strings.Replace(s, `{"name": "source_id", "type": "string"`, `{"name": "source_id", "type": "long"`, 1)
			},
			wantField: "source_id",
		},
		{
			name: "add a required field without default",
			file: "finding.avsc",
			edit: func(s string) string {
				return strings.Replace(s, `"fields": [`, `"fields": [{"name": "tenant", "type": "string"},`, 1)
			},
			wantField: "tenant",
		},
		{
			name: "add an optional field with default",
			file: "finding.avsc",
			edit: func(s string) string {
				return strings.Replace(s, `"fields": [`, `"fields": [{"name": "tenant", "type": ["null", "string"], "default": null, "doc": "Tenant."},`, 1)
			},
		},
		{
			name: "add an enum symbol (enums carry defaults)",
			file: "decision.avsc",
			edit: func(s string) string {
				return strings.Replace(s, `"TRIAGE"], "default": "TRIAGE"`, `"TRIAGE", "QUARANTINE"], "default": "TRIAGE"`, 1)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results, err := schemas.Check(editedSet(t, tc.file, tc.edit), released)
			if err != nil {
				t.Fatal(err)
			}
			var problems []string
			for _, r := range results {
				problems = append(problems, r.Problems...)
			}
			if tc.wantField == "" {
				if len(problems) > 0 {
					t.Fatalf("compatible change refused: %v", problems)
				}
				return
			}
			if len(problems) == 0 {
				t.Fatal("incompatible change passed the check")
			}
			for _, p := range problems {
				if !strings.Contains(p, tc.wantField) {
					t.Errorf("problem does not name the field %q: %s", tc.wantField, p)
				}
			}
		})
	}
}
