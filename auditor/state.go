package auditor

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// The auditor's keyed state (schema v3). What the fold and the detections carry from one
// batch to the next lives in three tables read by their primary key, so a batch never
// reads a principal's history to apply events that come after it:
//
//   - principal_state: the checkpoint of each principal (a ledgerBase as JSON), written
//     after every batch that touched it; the greatest version wins.
//   - ticket_keys: who each ticket is for, so a principal's tickets are found by key.
//   - principal_keys: each principal's ids, emails and cited ticket numbers, so the
//     principals a ticket concerns are found by key.
//
// A principal is replayed from its ledger events (ledger_facts, sorted by principal) only
// when a batch cannot be applied on top of its checkpoint: it has none yet, an event is
// older than the checkpoint or may be a redelivery, it brings a new email or type, or a
// ticket that concerns it changed. All writes are appends, so a batch can be retried at
// any point: a checkpoint written before a crash makes the retry's events look seen, and
// the principal is replayed.

// seenHashes is how many bit positions an event id sets in a seenFilter.
const seenHashes = 7

// seenFilter is a bloom filter of the ledger event ids a checkpoint has applied. A miss
// proves an event new; a hit (a redelivery, or rarely a false positive) sends the
// principal to a replay, which is always correct. It is sized at 16 bits per event when
// built and rebuilt by a replay once it holds more than one event per 8 bits.
type seenFilter struct {
	Bits []byte `json:"bits"`
}

// newSeenFilter returns an empty filter sized for n events.
func newSeenFilter(n int) seenFilter {
	m := 1024
	for m < 16*n {
		m *= 2
	}
	return seenFilter{Bits: make([]byte, m/8)}
}

func (s *seenFilter) positions(id string, fn func(bit uint64)) {
	h := fnv.New64a()
	h.Write([]byte(id))
	sum := h.Sum64()
	h1, h2 := sum&0xffffffff, sum>>32|1
	m := uint64(len(s.Bits)) * 8
	for i := range uint64(seenHashes) {
		fn((h1 + i*h2) % m)
	}
}

func (s *seenFilter) add(id string) {
	s.positions(id, func(b uint64) { s.Bits[b/8] |= 1 << (b % 8) })
}

// mayContain reports whether id may have been added; false is certain.
func (s *seenFilter) mayContain(id string) bool {
	hit := true
	s.positions(id, func(b uint64) { hit = hit && s.Bits[b/8]&(1<<(b%8)) != 0 })
	return hit
}

// saturated reports whether a filter holding n events is too full to trust.
func (s *seenFilter) saturated(n uint64) bool {
	return len(s.Bits) == 0 || n > uint64(len(s.Bits))
}

// nextVersion is the version of a principal's next checkpoint and ledger rows: the
// clock in microseconds, and always above the previous one, so two checkpoints of one
// principal never share a version (the clock beats every version of schema v2, which
// counted events in the upper bits of a smaller number).
func nextVersion(prev uint64, now time.Time) uint64 {
	return max(prev+1, uint64(now.UnixMicro()))
}

// ptrVersion is b's version, 0 for none.
func ptrVersion(b *ledgerBase) uint64 {
	if b == nil {
		return 0
	}
	return b.Version
}

// stateCacheSize bounds the checkpoints an Auditor keeps in memory.
const stateCacheSize = 100_000

// stateCache holds the checkpoints this auditor wrote or read last, by principal. An
// entry is used only while its version is the stored one, so a checkpoint another
// replica wrote since (a rebalance, a ticket that concerns a principal of another
// partition) is read again instead.
type stateCache struct {
	mu sync.Mutex
	m  map[string]*ledgerBase
}

func (c *stateCache) get(p string, version uint64) *ledgerBase {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.m[p]; b != nil && b.Version == version {
		return b
	}
	return nil
}

func (c *stateCache) put(p string, b *ledgerBase) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*ledgerBase{}
	}
	if len(c.m) >= stateCacheSize {
		for k := range c.m { // drop an arbitrary tenth
			delete(c.m, k)
			if len(c.m) < stateCacheSize*9/10 {
				break
			}
		}
	}
	c.m[p] = b
}

