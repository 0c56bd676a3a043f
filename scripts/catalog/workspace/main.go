// Command workspace regenerates ingest/catalog/data/workspace-events.tsv, the catalogue of
// Google Workspace Admin SDK Reports API activity events, from Google's own reference: the
// "Activity events" appendix, one page per application (and, for the admin application,
// one page per event type), https://developers.google.com/workspace/admin/reports/v1/appendix/activity/.
//
// Input: a directory holding those pages as markdown, one <page>.md per appendix page,
// each starting with the front matter the mirror writes (source URL and fetched_at). The
// checked-in catalogue was made from github.com/QiMana/google-workspace-developer-docs,
// a markdown mirror of developers.google.com (commit 20b0aad7ef08, pages fetched
// 2026-04-23), directory docs/workspace/admin/reports/v1/appendix/activity:
//
//	git clone https://github.com/QiMana/google-workspace-developer-docs /tmp/gwdocs
//	go run ./scripts/catalog/workspace \
//	    -in /tmp/gwdocs/docs/workspace/admin/reports/v1/appendix/activity \
//	    -mirror github.com/QiMana/google-workspace-developer-docs@$(git -C /tmp/gwdocs rev-parse --short=12 HEAD) \
//	    -out ingest/catalog/data/workspace-events.tsv
//
// Each event becomes one exact entry keyed "<applicationName>:<event name>" with the
// event's type as its class. What an event means comes from the rules table (rules.go):
// the first rule that matches the application, type and name decides. The generator
// refuses to write a catalogue when the directory holds a page outside its scope, when an
// event matches no rule, or when a rule matches no event, so a new vendor application or
// event is classified on purpose, never by accident.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tollgate-io/tollgate/ingest/catalog"
)

// event is one event of the reference: which application logs it, under which type, and
// its documented parameters.
type event struct {
	App, Type, Name string
	Params          []string
	Page            string // the appendix page it came from
	Supplement      string // why an event not in the reference is carried (supplements only)
}

// Key is the catalogue key the parser looks up.
func (e event) Key() string { return e.App + ":" + e.Name }

var (
	reSource  = regexp.MustCompile(`(?m)^source:\s*(\S+)`)
	reFetched = regexp.MustCompile(`(?m)^fetched_at:\s*(\d{4}-\d{2}-\d{2})`)
	reApp     = regexp.MustCompile("applicationName=([a-z_]+)")
	reType    = regexp.MustCompile("`type=([^`]+)`")
	reName    = regexp.MustCompile(`<td>Event name</td><td><code>([^<]+)</code>`)
	reParam   = regexp.MustCompile(`<tr><td><code>([A-Za-z0-9_]+)</code></td><td><p><code>`)
)

// page is one parsed appendix page.
type page struct {
	Name, Source, Fetched, App string
	Events                     []event
}

// parsePage reads one appendix page: the application from its introduction, the type of
// each "## " section from its `type=…` sentence, and every event table under it.
func parsePage(name, text string) (page, error) {
	p := page{Name: name}
	if m := reSource.FindStringSubmatch(text); m != nil {
		p.Source = m[1]
	}
	if m := reFetched.FindStringSubmatch(text); m != nil {
		p.Fetched = m[1]
	}
	m := reApp.FindStringSubmatch(text)
	if m == nil {
		return p, fmt.Errorf("%s: no applicationName=", name)
	}
	p.App = m[1]
	typ := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			typ = ""
		}
		if t := reType.FindStringSubmatch(line); t != nil && !strings.Contains(line, "<td>") {
			typ = strings.TrimSpace(t[1])
		}
		n := reName.FindStringSubmatch(line)
		if n == nil {
			continue
		}
		if typ == "" {
			return p, fmt.Errorf("%s: event %s has no type", name, n[1])
		}
		ev := event{App: p.App, Type: typ, Name: strings.TrimSpace(n[1]), Page: name}
		for _, pm := range reParam.FindAllStringSubmatch(line, -1) {
			ev.Params = append(ev.Params, pm[1])
		}
		p.Events = append(p.Events, ev)
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	if len(p.Events) == 0 {
		return p, fmt.Errorf("%s: no events", name)
	}
	return p, nil
}

