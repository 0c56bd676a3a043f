// Package catalog holds tollgate's catalogues of vendor event types: for each source, every
// event type (or API action) the vendor publishes, with the canonical action it means. They
// are data files generated from the vendors' own published references (data/*.tsv, each
// naming its provenance and the script under scripts/catalog/ that regenerates it), so
// classification covers the vendor's whole vocabulary instead of a hand-written list.
//
// File format, one entry a line, tab separated:
//
//	# name: okta-event-types                 (required header lines, in any order)
//	# source: okta
//	# version: 2026-11-30
//	# provenance: Okta Event Types reference, https://developer.okta.com/docs/reference/api/event-types/
//	# generated-by: scripts/catalog/okta.sh
//	key	action	category	kind	privilege	class	note
//
// key is the vendor's event type (or service:Action for AWS); a key ending in * matches
// every type with that prefix, the longest prefix winning, after no exact entry matched.
// action is a canonical schemas.Action, or one of two pseudo-actions:
//   - NO_ACCESS_CHANGE: the event changes something, but nobody's access (the router routes
//     it to OBSERVE);
//   - UNKNOWN: deliberately left unclassified; note must say why (the router sends it to
//     TRIAGE with that reason).
//
// category, kind, privilege and class may be empty: category defaults to IAM; kind and
// privilege describe the entitlement the event changes; class is the vendor's own grouping
// (an AWS access level, a Workspace application) carried to the event as an attribute.
package catalog

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/tollgate-io/tollgate/schemas"
)

// Pseudo-actions of catalogue entries; see the package doc.
const (
	NoAccessChange = "NO_ACCESS_CHANGE"
	Unknown        = "UNKNOWN"
)

// Attributes a parser sets on an event from the catalogue lookup, for the router, policy
// explain and policy coverage.
const (
	// AttrCatalog is "<name>@<version>" of the catalogue consulted.
	AttrCatalog = "catalog"
	// AttrEntry is the key of the entry that matched (an exact type or a prefix with *).
	AttrEntry = "catalog_entry"
	// AttrClass is the entry's class: the vendor's grouping, or no_access_change / unknown
	// for the pseudo-actions.
	AttrClass = "catalog_class"
	// AttrMiss says which catalogue had no entry for which key.
	AttrMiss = "catalog_miss"
	// AttrNote is an UNKNOWN entry's reason.
	AttrNote = "catalog_note"
)

// Classes set for the pseudo-actions (AttrClass).
const (
	ClassNoAccessChange = "no_access_change"
	ClassUnknown        = "unknown"
)

// Classes the AWS catalogue's overrides give, which the CloudTrail parser and the default
// policy act on: calls that share a resource with other accounts (the parser makes grants
// of them when the record names an outside principal); trust changes that let people from
// outside AWS sign in (SAML, an external identity provider, a role's trust policy); and
// trust changes that let workloads from outside AWS get role credentials (OIDC providers,
// Roles Anywhere), which are non-human identity changes.
const (
	ClassResourceSharing    = "Resource sharing"
	ClassFederation         = "Federation"
	ClassWorkloadFederation = "Workload federation"
)

// Entry is one catalogue line.
type Entry struct {
	Key       string
	Action    string // a schemas.Action or a pseudo-action
	Category  schemas.Category
	Kind      schemas.EntitlementKind
	Privilege schemas.Privilege
	Class     string
	Note      string
}

// CanonicalAction is the schemas.Action the entry gives an event: OTHER for the pseudo-actions.
func (e Entry) CanonicalAction() schemas.Action {
	if e.Action == NoAccessChange || e.Action == Unknown {
		return schemas.ActionOther
	}
	return schemas.Action(e.Action)
}

// Catalogue is one source's catalogue.
type Catalogue struct {
	Name, Source, Version, Provenance, GeneratedBy string

	exact    map[string]Entry
	foldOnce sync.Once
	folded   map[string]string // lower-cased key -> key, built on LookupFold's first call
	prefixes []Entry           // longest key first
	entries  []Entry           // file order
}

// ID is "<name>@<version>", the value of AttrCatalog.
func (c *Catalogue) ID() string { return c.Name + "@" + c.Version }

// Lookup finds key's entry: the exact entry, else the longest matching prefix entry.
func (c *Catalogue) Lookup(key string) (Entry, bool) {
	if e, ok := c.exact[key]; ok {
		return e, true
	}
	for _, e := range c.prefixes {
		if strings.HasPrefix(key, strings.TrimSuffix(e.Key, "*")) {
			return e, true
		}
	}
	return Entry{}, false
}

