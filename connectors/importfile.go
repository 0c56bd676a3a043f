package connectors

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// ImportGrant is one line of a `tollgate import grants` file: a canonical grant of any
// system tollgate has no connector for.
type ImportGrant struct {
	Principal       string `json:"principal"`
	PrincipalStatus string `json:"principal_status"`
	// PrincipalType is HUMAN (default) or NHI.
	PrincipalType string `json:"principal_type"`
	Entitlement   string `json:"entitlement"`
	// Privilege is ADMIN, WRITE or READ; empty guesses from the entitlement's name.
	Privilege string `json:"privilege"`
	System    string `json:"system"`
	GrantedAt string `json:"granted_at"`
	ReviewDue string `json:"review_due"`
	ExpiresAt string `json:"expires_at"`
}

// importColumns are the CSV header's columns; principal, entitlement and system are
// required, the rest may be absent or empty.
var importColumns = []string{"principal", "principal_status", "principal_type", "entitlement", "privilege", "system", "granted_at", "review_due", "expires_at"}

// LineError is a problem with one line of an import file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// maxImportErrors bounds the errors one file reports.
const maxImportErrors = 50

// ParseImport reads an import file, JSON lines (one object per line, blank lines and lines
// starting with # skipped) or CSV with a header row naming the columns, and returns its
// holdings by system, ready for Listing.Events. Every problem is an error naming its line,
// and a file with any problem imports nothing.
func ParseImport(r io.Reader, format string, guess func(name string) schemas.Privilege) (map[string][]Holding, error) {
	var rows []ImportGrant
	var lines []int
	var errs []error
	bad := func(line int, format string, args ...any) {
		if len(errs) < maxImportErrors {
			errs = append(errs, &LineError{Line: line, Err: fmt.Errorf(format, args...)})
		}
	}
	switch format {
	case "jsonl", "json", "ndjson":
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 || line[0] == '#' {
				continue
			}
			var g ImportGrant
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&g); err != nil {
				bad(n, "not a grant object: %v", err)
				continue
			}
			if dec.More() {
				bad(n, "more than one JSON value on the line")
				continue
			}
			rows, lines = append(rows, g), append(lines, n)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading the file: %w", err)
		}
	case "csv":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return nil, &LineError{Line: 1, Err: fmt.Errorf("no header row: %w", err)}
		}
		index := map[string]int{}
		for i, h := range header {
			h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			if !slices.Contains(importColumns, h) {
				return nil, &LineError{Line: 1, Err: fmt.Errorf("unknown column %q (the columns are %s)", h, strings.Join(importColumns, ", "))}
			}
			index[h] = i
		}
		for _, req := range []string{"principal", "entitlement", "system"} {
			if _, ok := index[req]; !ok {
				return nil, &LineError{Line: 1, Err: fmt.Errorf("the header has no %q column", req)}
			}
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					bad(pe.StartLine, "%v", pe.Err)
					continue
				}
				return nil, fmt.Errorf("reading the file: %w", err)
			}
			line, _ := cr.FieldPos(0)
			col := func(name string) string {
				if i, ok := index[name]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			rows = append(rows, ImportGrant{Principal: col("principal"), PrincipalStatus: col("principal_status"), PrincipalType: col("principal_type"),
				Entitlement: col("entitlement"), Privilege: col("privilege"), System: col("system"), GrantedAt: col("granted_at"),
				ReviewDue: col("review_due"), ExpiresAt: col("expires_at")})
			lines = append(lines, line)
		}
	default:
		return nil, fmt.Errorf("format %q is not jsonl or csv", format)
	}
	bySystem := map[string]map[string]*Holding{}
	type holderKey struct{ system, principal string }
	var order []holderKey
	for i, g := range rows {
		n := lines[i]
		h, grant, err := g.holding(guess)
		if err != nil {
			bad(n, "%v", err)
			continue
		}
		sys := strings.ToLower(grant.Entitlement.System)
		if bySystem[sys] == nil {
			bySystem[sys] = map[string]*Holding{}
		}
		cur := bySystem[sys][h.Principal.ID]
		if cur == nil {
			cur = &h
			bySystem[sys][h.Principal.ID] = cur
			order = append(order, holderKey{sys, h.Principal.ID})
		} else if g.PrincipalStatus != "" && cur.Status != h.Status {
			bad(n, "principal %s is %s here but %s on an earlier line", h.Principal.ID, h.Status, cur.Status)
			continue
		}
		if slices.ContainsFunc(cur.Grants, func(x Grant) bool { return strings.EqualFold(x.Entitlement.ID, grant.Entitlement.ID) }) {
			bad(n, "%s holds %s in %s twice", h.Principal.ID, grant.Entitlement.ID, sys)
			continue
		}
		cur.Grants = append(cur.Grants, grant)
	}
	if len(errs) > 0 {
		if len(errs) == maxImportErrors {
			errs = append(errs, fmt.Errorf("(more problems not listed)"))
		}
		return nil, errors.Join(errs...)
	}
	out := map[string][]Holding{}
	for _, k := range order {
		out[k.system] = append(out[k.system], *bySystem[k.system][k.principal])
	}
	return out, nil
}