// loadStates returns the checkpoints of ids; a principal without one has none in the
// map. It reads the stored versions (a narrow keyed read) and the checkpoints only of
// those the cache does not hold at that version.
func (a *Auditor) loadStates(ctx context.Context, ids []string) (map[string]*ledgerBase, error) {
	out := make(map[string]*ledgerBase, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := a.queryIn(ctx, sqlStateVersions, ids)
	if err != nil {
		return nil, fmt.Errorf("auditor: load principal state versions: %w", err)
	}
	var missed []string
	for _, r := range rows {
		p := r.String("principal")
		if b := a.states.get(p, uint64(r.Int("version"))); b != nil {
			out[p] = b
		} else {
			missed = append(missed, p)
		}
	}
	if len(missed) == 0 {
		return out, nil
	}
	rows, err = a.queryIn(ctx, sqlStates, missed)
	if err != nil {
		return nil, fmt.Errorf("auditor: load principal state: %w", err)
	}
	for _, r := range rows {
		var b ledgerBase
		if err := json.Unmarshal([]byte(r.String("state")), &b); err != nil {
			// A checkpoint this version cannot read is replayed, not trusted.
			a.log.Warn("unreadable principal state, replaying", "principal", r.String("principal"), "err", err)
			continue
		}
		out[r.String("principal")] = &b
		a.states.put(r.String("principal"), &b)
	}
	return out, nil
}

var principalStateColumns = []string{"principal", "version", "state", "updated_at"}

// stateRow is the principal_state row of checkpoint b of principal p.
func stateRow(p string, b *ledgerBase, now time.Time) ([]any, error) {
	js, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("auditor: encode state of %q: %w", p, err)
	}
	return []any{p, b.Version, string(js), now}, nil
}

var keyColumns = map[string][]string{
	"principal_keys": {"key", "principal"},
	"ticket_keys":    {"key", "ticket_id"},
}

// whoKey is the lookup key of an id or email in ticket_keys and principal_keys.
func whoKey(s string) string { return "who:" + fold(s) }

// refKey is the lookup key of a ticket number in ticket_keys and principal_keys.
func refKey(id string) string { return "ref:" + strings.ToUpper(id) }