// LookupFold is Lookup, then an exact entry whose key equals key but for case: some
// vendors' records spell a name differently from their own reference (CloudTrail's
// PutBucketCors for the reference's s3:PutBucketCORS).
func (c *Catalogue) LookupFold(key string) (Entry, bool) {
	if e, ok := c.Lookup(key); ok {
		return e, true
	}
	c.foldOnce.Do(func() {
		c.folded = make(map[string]string, len(c.exact))
		for _, e := range c.entries {
			if _, isExact := c.exact[e.Key]; isExact {
				if _, dup := c.folded[strings.ToLower(e.Key)]; !dup {
					c.folded[strings.ToLower(e.Key)] = e.Key
				}
			}
		}
	})
	if k, ok := c.folded[strings.ToLower(key)]; ok {
		return c.exact[k], true
	}
	return Entry{}, false
}

// Entries returns every entry in file order.
func (c *Catalogue) Entries() []Entry { return c.entries }

// Apply looks key up and records the outcome on ev's attributes: the catalogue and entry, or
// the miss. It returns the entry and whether one matched; the caller applies its action.
func (c *Catalogue) Apply(ev *schemas.IdentityEvent, key string) (Entry, bool) {
	e, ok := c.Lookup(key)
	if !ok {
		c.RecordMiss(ev, key)
		return e, false
	}
	c.Record(ev, e)
	return e, true
}

// Record notes on ev's attributes that entry e of this catalogue decided it, for a parser
// that found e itself (with LookupFold, say).
func (c *Catalogue) Record(ev *schemas.IdentityEvent, e Entry) {
	if ev.Attributes == nil {
		ev.Attributes = map[string]string{}
	}
	ev.Attributes[AttrCatalog] = c.ID()
	ev.Attributes[AttrEntry] = e.Key
	switch e.Action {
	case NoAccessChange:
		ev.Attributes[AttrClass] = ClassNoAccessChange
	case Unknown:
		ev.Attributes[AttrClass] = ClassUnknown
		ev.Attributes[AttrNote] = e.Note
	default:
		if e.Class != "" {
			ev.Attributes[AttrClass] = e.Class
		}
	}
}

// RecordMiss notes on ev's attributes that this catalogue has no entry for key.
func (c *Catalogue) RecordMiss(ev *schemas.IdentityEvent, key string) {
	if ev.Attributes == nil {
		ev.Attributes = map[string]string{}
	}
	ev.Attributes[AttrCatalog] = c.ID()
	ev.Attributes[AttrMiss] = fmt.Sprintf("the %s catalogue has no entry for %q", c.ID(), key)
}

//go:embed data/*.tsv
var files embed.FS

var (
	loadOnce sync.Once
	loaded   map[string]*Catalogue
	loadErr  error
)

// All returns every embedded catalogue by name. A malformed file is a build error caught by
// the package's tests; All panics on one so no parser runs on half a catalogue.
func All() map[string]*Catalogue {
	loadOnce.Do(func() {
		loaded = map[string]*Catalogue{}
		names, err := fs.Glob(files, "data/*.tsv")
		if err != nil {
			loadErr = err
			return
		}
		for _, n := range names {
			b, err := files.ReadFile(n)
			if err != nil {
				loadErr = err
				return
			}
			c, err := Parse(path.Base(n), string(b))
			if err != nil {
				loadErr = err
				return
			}
			loaded[c.Name] = c
		}
	})
	if loadErr != nil {
		panic("catalog: " + loadErr.Error())
	}
	return loaded
}

// Get returns the catalogue called name; it panics when there is none (a programming error).
func Get(name string) *Catalogue {
	c, ok := All()[name]
	if !ok {
		panic("catalog: no catalogue named " + name)
	}
	return c
}

