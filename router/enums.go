package router

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/tollgate-io/tollgate/schemas"
)

// enumFields lists, per CEL type and field, the symbols of the canonical enum
// the field holds. Enums are strings in CEL so rules read naturally
// (event.action == "ACCESS_GRANT"); this table lets the load step refuse a
// literal that can never match (event.action == "ACCES_GRANT"), which the
// type checker alone would accept.
var enumFields = map[string][]string{
	"schemas.IdentityEvent.source":   {"OKTA", "ENTRA", "CLOUDTRAIL", "GOOGLE_WORKSPACE", "SERVICENOW", "JIRA_SM", "GENERIC"},
	"schemas.IdentityEvent.category": {"IAM", "TICKET", "OTHER"},
	"schemas.IdentityEvent.action": {"PASSWORD_RESET", "PASSWORD_CHANGE", "ACCOUNT_UNLOCK", "ACCOUNT_LOCK",
		"MFA_RESET", "MFA_ENROLL", "ACCESS_GRANT", "ACCESS_REVOKE", "ACCOUNT_CREATE", "ACCOUNT_ENABLE",
		"ACCOUNT_DISABLE", "ACCOUNT_DELETE", "POLICY_CHANGE", "CREDENTIAL_CREATE", "CREDENTIAL_ROTATE",
		"CREDENTIAL_DELETE", "ACCESS_REVIEWED", "IMPERSONATION", "SIGN_IN", "READ", "TICKET_OPENED",
		"TICKET_UPDATED", "TICKET_APPROVED", "TICKET_REJECTED", "TICKET_CLOSED", "OTHER"},
	"schemas.IdentityEvent.outcome": {"SUCCESS", "FAILURE", "UNKNOWN"},
	"schemas.Principal.type":        {"HUMAN", "NHI", "SYSTEM", "UNKNOWN"},
	"schemas.Entitlement.kind":      {"GROUP", "ROLE", "APP", "POLICY", "PERMISSION", "ACCOUNT", "OTHER"},
	"schemas.Entitlement.privilege": {"ADMIN", "WRITE", "READ", "UNKNOWN"},
	"schemas.Credential.kind":       {"API_TOKEN", "ACCESS_KEY", "CLIENT_SECRET", "CERTIFICATE", "OTHER"},
	"schemas.Ticket.kind":           {"INCIDENT", "SERVICE_REQUEST", "CHANGE", "ACCESS_REVIEW", "OTHER"},
	"schemas.Ticket.approval":       {"APPROVED", "REJECTED", "PENDING", "NOT_REQUIRED", "UNKNOWN"},
}

// checkEnumLiterals refuses comparisons (==, !=, in) of an enum field with a
// string literal that is not one of the enum's symbols.
func checkEnumLiterals(checked *cel.Ast) error {
	native := checked.NativeRep()
	var firstErr error
	visit := func(e ast.Expr) {
		if firstErr != nil || e.Kind() != ast.CallKind {
			return
		}
		call := e.AsCall()
		args := call.Args()
		if len(args) != 2 {
			return
		}
		switch call.FunctionName() {
		case operators.Equals, operators.NotEquals:
			if err := checkEnumPair(native, args[0], args[1]); err != nil {
				firstErr = err
			} else if err := checkEnumPair(native, args[1], args[0]); err != nil {
				firstErr = err
			}
		case operators.In:
			if args[1].Kind() != ast.ListKind {
				return
			}
			for _, el := range args[1].AsList().Elements() {
				if err := checkEnumPair(native, args[0], el); err != nil {
					firstErr = err
					return
				}
			}
		}
	}
	ast.PostOrderVisit(native.Expr(), ast.NewExprVisitor(visit))
	return firstErr
}

func checkEnumPair(native *ast.AST, field, lit ast.Expr) error {
	if field.Kind() != ast.SelectKind || lit.Kind() != ast.LiteralKind {
		return nil
	}
	s, ok := lit.AsLiteral().(types.String)
	if !ok {
		return nil
	}
	sel := field.AsSelect()
	operandType := native.GetType(sel.Operand().ID())
	if operandType == nil {
		return nil
	}
	key := operandType.TypeName() + "." + sel.FieldName()
	symbols, ok := enumFields[key]
	if !ok || slices.Contains(symbols, string(s)) {
		return nil
	}
	return fmt.Errorf("%q is not a value of %s (want one of %v)", string(s), sel.FieldName(), symbols)
}

// guard is a necessary condition of a rule that Decide checks in Go before
// running the rule's CEL program: one top-level `&&` term that compares a
// plain string field of the event (never null, so never an error) with
// string literals, as in `event.action in ["ACCESS_GRANT", "POLICY_CHANGE"]`.
// CEL's `&&` is false as soon as any term is false, whatever the other terms
// evaluate to (errors included), so a failed guard decides the rule exactly
// as the program would, without its cost: most rules of a policy open with
// such a term, and most events fail it for most rules.
type guard struct {
	field  func(*schemas.IdentityEvent) string
	values []string
	negate bool // the term is `!=`: the field must equal none of values
}

