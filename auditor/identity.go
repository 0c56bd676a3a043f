package auditor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Identity resolution: one person is several accounts (okta:00u…, an Entra object, an AWS
// IAM user, an email). An alias maps an account to the identity it belongs to; the
// auditor joins the accounts of one identity for ticket matching, SELF_APPROVED,
// MFA_RESET_THEN_PRIVILEGE and SOD_CONFLICT, and names the join in the findings it proves.
//
// The mappings come from, strongest first: an analyst's correction (`tollgate identities
// map|unmap`), the configuration's explicit aliases, inventory snapshots and vendor events
// that name an account's id and email together, and the configuration's rules. They are
// kept in the identity_aliases table so every replica and restart resolves alike.

// Where an alias comes from, strongest first.
const (
	AliasManual   = "manual"
	AliasConfig   = "config"
	AliasSnapshot = "snapshot"
	AliasEvent    = "event"
	AliasRule     = "rule"
)

var aliasRank = map[string]int{AliasManual: 0, AliasConfig: 1, AliasSnapshot: 2, AliasEvent: 3, AliasRule: 4}

// IdentityConfig is auditor.detections.identities.
type IdentityConfig struct {
	// Aliases are explicit mappings: each account listed belongs to identity.
	Aliases []IdentityAlias `yaml:"aliases"`
	// Rules map the accounts their pattern matches: {name} captures one path segment and
	// * matches any run of characters but '/' and ':' (case-insensitive, the whole id).
	Rules []IdentityRule `yaml:"rules"`
}

// IdentityAlias is one entry of identities.aliases.
type IdentityAlias struct {
	Identity string   `yaml:"identity"`
	Accounts []string `yaml:"accounts"`
}

// IdentityRule is one entry of identities.rules, e.g. name "aws-iam-users", match
// "arn:aws:iam::123456789012:user/{name}", identity "{name}@corp.example".
type IdentityRule struct {
	Name     string `yaml:"name"`
	Match    string `yaml:"match"`
	Identity string `yaml:"identity"`
}

// alias is one account's mapping.
type alias struct {
	Account, Identity, Source, Reason string
	At                                time.Time
	Deleted                           bool
}

// compiledRule is an IdentityRule ready to match.
type compiledRule struct {
	IdentityRule
	re *regexp.Regexp
}

// compileRule turns a rule's pattern into an anchored, case-insensitive expression.
func compileRule(r IdentityRule) (compiledRule, error) {
	if strings.TrimSpace(r.Name) == "" {
		return compiledRule{}, fmt.Errorf("a rule needs a name")
	}
	if r.Match == "" || r.Identity == "" {
		return compiledRule{}, fmt.Errorf("rule %q needs match and identity", r.Name)
	}
	if strings.Count(r.Match, "{name}") > 1 {
		return compiledRule{}, fmt.Errorf("rule %q: match may hold {name} once", r.Name)
	}
	if strings.Contains(r.Identity, "{name}") && !strings.Contains(r.Match, "{name}") {
		return compiledRule{}, fmt.Errorf("rule %q: identity uses {name} but match does not capture it", r.Name)
	}
	var b strings.Builder
	b.WriteString("(?i)^")
	rest := r.Match
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "{name}"):
			b.WriteString(`([^/:]+)`)
			rest = rest[len("{name}"):]
		case rest[0] == '*':
			b.WriteString(`[^/:]*`)
			rest = rest[1:]
		default:
			i := strings.IndexAny(rest, "*{")
			if i == 0 {
				i = 1 // a '{' that does not start {name}
			} else if i < 0 {
				i = len(rest)
			}
			b.WriteString(regexp.QuoteMeta(rest[:i]))
			rest = rest[i:]
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return compiledRule{}, fmt.Errorf("rule %q: %w", r.Name, err)
	}
	return compiledRule{IdentityRule: r, re: re}, nil
}

// apply returns the identity the rule gives account, if it matches.
func (r *compiledRule) apply(account string) (string, bool) {
	m := r.re.FindStringSubmatch(account)
	if m == nil {
		return "", false
	}
	id := r.Identity
	if len(m) > 1 {
		id = strings.ReplaceAll(id, "{name}", strings.ToLower(m[1]))
	}
	return id, true
}

// Validate reports the first invalid entry, naming its YAML key.
func (c IdentityConfig) Validate() error {
	for i, a := range c.Aliases {
		if strings.TrimSpace(a.Identity) == "" || len(a.Accounts) == 0 {
			return fmt.Errorf("%w: auditor.detections.identities.aliases[%d] needs an identity and its accounts", ErrInvalidConfig, i)
		}
		for j, acc := range a.Accounts {
			if strings.TrimSpace(acc) == "" {
				return fmt.Errorf("%w: auditor.detections.identities.aliases[%d].accounts[%d] is empty", ErrInvalidConfig, i, j)
			}
		}
	}
	for i, r := range c.Rules {
		if _, err := compileRule(r); err != nil {
			return fmt.Errorf("%w: auditor.detections.identities.rules[%d]: %w", ErrInvalidConfig, i, err)
		}
	}
	return nil
}

// configAliases are the rows the configuration's explicit aliases give.
func (c IdentityConfig) configAliases() []alias {
	var out []alias
	for _, a := range c.Aliases {
		for _, acc := range a.Accounts {
			out = append(out, alias{Account: acc, Identity: a.Identity, Source: AliasConfig, Reason: "configured alias of " + a.Identity})
		}
	}
	return out
}

// maxAccounts is the most accounts one identity joins. One that has more is not a person
// (a rule whose identity does not use {name}, an alias list gone wrong): its accounts stand
// alone, and the principals view shows the mistake.
const maxAccounts = 64

// identities is the auditor's resolver: every mapping it has read or learned, indexed by
// folded account and by identity. It is safe for concurrent use.
type identities struct {
	mu    sync.RWMutex
	rules []compiledRule
	// rows holds each account's mappings by source; best is derived from it.
	rows    map[string]map[string]alias // folded account → source → alias
	members map[string]map[string]bool  // folded identity → accounts as first written
	version uint64                      // the newest stored version read
}

func newIdentities(cfg IdentityConfig) *identities {
	ix := &identities{rows: map[string]map[string]alias{}, members: map[string]map[string]bool{}}
	for _, r := range cfg.Rules {
		if cr, err := compileRule(r); err == nil { // validated by Config.Validate
			ix.rules = append(ix.rules, cr)
		}
	}
	return ix
}

// best is the strongest live mapping of a folded account; the caller holds mu.
func (ix *identities) best(key string) (alias, bool) {
	var out alias
	found := false
	for _, a := range ix.rows[key] {
		if a.Deleted {
			continue
		}
		if !found || aliasRank[a.Source] < aliasRank[out.Source] {
			out, found = a, true
		}
	}
	return out, found
}

// add records mappings and reports the accounts whose identity changed (with the
// identities they left and joined), so their peers can be re-audited.
func (ix *identities) add(rows ...alias) []string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var moved []string
	for _, r := range rows {
		key := fold(r.Account)
		before, had := ix.best(key)
		if ix.rows[key] == nil {
			ix.rows[key] = map[string]alias{}
		}
		if old, ok := ix.rows[key][r.Source]; ok && !old.At.IsZero() && r.At.Before(old.At) {
			continue // an older version of a mapping already read
		}
		ix.rows[key][r.Source] = r
		after, has := ix.best(key)
		if had {
			delete(ix.members[fold(before.Identity)], before.Account)
		}
		if has {
			m := ix.members[fold(after.Identity)]
			if m == nil {
				m = map[string]bool{}
				ix.members[fold(after.Identity)] = m
			}
			m[after.Account] = true
		}
		if had != has || !strings.EqualFold(before.Identity, after.Identity) {
			moved = append(moved, r.Account)
			for _, id := range []string{before.Identity, after.Identity} {
				if m := ix.members[fold(id)]; len(m) <= maxAccounts+1 {
					for acc := range m {
						moved = append(moved, acc)
					}
				}
			}
		}
	}
	slices.Sort(moved)
	return slices.Compact(moved)
}

