// Command entra regenerates ingest/catalog/data/entra-audit-activities.tsv, tollgate's
// catalogue of Microsoft Entra audit activities, from Microsoft's own reference:
// "Microsoft Entra audit log categories and activities"
// (https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities),
// published from github.com/MicrosoftDocs/entra-docs as
// docs/identity/monitoring-health/reference-audit-activities.md.
//
// Regenerate:
//
//	curl -sSLo /tmp/reference-audit-activities.md \
//	  https://raw.githubusercontent.com/MicrosoftDocs/entra-docs/<commit>/docs/identity/monitoring-health/reference-audit-activities.md
//	go run ./scripts/catalog/entra -in /tmp/reference-audit-activities.md -commit <commit> \
//	  -out ingest/catalog/data/entra-audit-activities.tsv
//
// Keys. A record is looked up by "<category>/<activity>" (its audit category and
// activityDisplayName, both folded: see normCategory and normActivity), because one
// activity name can mean different things in different categories ("Request approved" is
// an access-review decision under UserManagement and a Customer Lockbox approval under
// MicrosoftSupportAccessManagement; PIM's "Add member to role completed (PIM activation)"
// is a group membership under GroupManagement and a role elsewhere). Every activity also
// has an entry of its own name alone, which the parser falls back to when a record's
// category is missing or is not one the reference lists for that activity.
//
// Classification is the rules table in rules.go (first match wins, each rule with its
// reason); activities real logs carry that the reference does not list are in
// supplements.go, each with where it was seen. The generator fails when a rule matches
// nothing, so the table never carries dead rules.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

func main() {
	in := flag.String("in", "", "reference-audit-activities.md from MicrosoftDocs/entra-docs")
	out := flag.String("out", "ingest/catalog/data/entra-audit-activities.tsv", "catalogue file to write")
	commit := flag.String("commit", "", "entra-docs commit the input was taken from (recorded as provenance)")
	read := flag.String("read", time.Now().UTC().Format("2006-01-02"), "date the input was read (recorded as provenance)")
	flag.Parse()
	if *in == "" || *commit == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/catalog/entra -in reference-audit-activities.md -commit <entra-docs commit> [-out file]")
		os.Exit(2)
	}
	if err := run(*in, *out, *commit, *read); err != nil {
		fmt.Fprintln(os.Stderr, "entra catalogue:", err)
		os.Exit(1)
	}
}

func run(in, out, commit, read string) error {
	text, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	rows, err := parseReference(strings.NewReader(string(text)))
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	entries, hits := build(rows)
	if dead := unreachable(hits); len(dead) > 0 {
		return fmt.Errorf("rules that match no activity (remove or fix them): %s", strings.Join(dead, "; "))
	}
	msDate := frontMatterDate(string(text))
	h := catalog.Header{
		Name:    "entra-audit-activities",
		Source:  "entra",
		Version: msDate,
		Provenance: fmt.Sprintf("Microsoft Entra audit log categories and activities, "+
			"https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities "+
			"(MicrosoftDocs/entra-docs docs/identity/monitoring-health/reference-audit-activities.md @%s, ms.date %s, read %s); "+
			"sign-in log categories from docs/identity/monitoring-health/reference-azure-monitor-sign-ins-log-schema.md; "+
			"activities the reference omits are listed with their source in scripts/catalog/entra/supplements.go", commit, msDate, read),
		GeneratedBy: "go run ./scripts/catalog/entra -in reference-audit-activities.md -commit " + commit,
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := catalog.Write(f, h, entries); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var msDateLine = regexp.MustCompile(`(?m)^ms\.date:\s*(\d{2})/(\d{2})/(\d{4})\s*$`)

// frontMatterDate is the reference's ms.date as YYYY-MM-DD: the catalogue's version.
func frontMatterDate(text string) string {
	m := msDateLine.FindStringSubmatch(text)
	if m == nil {
		return "undated"
	}
	return m[3] + "-" + m[1] + "-" + m[2]
}

// seen gathers what the reference says about one key: the names as printed and the
// services (section headings) that list it.
type seen struct {
	category, activity string
	categories         map[string]bool
	services           map[string]bool
}

func (s *seen) add(r row) {
	if s.categories == nil {
		s.categories, s.services = map[string]bool{}, map[string]bool{}
	}
	s.categories[r.Category] = true
	s.services[r.Service] = true
}

// build turns reference rows and the supplements into catalogue entries: one per
// "<category>/<activity>" and one per activity alone. hits counts, per rule, the keys it
// decided.
func build(rows []row) ([]catalog.Entry, map[int]int) {
	for _, s := range supplements {
		rows = append(rows, row{Service: "not in the reference: " + s.Source, Category: s.Category, Activity: s.Activity})
	}
	pairs, acts := map[string]*seen{}, map[string]*seen{}
	for _, r := range rows {
		a := normActivity(r.Activity)
		if r.Category != "" {
			k := normCategory(r.Category) + "/" + a
			if pairs[k] == nil {
				pairs[k] = &seen{category: normCategory(r.Category), activity: a}
			}
			pairs[k].add(r)
		}
		if acts[a] == nil {
			acts[a] = &seen{activity: a}
		}
		acts[a].add(r)
	}
	hits := map[int]int{}
	var entries []catalog.Entry
	emit := func(key string, s *seen, class string) {
		res, idx := classify(s.category, s.activity)
		hits[idx]++
		e := catalog.Entry{Key: key, Action: res.Action, Category: res.Category, Kind: res.Kind, Privilege: res.Privilege, Class: class}
		e.Note = res.Why
		if res.Action != catalog.Unknown {
			e.Note += " [" + strings.Join(sortedKeys(s.services), "; ") + "]"
		}
		entries = append(entries, e)
	}
	for k, s := range pairs {
		emit(k, s, sortedKeys(s.categories)[0])
	}
	for k, s := range acts {
		emit(k, s, strings.Join(sortedKeys(s.categories), ","))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
	return entries, hits
}

// unreachable names the rules that decided no key.
func unreachable(hits map[int]int) []string {
	var dead []string
	for i, r := range rules {
		if hits[i] == 0 {
			dead = append(dead, fmt.Sprintf("#%d %s", i, r.Match))
		}
	}
	return dead
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}
