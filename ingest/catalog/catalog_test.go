package catalog

import (
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

func TestEmbeddedCataloguesParse(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("no catalogue embedded")
	}
	for name, c := range all {
		if len(c.Entries()) == 0 {
			t.Errorf("%s: no entries", name)
		}
		if !strings.Contains(c.GeneratedBy, "/") && !strings.Contains(c.GeneratedBy, "hand") {
			t.Errorf("%s: generated-by %q names no script", name, c.GeneratedBy)
		}
	}
}

func TestLookupAndApply(t *testing.T) {
	c := Get("example")
	ev := schemas.IdentityEvent{}
	if e, ok := c.Apply(&ev, "example.read"); !ok || e.CanonicalAction() != schemas.ActionRead || ev.Attributes[AttrEntry] != "example.read" {
		t.Fatalf("exact: %+v %v %v", e, ok, ev.Attributes)
	}
	ev = schemas.IdentityEvent{}
	if e, ok := c.Apply(&ev, "example.other.thing"); !ok || e.Action != Unknown || ev.Attributes[AttrClass] != ClassUnknown || ev.Attributes[AttrNote] == "" {
		t.Fatalf("prefix: %+v %v %v", e, ok, ev.Attributes)
	}
	ev = schemas.IdentityEvent{}
	if _, ok := c.Apply(&ev, "nothing"); ok || !strings.Contains(ev.Attributes[AttrMiss], "example@1") {
		t.Fatalf("miss: %v", ev.Attributes)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	head := "# name: x\n# source: x\n# version: 1\n# provenance: p\n# generated-by: hand\n"
	for text, want := range map[string]string{
		head + "a\tNOT_AN_ACTION\n":     "not a canonical action",
		head + "a\tUNKNOWN\n":           "must say why",
		head + "a\tREAD\na\tREAD\n":     "appears twice",
		"# name: x\na\tREAD\n":          "missing header",
		head + "a\tREAD\t\t\t\t\t\tx\n": "fields",
	} {
		if _, err := Parse("t.tsv", text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", text, err, want)
		}
	}
}

func TestWriteRoundTrips(t *testing.T) {
	h := Header{Name: "rt", Source: "rt", Version: "2", Provenance: "a test", GeneratedBy: "ingest/catalog/catalog_test.go"}
	in := []Entry{
		{Key: "b.grant", Action: "ACCESS_GRANT", Category: schemas.CategoryIAM, Kind: schemas.EntitlementGroup, Privilege: schemas.PrivilegeAdmin, Class: "groups"},
		{Key: "a.*", Action: Unknown, Note: "no published meaning"},
		{Key: "c.ticket", Action: "TICKET_OPENED", Category: schemas.CategoryTicket},
	}
	var b strings.Builder
	if err := Write(&b, h, in); err != nil {
		t.Fatal(err)
	}
	c, err := Parse("rt.tsv", b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if c.ID() != "rt@2" || len(c.Entries()) != 3 || c.Entries()[0].Key != "a.*" {
		t.Fatalf("round trip: %+v\n%s", c.Entries(), b.String())
	}
	if e, _ := c.Lookup("b.grant"); e != in[0] {
		t.Fatalf("b.grant = %+v, want %+v", e, in[0])
	}
	if e, _ := c.Lookup("c.ticket"); e.Category != schemas.CategoryTicket {
		t.Fatalf("category lost: %+v", e)
	}
	if err := Write(&b, h, []Entry{{Key: "x", Action: "READ", Note: "a\tb"}}); err == nil {
		t.Fatal("a tab in a note was written")
	}
}