// readPages reads the pages in scope from dir. A page of dir that is neither in scope nor
// an index is an error: a new application of the reference is classified on purpose.
func readPages(dir string) ([]page, error) {
	if err := unscopedPages(dir); err != nil {
		return nil, err
	}
	var out []page
	for _, name := range pagesInScope {
		b, err := os.ReadFile(filepath.Join(dir, name+".md"))
		if err != nil {
			return nil, err
		}
		p, err := parsePage(name, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// unscopedPages fails on a page of dir that pagesInScope and indexPages do not name.
func unscopedPages(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, n := range append(append([]string{}, pagesInScope...), indexPages...) {
		known[n] = true
	}
	var extra []string
	for _, n := range names {
		if base := strings.TrimSuffix(filepath.Base(n), ".md"); !known[base] {
			extra = append(extra, base)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("pages not in scope (add them to pagesInScope and the rules): %s", strings.Join(extra, ", "))
	}
	return nil
}

// events is every event of the pages plus the supplements, deduplicated by key (the login
// application's page repeats nothing, but a key must be one entry).
func events(pages []page) ([]event, error) {
	seen := map[string]event{}
	var out []event
	add := func(e event) error {
		if prev, dup := seen[e.Key()]; dup {
			if prev.Type != e.Type {
				return fmt.Errorf("%s is listed under types %s (%s) and %s (%s)", e.Key(), prev.Type, prev.Page, e.Type, e.Page)
			}
			return nil
		}
		seen[e.Key()] = e
		out = append(out, e)
		return nil
	}
	for _, p := range pages {
		for _, e := range p.Events {
			if err := add(e); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range supplements {
		if _, listed := seen[e.Key()]; listed {
			return nil, fmt.Errorf("supplement %s is in the reference now: drop it from supplements", e.Key())
		}
		if err := add(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// classify returns the entries of evs and how many events each rule decided. It fails on
// an event no rule matches.
func classify(evs []event) ([]catalog.Entry, []int, error) {
	used := make([]int, len(rules))
	var entries []catalog.Entry
	var unmatched []string
	for _, e := range evs {
		i, ok := match(e.App, e.Type, e.Name)
		if !ok {
			unmatched = append(unmatched, e.Key()+" ("+e.Type+")")
			continue
		}
		used[i]++
		r := rules[i]
		note := r.Why
		if e.Supplement != "" {
			note += "; not in the published reference: " + e.Supplement
		}
		entries = append(entries, catalog.Entry{Key: e.Key(), Action: r.Action, Kind: r.Kind, Privilege: r.Privilege, Class: e.Type, Note: note})
	}
	if len(unmatched) > 0 {
		sort.Strings(unmatched)
		return nil, nil, fmt.Errorf("no rule classifies %d events: %s", len(unmatched), strings.Join(unmatched, ", "))
	}
	return entries, used, nil
}

// unusedRules names the rules that decided no event.
func unusedRules(used []int) []string {
	var out []string
	for i, n := range used {
		if n == 0 {
			r := rules[i]
			out = append(out, fmt.Sprintf("rule %d {%s %s %s}", i, r.App, r.Type, r.Name))
		}
	}
	return out
}

func main() {
	in := flag.String("in", "", "directory of the Reports API activity appendix pages as markdown (<page>.md)")
	out := flag.String("out", "ingest/catalog/data/workspace-events.tsv", "catalogue file to write")
	mirror := flag.String("mirror", "", "where the pages came from, e.g. github.com/QiMana/google-workspace-developer-docs@<commit>")
	flag.Parse()
	if err := run(*in, *out, *mirror); err != nil {
		fmt.Fprintln(os.Stderr, "workspace catalogue:", err)
		os.Exit(1)
	}
}

func run(in, out, mirror string) error {
	if in == "" {
		return errors.New("-in is required (see the package doc)")
	}
	pages, err := readPages(in)
	if err != nil {
		return err
	}
	evs, err := events(pages)
	if err != nil {
		return err
	}
	entries, used, err := classify(evs)
	if err != nil {
		return err
	}
	if u := unusedRules(used); len(u) > 0 {
		return fmt.Errorf("rules that decide no event (remove or fix them): %s", strings.Join(u, "; "))
	}
	version := ""
	for _, p := range pages {
		if p.Fetched > version {
			version = p.Fetched
		}
	}
	prov := fmt.Sprintf("Google Workspace Admin SDK Reports API, Activity events appendix "+
		"(https://developers.google.com/workspace/admin/reports/v1/appendix/activity/<page>), %d pages: %s; pages as fetched %s",
		len(pages), strings.Join(pagesInScope, " "), version)
	if mirror != "" {
		prov += " via " + mirror
	}
	if len(supplements) > 0 {
		prov += fmt.Sprintf("; plus %d events seen in real feeds but not in the reference (their notes say so)", len(supplements))
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	h := catalog.Header{Name: "workspace-events", Source: "google_workspace", Version: version, Provenance: prov,
		GeneratedBy: "scripts/catalog/workspace (go run ./scripts/catalog/workspace -in <appendix dir>; see its package doc)"}
	if err := catalog.Write(f, h, entries); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
