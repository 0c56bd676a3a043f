package router

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"cel.dev/cel-go/cel"
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
	opts := []cel.EnvOption{
		ext.NativeTypes(reflect.TypeOf(&schemas.IdentityEvent{}), ext.ParseStructTag("json")),
		cel.Variable("event", cel.ObjectType(eventTypeName)),
		cel.OptionalTypes(),
		ext.Strings(),
		cel.Function("in_list",
			cel.Overload("in_list_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(inList))),
		cel.Function("matches_any",
			cel.Overload("matches_any_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(patterns.matchesAny))),
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

// inList reports whether s equals an element of the list, ignoring case:
// group and role names differ in case between consoles and APIs.
func inList(s, list ref.Val) ref.Val {
	str, ok := s.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(s)
	}
	if native, ok := list.Value().([]string); ok { // policy lists: no per-element allocation
		for _, e := range native {
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

// patternSet holds compiled name patterns. Patterns are globs (`*` any run,
// `?` one character, case-insensitive) unless prefixed `re:`, in which case
// the rest is a Go regular expression. Every string of every list is compiled
// at load so evaluation never compiles; a pattern written inline in a rule is
// compiled on first use and not cached, which keeps the set read-only.
type patternSet struct {
	compiled map[string]*regexp.Regexp
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
	if native, ok := list.Value().([]string); ok { // policy lists: no per-element allocation
		for _, e := range native {
			if r := ps.match(e, string(str)); r != types.False {
				return r
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
