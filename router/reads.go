package router

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
)

// rawField is the event field the router decodes only for a policy that
// reads it: the original payload, the largest field and the one no default
// rule looks at.
const rawField = "raw"

// readsRaw reports whether a checked condition may read event.raw: it selects
// a field named raw, or it uses `event` other than to select a field from it
// (passing the whole event to a function, comparing it, `event.?raw`), which
// is taken as reading everything.
func readsRaw(checked *cel.Ast) bool {
	reads := false
	selected := map[int64]bool{} // ids of `event` idents that are the operand of a field selection
	var idents []int64
	ast.PostOrderVisit(checked.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			sel := e.AsSelect()
			if sel.FieldName() == rawField {
				reads = true
			}
			if op := sel.Operand(); op.Kind() == ast.IdentKind && op.AsIdent() == "event" {
				selected[op.ID()] = true
			}
		case ast.IdentKind:
			if e.AsIdent() == "event" {
				idents = append(idents, e.ID())
			}
		}
	}))
	for _, id := range idents {
		if !selected[id] {
			reads = true
		}
	}
	return reads
}
