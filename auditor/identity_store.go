package auditor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgate-io/tollgate/schemas"
)

var aliasColumns = []string{"alias", "identity", "source", "reason", "first_seen", "updated_at", "version", "deleted"}

const aliasSelect = "SELECT alias, identity, source, reason, toUnixTimestamp64Milli(updated_at) AS updated_at, version, deleted FROM identity_aliases FINAL"

func aliasRow(a alias) []any {
	return []any{a.Account, a.Identity, a.Source, a.Reason, a.At, a.At, uint64(a.At.UnixMicro()), a.Deleted}
}

func aliasFromRow(r Row) alias {
	return alias{Account: r.String("alias"), Identity: r.String("identity"), Source: r.String("source"),
		Reason: r.String("reason"), At: r.Time("updated_at"), Deleted: r.Bool("deleted")}
}

// loadIdentities reads identity_aliases into the resolver the first time it is called (and
// writes the configuration's aliases, withdrawing those taken out of it); later calls read
// only the rows stored since, so another replica's or an analyst's mapping is seen. It
// returns the accounts whose identity changed.
func (a *Auditor) loadIdentities(ctx context.Context) ([]string, error) {
	a.idMu.Lock()
	defer a.idMu.Unlock()
	q := aliasSelect
	if a.idLoaded {
		// Ten minutes of overlap: a row another replica stamped earlier may be committed
		// after this one read a later one. Reading a row again changes nothing.
		q += fmt.Sprintf(" WHERE version > %d", a.ids.version-min(a.ids.version, uint64(10*time.Minute/time.Microsecond)))
	}
	rows, err := a.store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("auditor: load identity aliases: %w", err)
	}
	stored := make([]alias, 0, len(rows))
	for _, r := range rows {
		al := aliasFromRow(r)
		stored = append(stored, al)
		if v := uint64(r.Int("version")); v > a.ids.version {
			a.ids.version = v
		}
	}
	moved := a.ids.add(stored...)
	if a.idLoaded {
		return moved, nil
	}
	a.idLoaded = true
	now := a.clock().UTC()
	want := map[string]alias{}
	for _, al := range a.cfg.Identities.configAliases() {
		want[fold(al.Account)] = al
	}
	var write []alias
	for _, s := range stored {
		if s.Source != AliasConfig || s.Deleted {
			continue
		}
		w, ok := want[fold(s.Account)]
		switch {
		case !ok:
			s.Deleted, s.At, s.Reason = true, now, "taken out of the configuration"
			write = append(write, s)
		case w.Identity == s.Identity:
			delete(want, fold(s.Account))
		}
	}
	for _, k := range keys(want) {
		w := want[k]
		w.At = now
		write = append(write, w)
	}
	if err := a.writeAliases(ctx, write); err != nil {
		return nil, err
	}
	return append(moved, a.ids.add(write...)...), nil
}

// writeAliases stores mappings.
func (a *Auditor) writeAliases(ctx context.Context, rows []alias) error {
	if len(rows) == 0 {
		return nil
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = aliasRow(r)
	}
	if err := a.store.Insert(ctx, "identity_aliases", aliasColumns, out); err != nil {
		return fmt.Errorf("auditor: write %d identity aliases: %w", len(rows), err)
	}
	return nil
}

