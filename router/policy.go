package router

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
	"cel.dev/cel-go/parser"
	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/ingest/catalog"
	"github.com/tollgate-io/tollgate/schemas"
)

// PolicyFormatVersion is the only policy file format this package reads; it
// is the `version` key of a policy file, not the policy's own version (that is
// the hash of its text, see Policy.Version).
const PolicyFormatVersion = 1

// CostLimit bounds the CEL cost of evaluating one rule against one event. A
// rule whose estimated worst case exceeds it is refused at load; an event
// that drives a rule past it at run time is an evaluation error.
const CostLimit = 100_000

// Policy is a loaded, type-checked routing policy. It is immutable and safe
// for concurrent use; swap policies with a PolicyHolder.
type Policy struct {
	version string
	text    []byte
	rules   []*rule
	deflt   outcome
	adapter types.Adapter
	lists   map[string]listValue
	// readsRaw: some rule may read event.raw, so the router decodes it.
	readsRaw bool
}

// rule is one compiled policy rule.
type rule struct {
	id          string
	description string
	when        string
	line        int
	outcome
	program   cel.Program
	readsRaw  bool
	conjuncts []conjunct
	// guards are necessary conditions checked in Go before the program runs
	// (see guard); when guarded is true they are the whole condition and the
	// program never runs in Decide.
	guards  []guard
	guarded bool
}

// conjunct is one `&&` term of a rule's condition, compiled on its own so
// Explain can say which term kept a rule from matching.
type conjunct struct {
	text    string
	program cel.Program
}

// outcome is what a matching rule (or the default) decides.
type outcome struct {
	lane     schemas.Lane
	impact   schemas.Impact
	controls []schemas.Control
	reason   string
	reasons  []string // []string{reason}, shared by every decision
}

// listValue is one named list bound into CEL as a constant.
type listValue struct {
	strings []string
	pairs   [][]string
	celType *cel.Type
	value   ref.Val
}

// policyFile is the YAML shape of a policy.
type policyFile struct {
	Version int                  `yaml:"version"`
	Lists   map[string]yaml.Node `yaml:"lists"`
	Rules   []yaml.Node          `yaml:"rules"`
	Default outcomeSpec          `yaml:"default"`
}

// ruleSpec is the YAML shape of a rule.
type ruleSpec struct {
	ID          string `yaml:"id"`
	Description string `yaml:"description"`
	When        string `yaml:"when"`
	outcomeSpec `yaml:",inline"`
}

// outcomeSpec is the YAML shape of a rule's or the default's decision.
type outcomeSpec struct {
	Lane     string   `yaml:"lane"`
	Impact   string   `yaml:"impact"`
	Controls []string `yaml:"controls"`
	Reason   string   `yaml:"reason"`
}

// LoadPolicy parses, validates and compiles a policy text. Every error wraps
// ErrInvalidPolicy and names the rule (by id, or by position when the id is
// missing) and the problem.
func LoadPolicy(text []byte) (*Policy, error) {
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	if f.Version != PolicyFormatVersion {
		return nil, fmt.Errorf("%w: version: want %d, got %d", ErrInvalidPolicy, PolicyFormatVersion, f.Version)
	}
	sum := sha256.Sum256(text)
	p := &Policy{version: hex.EncodeToString(sum[:])[:16], text: bytes.Clone(text)}

	lists, patterns, err := decodeLists(f.Lists)
	if err != nil {
		return nil, err
	}
	p.lists = lists
	env, err := newEnvironment(lists, patterns)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	p.adapter = env.CELTypeAdapter()
	estimator := newCostEstimator(lists)

	if len(f.Rules) == 0 {
		return nil, fmt.Errorf("%w: rules: a policy needs at least one rule", ErrInvalidPolicy)
	}
	seen := make(map[string]int, len(f.Rules))
	for i := range f.Rules {
		r, err := compileRule(env, estimator, &f.Rules[i], i)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
		}
		if prev, dup := seen[r.id]; dup {
			return nil, fmt.Errorf("%w: rule %q (line %d): duplicate id, first defined on line %d", ErrInvalidPolicy, r.id, r.line, prev)
		}
		seen[r.id] = r.line
		p.rules = append(p.rules, r)
		p.readsRaw = p.readsRaw || r.readsRaw
	}
	if f.Default.Lane == "" {
		f.Default.Lane = string(schemas.LaneTriage)
	}
	if p.deflt, err = f.Default.compile(); err != nil {
		return nil, fmt.Errorf("%w: default: %v", ErrInvalidPolicy, err)
	}
	return p, nil
}