// holds reports whether the guard's term is true for ev.
func (g *guard) holds(ev *schemas.IdentityEvent) bool {
	return slices.Contains(g.values, g.field(ev)) != g.negate
}

// guardFields are the event fields a guard may read: top-level strings,
// which CEL sees as strings and which are never absent.
var guardFields = map[string]func(*schemas.IdentityEvent) string{
	"event_id":          func(ev *schemas.IdentityEvent) string { return ev.EventID },
	"source":            func(ev *schemas.IdentityEvent) string { return string(ev.Source) },
	"source_event_type": func(ev *schemas.IdentityEvent) string { return ev.SourceEventType },
	"category":          func(ev *schemas.IdentityEvent) string { return string(ev.Category) },
	"action":            func(ev *schemas.IdentityEvent) string { return string(ev.Action) },
	"outcome":           func(ev *schemas.IdentityEvent) string { return string(ev.Outcome) },
}

// extractGuards returns the guards among a condition's top-level `&&` terms,
// and whether they are the whole condition (then the program need not run).
// With a run-time cost limit the program can fail part-way through a term
// that iterates, before a later false term is reached; so guards are taken
// only from the terms before the first one that iterates.
func extractGuards(checked *cel.Ast) (guards []guard, complete bool) {
	native := checked.NativeRep()
	terms := conjunctTerms(native.Expr())
	complete = true
	for _, t := range terms {
		if exprHasComprehension(t) {
			return guards, false
		}
		g, ok := termGuard(native, t)
		if !ok {
			complete = false
			continue
		}
		guards = append(guards, g)
	}
	return guards, complete && len(guards) > 0
}

// conjunctTerms flattens the top-level `&&` of e into its terms, in
// evaluation order.
func conjunctTerms(e ast.Expr) []ast.Expr {
	if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == operators.LogicalAnd {
		var out []ast.Expr
		for _, a := range e.AsCall().Args() {
			out = append(out, conjunctTerms(a)...)
		}
		return out
	}
	return []ast.Expr{e}
}

func exprHasComprehension(e ast.Expr) bool {
	found := false
	ast.PostOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.ComprehensionKind {
			found = true
		}
	}))
	return found
}

// termGuard recognises `event.f == "lit"`, `"lit" == event.f`,
// `event.f != "lit"` and `event.f in ["lit", ...]` for a guard field f.
func termGuard(native *ast.AST, t ast.Expr) (guard, bool) {
	if t.Kind() != ast.CallKind {
		return guard{}, false
	}
	call := t.AsCall()
	args := call.Args()
	if len(args) != 2 || call.IsMemberFunction() {
		return guard{}, false
	}
	switch call.FunctionName() {
	case operators.Equals, operators.NotEquals:
		field, lit := args[0], args[1]
		if field.Kind() == ast.LiteralKind {
			field, lit = lit, field
		}
		get, ok := guardField(native, field)
		if !ok {
			return guard{}, false
		}
		s, ok := stringLiteral(lit)
		if !ok {
			return guard{}, false
		}
		return guard{field: get, values: []string{s}, negate: call.FunctionName() == operators.NotEquals}, true
	case operators.In:
		get, ok := guardField(native, args[0])
		if !ok || args[1].Kind() != ast.ListKind {
			return guard{}, false
		}
		list := args[1].AsList()
		if len(list.OptionalIndices()) > 0 {
			return guard{}, false
		}
		values := make([]string, 0, len(list.Elements()))
		for _, el := range list.Elements() {
			s, ok := stringLiteral(el)
			if !ok {
				return guard{}, false
			}
			values = append(values, s)
		}
		return guard{field: get, values: values}, true
	}
	return guard{}, false
}

// guardField resolves e when it is `event.f` for a guard field f, with
// `event` the policy's variable.
func guardField(native *ast.AST, e ast.Expr) (func(*schemas.IdentityEvent) string, bool) {
	if e.Kind() != ast.SelectKind || e.AsSelect().IsTestOnly() {
		return nil, false
	}
	sel := e.AsSelect()
	op := sel.Operand()
	if op.Kind() != ast.IdentKind || op.AsIdent() != "event" {
		return nil, false
	}
	if ref, ok := native.ReferenceMap()[op.ID()]; !ok || ref.Name != "event" {
		return nil, false
	}
	if t := native.GetType(e.ID()); t == nil || t.Kind() != types.StringKind {
		return nil, false
	}
	get, ok := guardFields[sel.FieldName()]
	return get, ok
}

func stringLiteral(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}