// learnAliases are the mappings a batch teaches that the resolver does not have yet: an
// account whose event names its email too (an Okta or Entra user's id and login), from an
// inventory listing or a vendor event, and an account a configured rule maps. A shared
// account is not learned from: an assumed AWS role names its session's user, not itself.
func (a *Auditor) learnAliases(batch []schemas.RoutedEvent, principals map[string]bool) []alias {
	now := a.clock().UTC()
	learned := map[string]alias{}
	// learn keeps account → email unless the resolver has it already; reason is built only
	// then, since most events name people the resolver knows.
	learn := func(account, email, src string, reason func() string) {
		al := alias{Account: account, Identity: email, Source: src, At: now}
		if a.ids.has(al) {
			return
		}
		k := fold(account) + "\x00" + src
		if old, ok := learned[k]; !ok || old.Identity == email {
			al.Reason = reason()
			learned[k] = al
		}
	}
	for i := range batch {
		e := &batch[i].Event
		if e.Category == schemas.CategoryTicket {
			continue
		}
		src, what := AliasEvent, "event"
		if _, ok := e.Attributes[schemas.InventoryAttr]; ok {
			src, what = AliasSnapshot, "inventory listing"
		}
		for _, p := range []*schemas.Principal{e.Subject, e.Actor} {
			if p == nil || p.Email == nil || *p.Email == "" || p.Type == schemas.PrincipalNHI || p.Type == schemas.PrincipalSystem {
				continue
			}
			email := strings.ToLower(*p.Email)
			// The account an event that names only the vendor's id would be keyed by
			// (okta:00u…, entra:<object id>), and the principal's id where it is not
			// the email: both are the person the email names.
			for _, acc := range []string{sourceAccount(e.Source, p.SourceID), p.ID} {
				if acc != "" && !strings.EqualFold(acc, email) {
					learn(acc, email, src, func() string {
						return fmt.Sprintf("%s %s (%s) names %s with email %s", what, e.EventID, e.Source, acc, email)
					})
				}
			}
		}
		// An Okta app assignment or SAML sign-on names the person's username in the app;
		// one that is an email is the account the app's own logs (Google Workspace, a
		// SaaS app provisioned from Okta) key them by.
		appUser := strings.ToLower(e.Attributes["app_user"])
		if e.Source != schemas.SourceOkta || !strings.Contains(appUser, "@") || len(appUser) > maxIdentityText {
			continue
		}
		person := e.Subject
		if person == nil || person.Type != schemas.PrincipalHuman {
			person = e.Actor
		}
		if person == nil || person.Type != schemas.PrincipalHuman || person.Email == nil || strings.EqualFold(*person.Email, appUser) {
			continue
		}
		email := strings.ToLower(*person.Email)
		learn(appUser, email, AliasEvent, func() string {
			return fmt.Sprintf("event %s (%s) names %s's username in an app: %s", e.EventID, e.SourceEventType, email, appUser)
		})
	}
	for p := range principals {
		if al, ok := a.ids.ruleAlias(p); ok && !a.ids.has(al) {
			al.At = now
			learned[fold(p)+"\x00"+AliasRule] = al
		}
	}
	out := make([]alias, 0, len(learned))
	for _, k := range keys(learned) {
		out = append(out, learned[k])
	}
	return out
}

// IdentityChange is an analyst's correction of the resolver: Account belongs to Identity
// (source manual, which beats every other; mapping an account to itself detaches it), or,
// with Clear, the analyst's earlier mapping of Account is withdrawn and the other sources
// decide again. The auditors read it at their next sweep and re-audit the accounts it moves.
type IdentityChange struct {
	Account  string `json:"account"`
	Identity string `json:"identity,omitempty"`
	Clear    bool   `json:"clear,omitempty"`
	Reason   string `json:"reason"`
	Actor    string `json:"actor"`
}

// ErrInvalidIdentityChange is an identity correction that cannot be recorded (what is
// missing or malformed is in the message).
var ErrInvalidIdentityChange = errors.New("auditor: invalid identity correction")

// maxIdentityText bounds an account, identity, reason or actor.
const maxIdentityText = 1024

func (c *IdentityChange) validate() error {
	c.Account, c.Identity, c.Actor = strings.TrimSpace(c.Account), strings.TrimSpace(c.Identity), strings.TrimSpace(c.Actor)
	switch {
	case c.Account == "":
		return fmt.Errorf("%w: an account is required", ErrInvalidIdentityChange)
	case c.Clear && c.Identity != "":
		return fmt.Errorf("%w: clearing a mapping takes no identity", ErrInvalidIdentityChange)
	case !c.Clear && c.Identity == "":
		return fmt.Errorf("%w: an identity is required (the account itself detaches it)", ErrInvalidIdentityChange)
	case strings.TrimSpace(c.Reason) == "":
		return fmt.Errorf("%w: a reason is required", ErrInvalidIdentityChange)
	case c.Actor == "":
		return fmt.Errorf("%w: who decides is required", ErrInvalidIdentityChange)
	}
	for name, v := range map[string]string{"account": c.Account, "identity": c.Identity, "reason": c.Reason, "actor": c.Actor} {
		if len(v) > maxIdentityText || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%w: %s must be UTF-8 text of at most %d bytes without control characters", ErrInvalidIdentityChange, name, maxIdentityText)
		}
	}
	return nil
}

// ChangeIdentity stores an analyst's correction (see IdentityChange).
func (a *Auditor) ChangeIdentity(ctx context.Context, c IdentityChange) (IdentityChange, error) {
	if err := c.validate(); err != nil {
		return IdentityChange{}, err
	}
	al := alias{Account: c.Account, Identity: c.Identity, Source: AliasManual, Reason: c.Reason + " (" + c.Actor + ")", At: a.clock().UTC()}
	if c.Clear {
		al.Identity, al.Deleted = c.Account, true
	}
	if err := a.writeAliases(ctx, []alias{al}); err != nil {
		return IdentityChange{}, err
	}
	return c, nil
}

// PrincipalAccount is one account of an identity and why it belongs.
type PrincipalAccount struct {
	Account string `json:"account"`
	Source  string `json:"source"`
	Reason  string `json:"reason"`
}

// Principal is one identity of the principals view: its accounts and why each belongs.
type Principal struct {
	Identity string             `json:"identity"`
	Accounts []PrincipalAccount `json:"accounts"`
}

// Principals lists the stored identities that join accounts (or the one holding account,
// when given), as the principals view resolves them. Mappings by rule appear once the
// auditor has seen the account.
func (a *Auditor) Principals(ctx context.Context, account string) ([]Principal, error) {
	q := "SELECT identity, aliases, sources, reasons FROM principals"
	if account != "" {
		q += " WHERE has(aliases, " + quote(account) + ") OR identity = " + quote(account)
	} else {
		q += " WHERE length(aliases) > 1 OR NOT has(aliases, identity)"
	}
	rows, err := a.store.Query(ctx, q+" ORDER BY identity LIMIT 10000")
	if err != nil {
		return nil, fmt.Errorf("auditor: list principals: %w", err)
	}
	out := make([]Principal, 0, len(rows))
	for _, r := range rows {
		p := Principal{Identity: r.String("identity")}
		as, srcs, why := r.Strings("aliases"), r.Strings("sources"), r.Strings("reasons")
		for i := range as {
			pa := PrincipalAccount{Account: as[i]}
			if i < len(srcs) {
				pa.Source = srcs[i]
			}
			if i < len(why) {
				pa.Reason = why[i]
			}
			p.Accounts = append(p.Accounts, pa)
		}
		out = append(out, p)
	}
	return out, nil
}

// attachPeers gives each principal the view of its peers its detections read: their
// latest reset and active grants as of this batch (checkpoints, for those refreshed with
// it) or of their stored checkpoints. saved holds what the batch read already, a nil entry
// for an account it found none for (markRead); only the rest is read here.
func (a *Auditor) attachPeers(ctx context.Context, states []*principalState, peers map[string][]alias, checkpoints, saved map[string]*ledgerBase) error {
	var missing []string
	for _, ps := range states {
		for _, q := range peers[ps.ID] {
			if _, read := saved[q.Account]; checkpoints[q.Account] == nil && !read {
				missing = append(missing, q.Account)
			}
		}
	}
	slices.Sort(missing)
	loaded, err := a.loadStates(ctx, slices.Compact(missing))
	if err != nil {
		return err
	}
	for _, ps := range states {
		if len(peers[ps.ID]) == 0 {
			continue
		}
		own, _ := a.ids.identityOf(ps.ID)
		for _, q := range peers[ps.ID] {
			v := peerView{alias: q, Why: joinReason(ps.ID, q, own)}
			b := checkpoints[q.Account]
			if b == nil {
				b = saved[q.Account]
			}
			if b == nil {
				b = loaded[q.Account]
			}
			if b != nil {
				v.LastReset = b.LastReset
				for _, g := range b.Grants {
					if g.active() {
						v.Grants = append(v.Grants, g)
					}
				}
			}
			ps.Peers = append(ps.Peers, v)
		}
	}
	return nil
}

// reauditMoved reads the mappings stored since the last read and replays the principals
// whose checkpoint holds other aliases than the resolver now gives them.
func (a *Auditor) reauditMoved(ctx context.Context) ([]schemas.Finding, error) {
	moved, err := a.loadIdentities(ctx)
	if err != nil {
		return nil, err
	}
	a.idMu.Lock()
	moved, a.idPending = append(moved, a.idPending...), nil
	a.idMu.Unlock()
	if len(moved) == 0 {
		return nil, nil
	}
	slices.Sort(moved)
	moved = slices.Compact(moved)
	retry := func(err error) ([]schemas.Finding, error) {
		a.idMu.Lock()
		a.idPending = append(a.idPending, moved...) // the next sweep tries again
		a.idMu.Unlock()
		return nil, err
	}
	states, err := a.loadStates(ctx, moved)
	if err != nil {
		return retry(err)
	}
	var stale []string
	for _, q := range keys(states) {
		if !slices.Equal(states[q].Aliases, accounts(a.ids.peers(q))) {
			stale = append(stale, q)
		}
	}
	if len(stale) == 0 {
		return nil, nil
	}
	a.log.Info("auditor: identities changed, re-auditing their principals", "principals", len(stale))
	changed, err := a.writeBatch(ctx, nil, stale)
	if err != nil {
		return retry(err)
	}
	return changed, nil
}

// sourceAccount is the principal id ingest gives an account it knows only by the vendor's
// id (ingest.CanonicalID without an email): an ARN as it is, an email lower-cased, else
// the source's name and the id ("okta:00u1abc"). "" for no id.
func sourceAccount(src schemas.Source, sourceID string) string {
	id := strings.TrimSpace(sourceID)
	switch {
	case id == "":
		return ""
	case strings.HasPrefix(id, "arn:"):
		return id
	case strings.Contains(id, "@"):
		return strings.ToLower(id)
	}
	return strings.ToLower(string(src)) + ":" + id
}