// compileRule decodes, validates and compiles the i-th rule.
func compileRule(env *cel.Env, estimator *costEstimator, node *yaml.Node, i int) (*rule, error) {
	var spec ruleSpec
	if err := decodeStrict(node, &spec); err != nil {
		return nil, fmt.Errorf("rule #%d (line %d): %v", i+1, node.Line, err)
	}
	name := fmt.Sprintf("rule %q (line %d)", spec.ID, node.Line)
	if spec.ID == "" {
		return nil, fmt.Errorf("rule #%d (line %d): missing id", i+1, node.Line)
	}
	if spec.When == "" {
		return nil, fmt.Errorf("%s: missing when", name)
	}
	if spec.Lane == "" {
		return nil, fmt.Errorf("%s: missing lane", name)
	}
	out, err := spec.outcomeSpec.compile()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	checked, iss := env.Compile(spec.When)
	if iss.Err() != nil {
		return nil, fmt.Errorf("%s: when: %v", name, iss.Err())
	}
	if !checked.OutputType().IsExactType(types.BoolType) {
		return nil, fmt.Errorf("%s: when: must be a bool expression, is %s", name, checked.OutputType())
	}
	if err := checkEnumLiterals(checked); err != nil {
		return nil, fmt.Errorf("%s: when: %v", name, err)
	}
	est, err := env.EstimateCost(checked, estimator)
	if err != nil {
		return nil, fmt.Errorf("%s: when: estimate cost: %v", name, err)
	}
	if est.Max > CostLimit {
		return nil, fmt.Errorf("%s: when: estimated worst-case cost %d exceeds the limit %d (a comprehension over a large list?)", name, est.Max, CostLimit)
	}
	// Cost tracking costs about as much as the evaluation itself, so only
	// rules that iterate pay for it: without a comprehension a condition's
	// cost is linear in the event's size and cannot run away.
	prgOpts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if hasComprehension(checked) {
		prgOpts = append(prgOpts, cel.CostLimit(CostLimit))
	}
	prg, err := env.Program(checked, prgOpts...)
	if err != nil {
		return nil, fmt.Errorf("%s: when: %v", name, err)
	}
	conj, err := compileConjuncts(env, checked)
	if err != nil {
		return nil, fmt.Errorf("%s: when: %v", name, err)
	}
	guards, guarded := extractGuards(checked)
	return &rule{
		id: spec.ID, description: spec.Description, when: spec.When, line: node.Line,
		outcome: out, program: prg, readsRaw: readsRaw(checked), conjuncts: conj, guards: guards, guarded: guarded,
	}, nil
}

// hasComprehension reports whether a condition iterates (all, exists, map,
// filter...).
func hasComprehension(checked *cel.Ast) bool {
	found := false
	ast.PostOrderVisit(checked.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.ComprehensionKind {
			found = true
		}
	}))
	return found
}

// decodeStrict decodes a YAML subtree refusing unknown keys; yaml.Node.Decode
// alone ignores the decoder's KnownFields setting.
func decodeStrict(node *yaml.Node, out any) error {
	raw, err := yaml.Marshal(node)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(out)
}

// compileConjuncts splits a condition at its top-level `&&` and compiles each
// term, for Explain. A condition without `&&` has no conjuncts.
func compileConjuncts(env *cel.Env, checked *cel.Ast) ([]conjunct, error) {
	native := checked.NativeRep()
	var terms []ast.Expr
	var flatten func(e ast.Expr)
	flatten = func(e ast.Expr) {
		if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == operators.LogicalAnd {
			for _, a := range e.AsCall().Args() {
				flatten(a)
			}
			return
		}
		terms = append(terms, e)
	}
	flatten(native.Expr())
	if len(terms) < 2 {
		return nil, nil
	}
	out := make([]conjunct, 0, len(terms))
	for _, t := range terms {
		text, err := parser.Unparse(t, native.SourceInfo())
		if err != nil {
			return nil, fmt.Errorf("unparse term: %w", err)
		}
		c, iss := env.Compile(text)
		if iss.Err() != nil {
			return nil, fmt.Errorf("compile term %q: %w", text, iss.Err())
		}
		prg, err := env.Program(c, cel.CostLimit(CostLimit))
		if err != nil {
			return nil, fmt.Errorf("plan term %q: %w", text, err)
		}
		out = append(out, conjunct{text: text, program: prg})
	}
	return out, nil
}