// ForSource returns the catalogues of one source, sorted by name.
func ForSource(source string) []*Catalogue {
	var out []*Catalogue
	for _, c := range All() {
		if c.Source == source {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var validActions = func() map[string]bool {
	m := map[string]bool{NoAccessChange: true, Unknown: true}
	for _, a := range []schemas.Action{schemas.ActionPasswordReset, schemas.ActionPasswordChange, schemas.ActionAccountUnlock,
		schemas.ActionAccountLock, schemas.ActionMFAReset, schemas.ActionMFAEnroll, schemas.ActionAccessGrant, schemas.ActionAccessRevoke,
		schemas.ActionAccountCreate, schemas.ActionAccountEnable, schemas.ActionAccountDisable, schemas.ActionAccountDelete,
		schemas.ActionPolicyChange, schemas.ActionCredentialCreate, schemas.ActionCredentialRotate, schemas.ActionCredentialDelete,
		schemas.ActionAccessReviewed, schemas.ActionImpersonation, schemas.ActionSignIn, schemas.ActionRead,
		schemas.ActionTicketOpened, schemas.ActionTicketUpdated, schemas.ActionTicketApproved, schemas.ActionTicketRejected,
		schemas.ActionTicketClosed, schemas.ActionOther} {
		m[string(a)] = true
	}
	return m
}()

// Parse reads one catalogue file; file names it in errors. Every error names the line.
func Parse(file, text string) (*Catalogue, error) {
	c := &Catalogue{exact: map[string]Entry{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if h, ok := strings.CutPrefix(line, "#"); ok {
			k, v, ok := strings.Cut(strings.TrimSpace(h), ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "name":
				c.Name = v
			case "source":
				c.Source = v
			case "version":
				c.Version = v
			case "provenance":
				c.Provenance = v
			case "generated-by":
				c.GeneratedBy = v
			}
			continue
		}
		f := strings.Split(line, "\t")
		for len(f) < 7 {
			f = append(f, "")
		}
		if len(f) > 7 {
			return nil, fmt.Errorf("%s:%d: %d fields, want at most 7 (key action category kind privilege class note)", file, n, len(f))
		}
		e := Entry{Key: f[0], Action: f[1], Category: schemas.Category(f[2]), Kind: schemas.EntitlementKind(f[3]),
			Privilege: schemas.Privilege(f[4]), Class: f[5], Note: f[6]}
		switch {
		case e.Key == "":
			return nil, fmt.Errorf("%s:%d: empty key", file, n)
		case !validActions[e.Action]:
			return nil, fmt.Errorf("%s:%d: %q is not a canonical action, %s or %s", file, n, e.Action, NoAccessChange, Unknown)
		case e.Action == Unknown && strings.TrimSpace(e.Note) == "":
			return nil, fmt.Errorf("%s:%d: %s entry %q must say why in its note", file, n, Unknown, e.Key)
		}
		if e.Category == "" {
			e.Category = schemas.CategoryIAM
		}
		if strings.HasSuffix(e.Key, "*") {
			c.prefixes = append(c.prefixes, e)
		} else {
			if _, dup := c.exact[e.Key]; dup {
				return nil, fmt.Errorf("%s:%d: key %q appears twice", file, n, e.Key)
			}
			c.exact[e.Key] = e
		}
		c.entries = append(c.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for k, v := range map[string]string{"name": c.Name, "source": c.Source, "version": c.Version, "provenance": c.Provenance, "generated-by": c.GeneratedBy} {
		if v == "" {
			return nil, fmt.Errorf("%s: missing header line # %s:", file, k)
		}
	}
	sort.SliceStable(c.prefixes, func(i, j int) bool { return len(c.prefixes[i].Key) > len(c.prefixes[j].Key) })
	return c, nil
}

// Header is the provenance a generator writes at the top of a catalogue file.
type Header struct {
	Name, Source, Version, Provenance, GeneratedBy string
}

// Write emits a catalogue file in the format Parse reads: the header lines, then entries
// sorted by key so a regenerated file differs from the last only where the vendor's
// reference did. Generators under scripts/catalog/ call it; Parse(Write(…)) round-trips.
func Write(w io.Writer, h Header, entries []Entry) error {
	sorted := append([]Entry(nil), entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	var b strings.Builder
	fmt.Fprintf(&b, "# name: %s\n# source: %s\n# version: %s\n# provenance: %s\n# generated-by: %s\n",
		h.Name, h.Source, h.Version, h.Provenance, h.GeneratedBy)
	b.WriteString("# key\taction\tcategory\tkind\tprivilege\tclass\tnote\n")
	for _, e := range sorted {
		cat := string(e.Category)
		if cat == string(schemas.CategoryIAM) {
			cat = ""
		}
		for _, f := range []string{e.Key, e.Note, e.Class} {
			if strings.ContainsAny(f, "\t\n") {
				return fmt.Errorf("catalog: entry %q has a tab or newline in a field", e.Key)
			}
		}
		line := strings.Join([]string{e.Key, e.Action, cat, string(e.Kind), string(e.Privilege), e.Class, e.Note}, "\t")
		b.WriteString(strings.TrimRight(line, "\t") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