// holding checks one line and returns its holder and grant.
func (g ImportGrant) holding(guess func(string) schemas.Privilege) (Holding, Grant, error) {
	var h Holding
	var gr Grant
	switch {
	case g.Principal == "":
		return h, gr, errors.New("principal is empty")
	case g.Entitlement == "":
		return h, gr, errors.New("entitlement is empty")
	case g.System == "":
		return h, gr, errors.New("system is empty (name the system the grant is in, e.g. sap, github)")
	}
	status := StatusActive
	switch strings.ToUpper(g.PrincipalStatus) {
	case "", "ACTIVE", "ENABLED":
	case "SUSPENDED", "DISABLED", "LOCKED":
		status = StatusSuspended
	case "DEPROVISIONED", "DELETED", "TERMINATED":
		status = StatusDeprovisioned
	default:
		return h, gr, fmt.Errorf("principal_status %q is not active, suspended or deprovisioned", g.PrincipalStatus)
	}
	ptype := schemas.PrincipalHuman
	switch strings.ToUpper(g.PrincipalType) {
	case "", "HUMAN":
	case "NHI":
		ptype = schemas.PrincipalNHI
	default:
		return h, gr, fmt.Errorf("principal_type %q is not HUMAN or NHI", g.PrincipalType)
	}
	priv := schemas.Privilege(strings.ToUpper(g.Privilege))
	switch priv {
	case schemas.PrivilegeAdmin, schemas.PrivilegeWrite, schemas.PrivilegeRead:
	case "":
		priv = schemas.PrivilegeUnknown
		if guess != nil {
			priv = guess(g.Entitlement)
		}
	default:
		return h, gr, fmt.Errorf("privilege %q is not ADMIN, WRITE or READ", g.Privilege)
	}
	when := func(field, v string) (*time.Time, error) {
		if v == "" {
			return nil, nil
		}
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02 15:04:05"} {
			if t, err := time.Parse(layout, v); err == nil {
				t = t.UTC()
				return &t, nil
			}
		}
		return nil, fmt.Errorf("%s %q is not a date (2026-01-02) or an RFC 3339 time", field, v)
	}
	var err error
	if gr.GrantedAt, err = when("granted_at", g.GrantedAt); err != nil {
		return h, gr, err
	}
	if gr.ReviewDue, err = when("review_due", g.ReviewDue); err != nil {
		return h, gr, err
	}
	if gr.ExpiresAt, err = when("expires_at", g.ExpiresAt); err != nil {
		return h, gr, err
	}
	id := strings.TrimSpace(g.Principal)
	h = Holding{Principal: schemas.Principal{ID: id, SourceID: id, Type: ptype}, Status: status}
	if strings.Contains(id, "@") {
		email := strings.ToLower(id)
		h.Principal.Email = &email
	}
	gr.Entitlement = schemas.Entitlement{ID: g.Entitlement, Name: g.Entitlement, Kind: schemas.EntitlementOther, Privilege: priv,
		System: strings.ToLower(strings.TrimSpace(g.System)), Wildcard: priv == schemas.PrivilegeAdmin && strings.Contains(g.Entitlement, "*")}
	return h, gr, nil
}

// ImportListings are the listings of an import at now: one per system the file names,
// each a complete listing of that system (a later import that no longer lists a grant
// revokes it).
func ImportListings(holdings map[string][]Holding, now time.Time) []schemas.IdentityEvent {
	systems := make([]string, 0, len(holdings))
	for s := range holdings {
		systems = append(systems, s)
	}
	slices.Sort(systems)
	var out []schemas.IdentityEvent
	for _, sys := range systems {
		l := NewListing(schemas.SourceGeneric, sys, schemas.OriginImport, now)
		for _, h := range holdings[sys] {
			out = append(out, l.Events(h, now)...)
		}
	}
	return out
}
