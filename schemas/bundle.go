package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/hamba/avro/v2"
)

//go:embed *.avsc
var sources embed.FS

// Namespace is the Avro namespace of every tollgate schema.
const Namespace = "tollgate.v1"

// Top-level record names: the values of tollgate's topics.
const (
	NameIdentityEvent = "IdentityEvent"
	NameRoutedEvent   = "RoutedEvent"
	NameFinding       = "Finding"
)

// TopLevel lists the record names that are registered as topic values.
var TopLevel = []string{NameIdentityEvent, NameRoutedEvent, NameFinding}

// Set is a loaded set of schema sources: every named type and the bundled top-level schemas.
type Set struct {
	defs    map[string]any         // full name -> JSON definition as written
	bundled map[string]string      // top-level name -> self-contained schema JSON
	parsed  map[string]avro.Schema // top-level name -> parsed schema
}

var (
	builtinOnce sync.Once
	builtin     *Set
	builtinErr  error
)

// Builtin returns the schemas compiled into this binary.
func Builtin() (*Set, error) {
	builtinOnce.Do(func() { builtin, builtinErr = Load(sources, ".") })
	return builtin, builtinErr
}

// MustBuiltin is Builtin for package initialisation and tests; the built-in schemas are
// checked by the test suite, so a failure here is a build defect.
func MustBuiltin() *Set {
	s, err := Builtin()
	if err != nil {
		panic(err)
	}
	return s
}

// Load reads every .avsc file of dir in fsys and bundles the top-level schemas.
func Load(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("schemas: read %s: %w", dir, err)
	}
	s := &Set{defs: map[string]any{}, bundled: map[string]string{}, parsed: map[string]avro.Schema{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".avsc") {
			continue
		}
		file := path.Join(dir, e.Name())
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("schemas: read %s: %w", file, err)
		}
		var def map[string]any
		if err := json.Unmarshal(b, &def); err != nil {
			return nil, fmt.Errorf("schemas: %s is not valid JSON: %w", file, err)
		}
		name, _ := def["name"].(string)
		ns, _ := def["namespace"].(string)
		if name == "" {
			return nil, fmt.Errorf("schemas: %s: top-level definition has no name", file)
		}
		full := name
		if ns != "" && !strings.Contains(name, ".") {
			full = ns + "." + name
		}
		if _, dup := s.defs[full]; dup {
			return nil, fmt.Errorf("schemas: %s: %s is defined twice", file, full)
		}
		s.defs[full] = def
	}
	for _, name := range TopLevel {
		text, err := s.bundle(Namespace + "." + name)
		if err != nil {
			return nil, err
		}
		parsed, err := avro.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("schemas: %s does not parse: %w", name, err)
		}
		s.bundled[name] = text
		s.parsed[name] = parsed
	}
	return s, nil
}

// Text returns the self-contained schema JSON of a top-level record.
func (s *Set) Text(name string) string { return s.bundled[name] }

// Schema returns the parsed schema of a top-level record.
func (s *Set) Schema(name string) avro.Schema { return s.parsed[name] }

// bundle returns the definition of full with every named type it refers to inlined at its
// first use, so the result parses on its own.
func (s *Set) bundle(full string) (string, error) {
	root, ok := s.defs[full]
	if !ok {
		return "", fmt.Errorf("schemas: no definition of %s", full)
	}
	defined := map[string]bool{}
	out, err := s.inline(deepCopy(root), defined, Namespace)
	if err != nil {
		return "", fmt.Errorf("schemas: bundling %s: %w", full, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

var primitives = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true, "float": true,
	"double": true, "bytes": true, "string": true,
}

func (s *Set) inline(node any, defined map[string]bool, ns string) (any, error) {
	switch n := node.(type) {
	case string:
		if primitives[n] {
			return n, nil
		}
		full := n
		if !strings.Contains(n, ".") {
			full = ns + "." + n
		}
		if defined[full] {
			return full, nil
		}
		def, ok := s.defs[full]
		if !ok {
			return nil, fmt.Errorf("unknown type %q", n)
		}
		return s.inline(deepCopy(def), defined, ns)
	case []any:
		for i := range n {
			v, err := s.inline(n[i], defined, ns)
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		return n, nil
	case map[string]any:
		typ, _ := n["type"].(string)
		switch typ {
		case "record", "error", "enum", "fixed":
			name, _ := n["name"].(string)
			if v, ok := n["namespace"].(string); ok {
				ns = v
			}
			full := name
			if !strings.Contains(name, ".") {
				full = ns + "." + name
			}
			defined[full] = true
		}
		if typ == "record" || typ == "error" {
			fields, _ := n["fields"].([]any)
			for _, f := range fields {
				fm, ok := f.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("field of %v is not an object", n["name"])
				}
				v, err := s.inline(fm["type"], defined, ns)
				if err != nil {
					return nil, fmt.Errorf("field %v: %w", fm["name"], err)
				}
				fm["type"] = v
			}
			return n, nil
		}
		for _, key := range []string{"items", "values"} {
			if inner, ok := n[key]; ok {
				v, err := s.inline(inner, defined, ns)
				if err != nil {
					return nil, err
				}
				n[key] = v
			}
		}
		if inner, ok := n["type"]; ok && typ != "enum" && typ != "fixed" && typ != "array" && typ != "map" {
			v, err := s.inline(inner, defined, ns)
			if err != nil {
				return nil, err
			}
			n["type"] = v
		}
		return n, nil
	default:
		return node, nil
	}
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
