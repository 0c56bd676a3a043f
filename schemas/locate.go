package schemas

import (
	"github.com/hamba/avro/v2"
)

// locate returns the dotted path of the deepest field at which reader cannot read data
// written with writer, with the reason, or "" when they are compatible. hamba/avro's checker
// says what is wrong but not where once unions and nested records are involved; a schema
// author needs the field.
func locate(reader, writer avro.Schema, path string) string {
	err := avro.NewSchemaCompatibility().Compatible(reader, writer)
	if err == nil {
		return ""
	}
	switch r := reader.(type) {
	case *avro.RecordSchema:
		w, ok := writer.(*avro.RecordSchema)
		if !ok {
			break
		}
		for _, rf := range r.Fields() {
			wf := fieldNamed(w, rf)
			if wf == nil {
				if !rf.HasDefault() {
					return join(path, rf.Name()) + ": field has no default and is missing from the other version"
				}
				continue
			}
			if p := locate(rf.Type(), wf.Type(), join(path, rf.Name())); p != "" {
				return p
			}
		}
	case *avro.UnionSchema:
		writers := []avro.Schema{writer}
		if wu, ok := writer.(*avro.UnionSchema); ok {
			writers = wu.Types()
		}
		for _, wt := range writers {
			for _, rt := range r.Types() {
				if sameKind(rt, wt) {
					if p := locate(rt, wt, path); p != "" {
						return p
					}
				}
			}
		}
	case *avro.ArraySchema:
		if w, ok := writer.(*avro.ArraySchema); ok {
			if p := locate(r.Items(), w.Items(), path+"[]"); p != "" {
				return p
			}
		}
	case *avro.MapSchema:
		if w, ok := writer.(*avro.MapSchema); ok {
			if p := locate(r.Values(), w.Values(), path+"{}"); p != "" {
				return p
			}
		}
	}
	if path == "" {
		return err.Error()
	}
	return path + ": " + err.Error()
}

func fieldNamed(rec *avro.RecordSchema, want *avro.Field) *avro.Field {
	for _, f := range rec.Fields() {
		if f.Name() == want.Name() {
			return f
		}
		for _, alias := range want.Aliases() {
			if f.Name() == alias {
				return f
			}
		}
	}
	return nil
}

// sameKind reports whether two union branches are the same named type or the same type.
func sameKind(a, b avro.Schema) bool {
	an, aok := a.(avro.NamedSchema)
	bn, bok := b.(avro.NamedSchema)
	if aok && bok {
		return an.FullName() == bn.FullName()
	}
	return a.Type() == b.Type()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