// compile validates an outcome against the enums of the canonical schema.
func (s outcomeSpec) compile() (outcome, error) {
	o := outcome{lane: schemas.Lane(s.Lane), impact: schemas.Impact(s.Impact), reason: s.Reason}
	if !slices.Contains(schemas.Lanes, o.lane) {
		return o, fmt.Errorf("unknown lane %q (want one of %v)", s.Lane, schemas.Lanes)
	}
	if s.Impact == "" {
		o.impact = schemas.ImpactNone
	} else if !slices.Contains(impacts, o.impact) {
		return o, fmt.Errorf("unknown impact %q (want one of %v)", s.Impact, impacts)
	}
	for _, c := range s.Controls {
		ctl := schemas.Control(c)
		if !slices.Contains(controls, ctl) {
			return o, fmt.Errorf("unknown control %q (want one of %v)", c, controls)
		}
		if slices.Contains(o.controls, ctl) {
			return o, fmt.Errorf("control %q listed twice", c)
		}
		o.controls = append(o.controls, ctl)
	}
	if o.controls == nil {
		o.controls = []schemas.Control{}
	}
	o.controls = o.controls[:len(o.controls):len(o.controls)]
	o.reasons = []string{o.reason}
	return o, nil
}

var impacts = []schemas.Impact{schemas.ImpactNone, schemas.ImpactLow, schemas.ImpactMedium, schemas.ImpactHigh, schemas.ImpactCritical}

var controls = []schemas.Control{
	schemas.ControlApproval, schemas.ControlJustification, schemas.ControlReviewDate, schemas.ControlTimeBound,
	schemas.ControlPostEventReview, schemas.ControlIdentityProofing, schemas.ControlRotation, schemas.ControlOwner,
}

// decodeLists reads the policy's named lists: each is a list of strings or a
// list of string pairs (sod_pairs). Every string is also compiled as a name
// pattern for matches_any; a list whose name ends in "patterns" must compile.
func decodeLists(nodes map[string]yaml.Node) (map[string]listValue, *patternSet, error) {
	lists := make(map[string]listValue, len(nodes))
	ps := &patternSet{compiled: map[string]*regexp.Regexp{}}
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		node := nodes[name]
		if !validListName(name) {
			return nil, nil, fmt.Errorf("%w: lists.%s (line %d): a list name must be a CEL identifier ([a-z_][a-z0-9_]*)", ErrInvalidPolicy, name, node.Line)
		}
		var lv listValue
		var strs []string
		if err := node.Decode(&strs); err == nil {
			lv = listValue{strings: strs, celType: cel.ListType(cel.StringType), value: types.DefaultTypeAdapter.NativeToValue(nonNil(strs))}
		} else {
			var pairs [][]string
			if err := node.Decode(&pairs); err != nil {
				return nil, nil, fmt.Errorf("%w: lists.%s (line %d): want a list of strings or a list of string lists", ErrInvalidPolicy, name, node.Line)
			}
			for _, s := range pairs {
				strs = append(strs, s...)
			}
			lv = listValue{pairs: pairs, celType: cel.ListType(cel.ListType(cel.StringType)), value: types.DefaultTypeAdapter.NativeToValue(pairs)}
		}
		for _, s := range strs {
			re, err := compilePattern(s)
			if err != nil {
				if isPatternList(name) {
					return nil, nil, fmt.Errorf("%w: lists.%s (line %d): %v", ErrInvalidPolicy, name, node.Line, err)
				}
				continue
			}
			ps.compiled[s] = re
		}
		lists[name] = lv
	}
	return lists, ps, nil
}

func isPatternList(name string) bool {
	return len(name) >= len("patterns") && name[len(name)-len("patterns"):] == "patterns"
}

func validListName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ReadsRaw reports whether the policy may read event.raw. The router skips
// decoding the raw payload for a policy that does not.
func (p *Policy) ReadsRaw() bool { return p.readsRaw }

// Version is the policy version recorded on every decision: the first 16 hex
// characters of the SHA-256 of the policy text.
func (p *Policy) Version() string { return p.version }

// Text returns a copy of the policy text the policy was loaded from.
func (p *Policy) Text() []byte { return bytes.Clone(p.text) }

// RuleIDs lists the policy's rule ids in evaluation order.
func (p *Policy) RuleIDs() []string {
	ids := make([]string, len(p.rules))
	for i, r := range p.rules {
		ids[i] = r.id
	}
	return ids
}

