package router

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
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
