package router

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/decls"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"

	"github.com/tollgate-io/tollgate/schemas"
)

// eventTypeName is the CEL type name of the canonical event; field names are
// the event's json tags, so a rule reads like the canonical JSON.
const eventTypeName = "schemas.IdentityEvent"

// listsPrefix qualifies the policy's named lists in CEL: lists.privileged_groups.
const listsPrefix = "lists."

// newEnvironment declares the CEL environment rules compile in: the variable
// `event` typed from the Go structs of the canonical schema, one constant per
// named list (so a misspelt list name fails at load like a misspelt field),
// and the helper functions in_list and matches_any.
func newEnvironment(lists map[string]listValue, patterns *patternSet) (*cel.Env, error) {
	patterns.bindLists(lists)
	opts := []cel.EnvOption{
		ext.NativeTypes(reflect.TypeOf(&schemas.IdentityEvent{}), ext.ParseStructTag("json")),
		cel.Variable("event", cel.ObjectType(eventTypeName)),
		cel.OptionalTypes(),
		// Explain compiles each `&&` term on its own from its unparsed text;
		// a term with a macro (exists, all, ...) unparses only when the
		// macro call was recorded.
		cel.EnableMacroCallTracking(),
		ext.Strings(),
		// The checker proves both arguments are a string and a list of
		// strings, and the bindings check again, so CEL's run-time type
		// guard around each call is redundant work.
		cel.Function("in_list",
			cel.Overload("in_list_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(patterns.inList)),
			decls.DisableTypeGuards(true)),
		cel.Function("matches_any",
			cel.Overload("matches_any_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(patterns.matchesAny)),
			decls.DisableTypeGuards(true)),
	}
	for name, l := range lists {
		opts = append(opts, cel.Constant(listsPrefix+name, l.celType, l.value))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("declare CEL environment: %w", err)
	}
	return env, nil
}

// patternSet holds compiled name patterns. Patterns are globs (`*` any run,
// `?` one character, case-insensitive) unless prefixed `re:`, in which case
// the rest is a Go regular expression. Every string of every list is compiled
// at load so evaluation never compiles; a pattern written inline in a rule is
// compiled on first use and not cached, which keeps the set read-only.
type patternSet struct {
	compiled map[string]*regexp.Regexp
	// bound holds the policy's string lists by their CEL value: the planner
	// inlines list constants, so in_list and matches_any receive these very
	// values and can use the Go strings and matchers instead of converting
	// the CEL list (a copy per call) and running a regexp per glob.
	bound map[ref.Val]*boundList
}

// boundList is one policy list of strings, ready for in_list and matches_any.
type boundList struct {
	strings []string
	globs   []globPattern
}

// globPattern is one list element as matches_any uses it: a glob matched in
// Go when the element is a glob, else the element's regular expression.
type globPattern struct {
	glob string         // the glob, when re is nil
	re   *regexp.Regexp // the element's regexp: always for `re:` elements, and for globs on input with a newline
}

// bindLists prepares the policy's string lists for in_list and matches_any.
func (ps *patternSet) bindLists(lists map[string]listValue) {
	ps.bound = make(map[ref.Val]*boundList, len(lists))
	for _, l := range lists {
		if l.pairs != nil || !isHashable(l.value) {
			continue
		}
		b := &boundList{strings: nonNil(l.strings)}
		ok := true
		for _, e := range b.strings {
			re := ps.compiled[e]
			if re == nil {
				ok = false // a string that is not a valid pattern; matches_any reports it at run time
				break
			}
			g := globPattern{re: re}
			if !strings.HasPrefix(e, "re:") {
				g.glob = e
			}
			b.globs = append(b.globs, g)
		}
		if !ok {
			b.globs = nil
		}
		ps.bound[l.value] = b
	}
}

// isHashable reports whether v can key a map: list values are pointers.
func isHashable(v ref.Val) bool {
	return v != nil && reflect.TypeOf(v).Comparable()
}

// lookup returns the bound policy list list is, or nil for any other list.
func (ps *patternSet) lookup(list ref.Val) *boundList {
	if len(ps.bound) == 0 || !isHashable(list) {
		return nil
	}
	return ps.bound[list]
}

// inList reports whether s equals an element of the list, ignoring case:
// group and role names differ in case between consoles and APIs.
func (ps *patternSet) inList(s, list ref.Val) ref.Val {
	str, ok := s.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(s)
	}
	if b := ps.lookup(list); b != nil {
		for _, e := range b.strings {
			if strings.EqualFold(e, string(str)) {
				return types.True
			}
		}
		return types.False
	}
	l, ok := list.(traits.Lister)
	if !ok {
		return types.MaybeNoSuchOverloadErr(list)
	}
	it := l.Iterator()
	for it.HasNext() == types.True {
		if e, ok := it.Next().(types.String); ok && strings.EqualFold(string(e), string(str)) {
			return types.True
		}
	}
	return types.False
}

// compilePattern turns one pattern into a regular expression.
func compilePattern(p string) (*regexp.Regexp, error) {
	if rest, ok := strings.CutPrefix(p, "re:"); ok {
		re, err := regexp.Compile(rest)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		return re, nil
	}
	var b strings.Builder
	b.WriteString("(?i)^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func (ps *patternSet) matchesAny(s, list ref.Val) ref.Val {
	str, ok := s.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(s)
	}
	if b := ps.lookup(list); b != nil && b.globs != nil {
		newline := strings.IndexByte(string(str), '\n') >= 0
		for i := range b.globs {
			g := &b.globs[i]
			var m bool
			if g.re == nil || (g.glob != "" && !newline) {
				m = globMatch(g.glob, string(str))
			} else {
				m = g.re.MatchString(string(str))
			}
			if m {
				return types.True
			}
		}
		return types.False
	}
	l, ok := list.(traits.Lister)
	if !ok {
		return types.MaybeNoSuchOverloadErr(list)
	}
	it := l.Iterator()
	for it.HasNext() == types.True {
		e, ok := it.Next().(types.String)
		if !ok {
			continue
		}
		if r := ps.match(string(e), string(str)); r != types.False {
			return r
		}
	}
	return types.False
}

// match reports whether s matches pattern, or an error value for a pattern
// that does not compile.
func (ps *patternSet) match(pattern, s string) ref.Val {
	re := ps.compiled[pattern]
	if re == nil {
		var err error
		if re, err = compilePattern(pattern); err != nil {
			return types.NewErr("matches_any: %v", err)
		}
	}
	if re.MatchString(s) {
		return types.True
	}
	return types.False
}

// globMatch reports whether s, which holds no newline, matches the glob
// pattern exactly as the regular expression compilePattern builds from the
// glob would: `*` any run of characters, `?` one character, any other
// character itself under Unicode simple case folding. It is the classic
// single-backtrack glob match (on a mismatch the last `*` takes one more
// character), linear for the policy's patterns and free of allocation; a
// regexp per list element per event cost more than the rest of a rule.
func globMatch(pattern, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pattern) {
			pr, pw := utf8.DecodeRuneInString(pattern[pi:])
			switch pr {
			case '*':
				starP, starS = pi, si
				pi += pw
				continue
			case '?':
				_, sw := utf8.DecodeRuneInString(s[si:])
				pi, si = pi+pw, si+sw
				continue
			default:
				if sr, sw := utf8.DecodeRuneInString(s[si:]); equalFoldRune(pr, sr) {
					pi, si = pi+pw, si+sw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := utf8.DecodeRuneInString(s[starS:])
		starS += sw
		pi, si = starP+1, starS
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// equalFoldRune reports whether a and b are equal under Unicode simple case
// folding, as (?i) compares a literal.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b && ('a' <= a && a <= 'z')
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
