package connectors

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

func parseFile(t *testing.T, path, format string) map[string][]Holding {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hs, err := ParseImport(f, format, func(string) schemas.Privilege { return schemas.PrivilegeRead })
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return hs
}

func TestParseImportJSONLinesAndCSV(t *testing.T) {
	for _, tc := range []struct{ path, format string }{{"testdata/grants.jsonl", "jsonl"}, {"testdata/grants.csv", "csv"}} {
		hs := parseFile(t, tc.path, tc.format)
		sap := hs["sap"]
		if len(sap) < 2 || sap[0].Principal.ID != "ann@corp.example" || len(sap[0].Grants) != 2 {
			t.Fatalf("%s: sap holdings %+v", tc.path, sap)
		}
		all := sap[0].Grants[0]
		if all.Entitlement.Privilege != schemas.PrivilegeAdmin || all.Entitlement.System != "sap" || all.GrantedAt == nil ||
			!all.GrantedAt.Equal(time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)) || all.ReviewDue == nil {
			t.Fatalf("%s: SAP_ALL %+v", tc.path, all)
		}
		if g := sap[0].Grants[1]; g.Entitlement.Privilege != schemas.PrivilegeRead || g.ReviewDue != nil {
			t.Fatalf("%s: a grant without privilege takes the guess: %+v", tc.path, g)
		}
		if sap[1].Principal.ID != "leo@corp.example" || sap[1].Status != StatusSuspended {
			t.Fatalf("%s: leo %+v", tc.path, sap[1])
		}
	}
	if hs := parseFile(t, "testdata/grants.csv", "csv"); len(hs["github"]) != 1 {
		t.Fatalf("the CSV's second system: %+v", hs)
	}
	if hs := parseFile(t, "testdata/grants.jsonl", "jsonl"); hs["sap"][2].Principal.Type != schemas.PrincipalNHI {
		t.Fatalf("principal_type NHI: %+v", hs["sap"][2])
	}
}

func TestParseImportNamesTheLine(t *testing.T) {
	for name, tc := range map[string]struct {
		format, text string
		want         []string
	}{
		"bad json":       {"jsonl", "{\"principal\":\"a\",\"entitlement\":\"e\",\"system\":\"s\"}\n{not json\n", []string{"line 2: not a grant object"}},
		"unknown field":  {"jsonl", `{"principal":"a","entitlement":"e","system":"s","role":"x"}`, []string{`line 1: not a grant object: json: unknown field "role"`}},
		"missing system": {"jsonl", "\n\n" + `{"principal":"a","entitlement":"e"}`, []string{"line 3: system is empty"}},
		"bad date":       {"jsonl", `{"principal":"a","entitlement":"e","system":"s","review_due":"next year"}`, []string{`line 1: review_due "next year" is not a date`}},
		"bad privilege":  {"csv", "principal,entitlement,system,privilege\na,e,s,OWNER\n", []string{`line 2: privilege "OWNER" is not ADMIN, WRITE or READ`}},
		"bad status":     {"csv", "principal,entitlement,system,principal_status\na,e,s,gone\n", []string{`line 2: principal_status "gone"`}},
		"no header col":  {"csv", "principal,entitlement\na,e\n", []string{`line 1: the header has no "system" column`}},
		"unknown column": {"csv", "principal,entitlement,system,owner\n", []string{`line 1: unknown column "owner"`}},
		"duplicate":      {"csv", "principal,entitlement,system\na,e,s\na,E,s\n", []string{"line 3: a holds E in s twice"}},
		"status clash":   {"csv", "principal,entitlement,system,principal_status\na,e,s,active\na,f,s,suspended\n", []string{"line 3: principal a is SUSPENDED here but ACTIVE"}},
		"several":        {"jsonl", `{"principal":"","entitlement":"e","system":"s"}` + "\n" + `{"principal":"a","entitlement":"","system":"s"}`, []string{"line 1: principal is empty", "line 2: entitlement is empty"}},
	} {
		_, err := ParseImport(strings.NewReader(tc.text), tc.format, nil)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		var le *LineError
		if !errors.As(err, &le) {
			t.Errorf("%s: %v is no LineError", name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
	}
	if _, err := ParseImport(strings.NewReader(""), "xml", nil); err == nil || !strings.Contains(err.Error(), `format "xml"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestImportListingsAreCompletePerSystem(t *testing.T) {
	hs := parseFile(t, "testdata/grants.csv", "csv")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	evs := ImportListings(hs, now)
	accounts := map[string]*schemas.Observation{}
	for i := range evs {
		e := &evs[i]
		o := e.Observed()
		if o == nil || o.Origin != schemas.OriginImport || e.Source != schemas.SourceGeneric {
			t.Fatalf("event %s: observation %+v", e.EventID, o)
		}
		if e.SourceEventType == "inventory.account" {
			accounts[e.Subject.ID+"|"+o.System] = o
		}
	}
	if o := accounts["ann@corp.example|sap"]; o == nil || len(o.Held) != 2 || o.Held[0] != schemas.EntitlementKey("sap", "SAP_ALL", "") {
		t.Fatalf("ann's sap account event %+v", o)
	}
	if accounts["ops@corp.example|github"] == nil || len(accounts) != 3 {
		t.Fatalf("account events %v", accounts)
	}
}

// FuzzParseImport: no file, however hostile, makes the parser panic, and what it accepts
// has a principal, an entitlement and a system on every grant.
func FuzzParseImport(f *testing.F) {
	for _, p := range []string{"testdata/grants.jsonl", "testdata/grants.csv"} {
		b, _ := os.ReadFile(p)
		f.Add(string(b), strings.TrimPrefix(p[strings.LastIndex(p, "."):], "."))
	}
	f.Add("principal,entitlement,system\n\"a,b\n", "csv")
	f.Fuzz(func(t *testing.T, text, format string) {
		hs, err := ParseImport(strings.NewReader(text), format, nil)
		if err != nil {
			return
		}
		for sys, list := range hs {
			for _, h := range list {
				for _, g := range h.Grants {
					if h.Principal.ID == "" || g.Entitlement.ID == "" || g.Entitlement.System != sys || sys == "" {
						t.Fatalf("accepted %+v in %q", g, sys)
					}
				}
			}
		}
	})
}