// has reports whether the resolver holds al's mapping from al's source already.
func (ix *identities) has(al alias) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	old, ok := ix.rows[fold(al.Account)][al.Source]
	return ok && !old.Deleted && strings.EqualFold(old.Identity, al.Identity)
}

// ruleAlias is the mapping a configured rule gives account, if one does.
func (ix *identities) ruleAlias(account string) (alias, bool) {
	for i := range ix.rules {
		if id, ok := ix.rules[i].apply(account); ok && !strings.EqualFold(id, account) {
			return alias{Account: account, Identity: id, Source: AliasRule, Reason: "rule " + ix.rules[i].Name}, true
		}
	}
	return alias{}, false
}

// identityOf returns the identity account belongs to and the mapping that says so; an
// account nothing maps stands alone (its own identity, ok false).
func (ix *identities) identityOf(account string) (alias, bool) {
	ix.mu.RLock()
	a, ok := ix.best(fold(account))
	ix.mu.RUnlock()
	if ok {
		return a, !strings.EqualFold(a.Identity, account)
	}
	if a, ok := ix.ruleAlias(account); ok {
		return a, true
	}
	return alias{Account: account, Identity: account}, false
}

// peers returns the other accounts of account's identity (and the identity itself when it
// is not one of them), each with the mapping that joins it, sorted by account.
func (ix *identities) peers(account string) []alias {
	own, ok := ix.identityOf(account)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []alias
	idKey := fold(own.Identity)
	if len(ix.members[idKey]) > maxAccounts {
		return nil // not one person's accounts: a rule or alias that maps too much
	}
	for acc := range ix.members[idKey] {
		if strings.EqualFold(acc, account) {
			continue
		}
		if a, found := ix.best(fold(acc)); found {
			out = append(out, a)
		}
	}
	if ok && !strings.EqualFold(own.Identity, account) && !slices.ContainsFunc(out, func(a alias) bool { return strings.EqualFold(a.Account, own.Identity) }) {
		// The identity is usually the person's email: tickets name it.
		out = append(out, alias{Account: own.Identity, Identity: own.Identity, Source: own.Source, Reason: own.Reason})
	}
	if !ok && len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b alias) int { return strings.Compare(a.Account, b.Account) })
	return out
}

// accounts are the account names of aliases.
func accounts(as []alias) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Account
	}
	return out
}

// joinReason says why two accounts are one identity, for a finding's summary.
func joinReason(account string, p alias, own alias) string {
	why := p.Source + ": " + p.Reason
	if own.Reason != "" && own.Account != "" && !strings.EqualFold(own.Account, p.Account) {
		why = own.Source + ": " + own.Reason + "; " + why
	}
	return fmt.Sprintf("%s is the same identity as %s (%s)", p.Account, account, why)
}

// identitiesLoaded reports whether the stored mappings have been read once.
func (a *Auditor) identitiesLoaded() bool {
	a.idMu.Lock()
	defer a.idMu.Unlock()
	return a.idLoaded
}

// peerRelevant reports whether f changes what a peer's detections read of its account: a
// successful MFA or password reset, or access widened or withdrawn.
func peerRelevant(f fact) bool {
	if !f.success() {
		return false
	}
	switch f.Action {
	case schemas.ActionMFAReset, schemas.ActionPasswordReset, schemas.ActionAccessRevoke, schemas.ActionAccountDisable, schemas.ActionAccountDelete:
		return true
	}
	return f.accessChange()
}