// principalKeys are the keys under which the tickets concerning b's principal p find it.
func principalKeys(p string, b *ledgerBase) []string {
	out := []string{whoKey(p)}
	for _, e := range b.Emails {
		out = append(out, whoKey(e))
	}
	for _, e := range b.Aliases {
		out = append(out, whoKey(e))
	}
	for _, r := range b.Refs {
		out = append(out, refKey(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ticketKeys are the keys under which the principals t concerns find it.
func ticketKeys(t *ticket) []string {
	out := []string{refKey(t.ID)}
	for _, who := range []string{t.RequestedFor, t.RequestedForEmail, t.Requester} {
		if who != "" {
			out = append(out, whoKey(who))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ticketPrincipalKeys are the principal_keys a change of t looks up: those of the
// principals relevant may report t for.
func ticketPrincipalKeys(t *ticket) []string {
	out := []string{refKey(t.ID)}
	for _, who := range []string{t.RequestedFor, t.RequestedForEmail} {
		if who != "" {
			out = append(out, whoKey(who))
		}
	}
	if t.RequestedFor == "" && t.Requester != "" {
		out = append(out, whoKey(t.Requester))
	}
	return out
}

// checkpoint is the state buildLedger leaves in ps, to apply the next batch on: prev is
// the checkpoint it started from (nil for a replay, whose ps.Events is the whole history).
func (ps *principalState) checkpoint(prev *ledgerBase, version uint64) *ledgerBase {
	b := &ledgerBase{Version: version, Type: ps.Type, Disabled: ps.Disabled, DisableEvent: ps.DisableEvent,
		Grants: slices.Clone(ps.Grants), Creds: slices.Clone(ps.Creds)}
	refs := map[string]bool{}
	if prev != nil {
		b.Events, b.LastAt, b.LastReset, b.Seen = prev.Events, prev.LastAt, prev.LastReset, prev.Seen
		b.Seen.Bits = slices.Clone(prev.Seen.Bits)
		for _, r := range prev.Refs {
			refs[r] = true
		}
	} else {
		b.Seen = newSeenFilter(len(ps.Events))
	}
	for i := range ps.Events {
		f := &ps.Events[i]
		b.Events++
		b.Seen.add(f.EventID)
		if f.OccurredAt.After(b.LastAt) {
			b.LastAt = f.OccurredAt
		}
		if f.success() && (f.Action == schemas.ActionMFAReset || f.Action == schemas.ActionPasswordReset) {
			r := *f
			b.LastReset = &r
		}
		for _, ref := range f.TicketRefs {
			refs[strings.ToUpper(ref)] = true
		}
	}
	b.Emails = slices.Clone(ps.Emails)
	slices.Sort(b.Emails)
	b.Aliases = slices.Clone(ps.Aliases)
	b.Refs = keys(refs)
	return b
}

// newKeyRows are the rows of the keys of value not stored yet: those in now not in prev.
func newKeyRows(value string, now, prev []string) [][]any {
	var out [][]any
	for _, k := range now {
		if !slices.Contains(prev, k) {
			out = append(out, []any{k, value})
		}
	}
	return out
}

// ledgerFactColumns are the columns of ledger_facts, in the order factRow fills them.
var ledgerFactColumns = []string{"event_id", "principal", "category", "action", "outcome", "lane", "occurred_at",
	"actor_id", "subject_id", "subject_type", "subject_email",
	"entitlement_id", "entitlement_name", "entitlement_kind", "entitlement_privilege", "entitlement_system", "entitlement_wildcard",
	"credential_id", "credential_kind", "credential_owner_id", "credential_expires_at", "ticket_refs", "inventory", "review_decision", "nhi_sign_in"}

// factRow is the ledger_facts row of f, which factFromRow reads back as f.
func factRow(f *fact) []any {
	refs := f.TicketRefs
	if refs == nil {
		refs = []string{}
	}
	return []any{f.EventID, f.Principal, string(f.Category), string(f.Action), string(f.Outcome), string(f.Lane), f.OccurredAt,
		f.ActorID, f.SubjectID, string(f.SubjectType), f.SubjectMail,
		f.EntID, f.EntName, f.EntKind, string(f.EntPriv), f.EntSystem, f.EntWildcard,
		f.CredID, f.CredKind, f.CredOwner, f.CredExpires, refs, inventoryJSON(f), f.Decision, f.NHISignIn}
}

func grantKey(g *grant) string { return g.Key }

func credentialKey(c *credential) string { return c.ID }

func prevGrants(b *ledgerBase) []grant {
	if b == nil {
		return nil
	}
	return b.Grants
}

func prevCreds(b *ledgerBase) []credential {
	if b == nil {
		return nil
	}
	return b.Creds
}

// changedRows are the rows of now that differ, the version (the last value) aside, from
// the row of the same key in prev: a principal's refresh rewrites the ledger rows its
// batch changed, not all it holds.
func changedRows[T any](now, prev []T, row func(*T) []any, key func(*T) string) [][]any {
	stored := make(map[string][]any, len(prev))
	for i := range prev {
		stored[key(&prev[i])] = row(&prev[i])
	}
	var out [][]any
	for i := range now {
		r := row(&now[i])
		if old, ok := stored[key(&now[i])]; !ok || !sameValues(old[:len(old)-1], r[:len(r)-1]) {
			out = append(out, r)
		}
	}
	return out
}

// sameValues compares two rows of Store insert values.
func sameValues(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case time.Time:
			if y, ok := b[i].(time.Time); !ok || !x.Equal(y) {
				return false
			}
		case *time.Time:
			y, ok := b[i].(*time.Time)
			if !ok || (x == nil) != (y == nil) || (x != nil && !x.Equal(*y)) {
				return false
			}
		case []string:
			if y, ok := b[i].([]string); !ok || !slices.Equal(x, y) {
				return false
			}
		default:
			if a[i] != b[i] {
				return false
			}
		}
	}
	return true
}

// memoLimit bounds the ledger events, and separately the tickets, an Auditor keeps in
// memory for its principals.
const memoLimit = 1_000_000

// memo holds, per principal, what this auditor derived for it as of one checkpoint
// version: its ledger events (so replaying it reads nothing) or the tickets that concern
// it (so a refresh looks up only tickets under keys the checkpoint did not have). An
// entry is used only at the version of the stored checkpoint: one another replica wrote
// since sends the auditor back to the tables.
type memo[T any] struct {
	mu    sync.Mutex
	m     map[string]memoEntry[T]
	total int
}

type memoEntry[T any] struct {
	version uint64
	items   []T
}

func (c *memo[T]) get(p string) (memoEntry[T], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[p]
	return e, ok
}

// at returns p's items at version.
func (c *memo[T]) at(p string, version uint64) ([]T, bool) {
	e, ok := c.get(p)
	return e.items, ok && e.version == version
}

func (c *memo[T]) put(p string, e memoEntry[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]memoEntry[T]{}
	}
	c.total += len(e.items) - len(c.m[p].items)
	c.m[p] = e
	for k, old := range c.m { // over the limit: drop arbitrary entries
		if c.total <= memoLimit {
			break
		}
		if k != p {
			c.total -= len(old.items)
			delete(c.m, k)
		}
	}
}

// withFacts is base with the events of extra it lacks, in a new slice (replays sort it).
func withFacts(base, extra []fact) []fact {
	out := make([]fact, 0, len(base)+len(extra))
	seen := make(map[string]bool, len(base)+len(extra))
	for _, fs := range [][]fact{base, extra} {
		for _, f := range fs {
			if !seen[f.EventID] {
				seen[f.EventID] = true
				out = append(out, f)
			}
		}
	}
	return out
}
