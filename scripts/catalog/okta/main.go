// Command okta regenerates ingest/catalog/data/okta-event-types.tsv, the catalogue of every
// Okta System Log event type, from Okta's Event Types reference.
//
// The reference (https://developer.okta.com/docs/reference/api/event-types/) is built from a
// data file kept in Okta's public documentation repository: packages/@okta/vuepress-site/
// data/event-types.json of github.com/okta/okta-developer-docs. Okta refreshes that file from
// its monolith's event-type metadata every release (scripts/update-event-types.sh there).
// The page lists the V2 event types that are neither beta nor internal; the catalogue holds
// every V2 event type of the file, beta and internal ones too, since an org with a beta
// feature logs them, and says which those are in the entry's note.
//
//	git clone --depth 1 https://github.com/okta/okta-developer-docs
//	go run ./scripts/catalog/okta \
//	    -in okta-developer-docs/packages/@okta/vuepress-site/data/event-types.json \
//	    -commit "$(git -C okta-developer-docs rev-parse HEAD)" \
//	    -out ingest/catalog/data/okta-event-types.tsv
//
// Every event type is classified by the tables in rules.go: exact overrides first, then the
// first matching pattern rule. An event type no rule matches stops the generator, so a new
// family in the reference is classified on purpose, not by accident.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

// Name is the catalogue's name, as ingest/okta.go asks for it.
const Name = "okta-event-types"

const referenceURL = "https://developer.okta.com/docs/reference/api/event-types/"

const dataFile = "packages/@okta/vuepress-site/data/event-types.json"

// reference is the part of event-types.json the generator reads.
type reference struct {
	Release  string `json:"release"`
	Build    string `json:"build"`
	Versions []struct {
		Version    string      `json:"version"`
		EventTypes []eventType `json:"eventTypes"`
	} `json:"versions"`
}

// eventType is one event type of the reference.
type eventType struct {
	ID          string `json:"id"`
	Category    string `json:"category"`
	Description string `json:"description"`
	Beta        bool   `json:"beta"`
	Internal    bool   `json:"internal"`
}

func main() {
	in := flag.String("in", "", "event-types.json from okta/okta-developer-docs ("+dataFile+")")
	out := flag.String("out", "ingest/catalog/data/okta-event-types.tsv", "catalogue file to write")
	commit := flag.String("commit", "", "okta-developer-docs commit the input was taken from, for the provenance line")
	date := flag.String("date", "", "date of that commit (YYYY-MM-DD), for the provenance line")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "okta: -in is required")
		os.Exit(2)
	}
	if err := run(*in, *out, *commit, *date); err != nil {
		fmt.Fprintln(os.Stderr, "okta:", err)
		os.Exit(1)
	}
}

func run(in, out, commit, date string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	ref, types, err := readReference(b)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	entries, err := classifyAll(types)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := catalog.Write(&buf, header(ref, commit, date), entries); err != nil {
		return err
	}
	// Read the result back: a file Parse rejects must never be committed.
	if _, err := catalog.Parse(out, buf.String()); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// readReference decodes the reference and returns its V2 event types, the version the
// documentation page shows.
func readReference(b []byte) (reference, []eventType, error) {
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		return ref, nil, err
	}
	for _, v := range ref.Versions {
		if v.Version == "V2" {
			if len(v.EventTypes) == 0 {
				return ref, nil, fmt.Errorf("version V2 lists no event types")
			}
			return ref, v.EventTypes, nil
		}
	}
	return ref, nil, fmt.Errorf("no version V2 in the reference")
}

func header(ref reference, commit, date string) catalog.Header {
	prov := "Okta Event Types reference " + referenceURL + ", release " + ref.Release
	if ref.Build != "" {
		prov += " (build " + ref.Build + ")"
	}
	prov += ", from " + dataFile + " of github.com/okta/okta-developer-docs"
	if commit != "" {
		prov += " at commit " + commit
	}
	if date != "" {
		prov += " (" + date + ")"
	}
	return catalog.Header{
		Name: Name, Source: "okta", Version: ref.Release, Provenance: prov,
		GeneratedBy: "go run ./scripts/catalog/okta -in event-types.json -commit <sha> -out ingest/catalog/data/okta-event-types.tsv (scripts/catalog/okta/main.go)",
	}
}

// classifyAll gives every event type its entry; it fails on duplicates and on event types
// no rule matches, naming them all.
func classifyAll(types []eventType) ([]catalog.Entry, error) {
	seen := map[string]bool{}
	var entries []catalog.Entry
	var unmatched []string
	for _, t := range types {
		id := strings.TrimSpace(t.ID)
		if id == "" {
			return nil, fmt.Errorf("an event type has no id")
		}
		if seen[id] {
			return nil, fmt.Errorf("event type %q listed twice", id)
		}
		seen[id] = true
		r, ok := classify(id)
		if !ok {
			unmatched = append(unmatched, id)
			continue
		}
		entries = append(entries, entryOf(t, id, r))
	}
	if len(unmatched) > 0 {
		sort.Strings(unmatched)
		return nil, fmt.Errorf("%d event types match no rule in rules.go, classify them: %s", len(unmatched), strings.Join(unmatched, ", "))
	}
	return entries, nil
}

func entryOf(t eventType, id string, r rule) catalog.Entry {
	note := r.Why
	switch {
	case t.Internal:
		note += " (internal in the reference)"
	case t.Beta:
		note += " (beta in the reference)"
	}
	return catalog.Entry{Key: id, Action: r.Action, Category: r.Category, Kind: r.Kind, Privilege: r.Privilege,
		Class: t.Category, Note: note}
}