// DefaultRuleID is the rule id recorded when no rule matched and the policy's
// default decided.
const DefaultRuleID = "default"

// Decide evaluates the rules in order against ev and returns the first
// matching rule's decision, or the default's. A rule that fails to evaluate
// makes the event undecidable: the error wraps ErrEvaluation and names the
// rule and event. The slices in the returned decision are shared with the
// policy and must not be modified.
func (p *Policy) Decide(ev *schemas.IdentityEvent, now time.Time) (schemas.Decision, error) {
	d, _, err := p.decide(ev, now)
	return d, err
}

// decide is Decide that also returns the index of the deciding rule, or
// len(p.rules) for the default.
func (p *Policy) decide(ev *schemas.IdentityEvent, now time.Time) (schemas.Decision, int, error) {
	act := activation{ev: ev, adapter: p.adapter}
	for i, r := range p.rules {
		matched, err := r.eval(ev, &act)
		if err != nil {
			return schemas.Decision{}, i, fmt.Errorf("%w: rule %q on event %q: %w", ErrEvaluation, r.id, ev.EventID, err)
		}
		if matched {
			return r.decision(r.id, p.version, now), i, nil
		}
	}
	d := p.deflt.decision(DefaultRuleID, p.version, now)
	if why := catalogWhy(ev); why != "" {
		d.Reasons = append(append(make([]string, 0, len(d.Reasons)+1), d.Reasons...), why)
	}
	return d, len(p.rules), nil
}

// catalogWhy says, for an event no rule decided, what the source's catalogue made of it:
// which catalogue had no entry, or which entry matched and why it decided nothing.
func catalogWhy(ev *schemas.IdentityEvent) string {
	a := ev.Attributes
	switch {
	case a[catalog.AttrMiss] != "":
		return a[catalog.AttrMiss]
	case a[catalog.AttrClass] == catalog.ClassUnknown:
		return fmt.Sprintf("the %s entry %q is deliberately unclassified: %s", a[catalog.AttrCatalog], a[catalog.AttrEntry], a[catalog.AttrNote])
	case a[catalog.AttrEntry] != "":
		return fmt.Sprintf("the %s entry %q maps to action %s, which no rule routes", a[catalog.AttrCatalog], a[catalog.AttrEntry], ev.Action)
	case ev.Category == schemas.CategoryTicket && a["itsm_class"] == "":
		rt := "none"
		if ev.Ticket != nil && ev.Ticket.RequestType != nil {
			rt = fmt.Sprintf("%q", *ev.Ticket.RequestType)
		}
		return fmt.Sprintf("the ticket's request type (%s) matched no ingest.request_types rule and its table or issue type (%q) names no ticket kind", rt, ev.SourceEventType)
	case a[catalog.AttrCatalog] == "":
		return fmt.Sprintf("no catalogue was consulted for source %s, event type %q", ev.Source, ev.SourceEventType)
	}
	return ""
}

func (o *outcome) decision(ruleID, version string, now time.Time) schemas.Decision {
	return schemas.Decision{
		Lane:             o.lane,
		Impact:           o.impact,
		RuleID:           ruleID,
		Reasons:          o.reasons,
		RequiredControls: o.controls,
		PolicyVersion:    version,
		DecidedAt:        now,
	}
}

// eval decides the rule's condition for ev: by its guards alone when one
// fails or they are the whole condition, else by running the program.
func (r *rule) eval(ev *schemas.IdentityEvent, act *activation) (bool, error) {
	for i := range r.guards {
		if !r.guards[i].holds(ev) {
			return false, nil
		}
	}
	if r.guarded {
		return true, nil
	}
	return evalBool(r.program, act)
}

func evalBool(prg cel.Program, act interpreter.Activation) (bool, error) {
	out, _, err := prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, errors.New("condition did not yield a bool")
	}
	return bool(b), nil
}

// activation resolves `event` for one evaluation. List constants are inlined
// by the planner, so only the event needs resolving; it is adapted on the
// first program that runs (many events are decided by guards alone) and
// once per Decide rather than once per rule.
type activation struct {
	ev      *schemas.IdentityEvent
	adapter types.Adapter
	event   ref.Val
}

func (p *Policy) activation(ev *schemas.IdentityEvent) *activation {
	return &activation{ev: ev, adapter: p.adapter}
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	if name != "event" {
		return nil, false
	}
	if a.event == nil {
		a.event = a.adapter.NativeToValue(a.ev)
	}
	return a.event, true
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }
