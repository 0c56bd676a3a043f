package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that overrides a configuration key:
// TOLLGATE_KAFKA_BROKERS overrides kafka.brokers.
const EnvPrefix = "TOLLGATE_"

// ErrInvalid marks every error Load returns for bad configuration (as opposed to I/O).
var ErrInvalid = errors.New("invalid configuration")

// Invalid marks err as a configuration error (errors.Is(err, ErrInvalid)) without changing
// its text; components' Validate errors pass through it when composed.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return invalidError{err}
}

type invalidError struct{ error }

func (e invalidError) Unwrap() error        { return e.error }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// Source describes where configuration comes from, in increasing precedence.
type Source struct {
	// File is the YAML file's path; empty means defaults only.
	File string
	// Env is the process environment (os.Environ()); TOLLGATE_* entries override keys.
	Env []string
	// Sets are key=value overrides from --set flags, e.g. kafka.brokers=a:9092,b:9092.
	Sets []string
	// IgnoreEnv lists TOLLGATE_* variables that are not configuration keys and must not be
	// reported as unknown (TOLLGATE_CHDB_LIB, …).
	IgnoreEnv []string
}

// Load fills into (a pointer to a struct with yaml tags) from src. Unknown keys, in the file,
// the environment or --set, are errors naming the key.
func Load(src Source, into any) error {
	root := reflect.ValueOf(into)
	if root.Kind() != reflect.Pointer || root.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a pointer to a struct, got %T", into)
	}
	referenced := map[string]bool{} // variables the file expands are not configuration keys
	if src.File != "" {
		text, err := os.ReadFile(src.File)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		for _, m := range varRef.FindAllSubmatch(text, -1) {
			referenced[string(m[1])] = true
		}
		if err := decodeFile(src.File, text, src.Env, into); err != nil {
			return err
		}
	}
	leaves := map[string]string{} // ENV NAME -> dotted key
	collectLeaves(root.Elem().Type(), "", leaves)
	ignore := map[string]bool{}
	for _, k := range src.IgnoreEnv {
		ignore[k] = true
	}
	var errs []error
	envs := append([]string(nil), src.Env...)
	sort.Strings(envs)
	for _, kv := range envs {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || ignore[name] || referenced[name] {
			continue
		}
		key, ok := leaves[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no configuration key of that name: %w", name, ErrInvalid))
			continue
		}
		if err := setPath(root.Elem(), key, value); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", name, key, err))
		}
	}
	for _, s := range src.Sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("--set %q: want key=value: %w", s, ErrInvalid))
			continue
		}
		if err := setPath(root.Elem(), strings.TrimSpace(key), value); err != nil {
			errs = append(errs, fmt.Errorf("--set %s: %w", key, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return readSecretFiles(root.Elem(), "")
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandNode replaces ${VAR} in every scalar value of the document with the variable's value
// from env; an unset variable is an error naming the key. Comments and keys are left alone,
// and a value cannot inject YAML structure.
func expandNode(n *yaml.Node, vars map[string]string, path string) []error {
	var errs []error
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			errs = append(errs, expandNode(c, vars, p)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, expandNode(n.Content[i+1], vars, join(path, n.Content[i].Value))...)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		n.Value = varRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := varRef.FindStringSubmatch(m)[1]
			v, ok := vars[name]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: ${%s} is not set: %w", pathOr(path), name, ErrInvalid))
			}
			return v
		})
		if n.Tag == "!!null" || n.Tag == "!!int" || n.Tag == "!!bool" || n.Tag == "!!float" {
			n.Tag = "" // re-resolve the expanded text
		}
	}
	return errs
}

func decodeFile(file string, text []byte, env []string, into any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return fmt.Errorf("%s: not valid YAML: %v: %w", file, err, ErrInvalid)
	}
	if len(doc.Content) == 0 {
		return nil // empty file: defaults only
	}
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	if errs := expandNode(&doc, vars, ""); len(errs) > 0 {
		for i := range errs {
			errs[i] = fmt.Errorf("%s: %w", file, errs[i])
		}
		return errors.Join(errs...)
	}
	if errs := checkKeys(doc.Content[0], reflect.TypeOf(into).Elem(), ""); len(errs) > 0 {
		for i := range errs {
			errs[i] = fmt.Errorf("%s: %w", file, errs[i])
		}
		return errors.Join(errs...)
	}
	if err := decodeNode(doc.Content[0], reflect.ValueOf(into).Elem(), ""); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// decodeNode decodes field by field so a type error names its key.
func decodeNode(n *yaml.Node, v reflect.Value, path string) error {
	if v.Kind() == reflect.Struct && n.Kind == yaml.MappingNode && !hasUnmarshaler(v) {
		fields := yamlFields(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			idx := fields[key]
			if err := decodeNode(n.Content[i+1], v.FieldByIndex(idx), join(path, key)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
		return fmt.Errorf("%s: %s (line %d): %w", path, msg, n.Line, ErrInvalid)
	}
	return nil
}

func hasUnmarshaler(v reflect.Value) bool {
	_, ok := v.Addr().Interface().(yaml.Unmarshaler)
	return ok
}

// checkKeys reports every key in the document that the struct type does not declare.
func checkKeys(n *yaml.Node, t reflect.Type, path string) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var errs []error
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		if reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
			return nil
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			idx, ok := fields[key]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unknown key (line %d)%s: %w", join(path, key), n.Content[i].Line, suggest(key, fields), ErrInvalid))
				continue
			}
			errs = append(errs, checkKeys(n.Content[i+1], t.FieldByIndex(idx).Type, join(path, key))...)
		}
	case t.Kind() == reflect.Struct && n.Kind != yaml.MappingNode && n.Tag != "!!null":
		if !reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
			errs = append(errs, fmt.Errorf("%s: want a mapping of keys (line %d): %w", pathOr(path), n.Line, ErrInvalid))
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, checkKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			errs = append(errs, checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return errs
}

func pathOr(p string) string {
	if p == "" {
		return "(top level)"
	}
	return p
}

// suggest names a declared key close to a misspelt one.
func suggest(key string, fields map[string][]int) string {
	best, bestD := "", 3
	for k := range fields {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// distance is the Levenshtein distance, for suggestions.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// yamlFields maps YAML keys to field indexes, following inline embedded structs.
func yamlFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, idx := range yamlFields(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

// collectLeaves maps the environment name of every settable key to its dotted path.
func collectLeaves(t reflect.Type, path string, out map[string]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
		if path != "" {
			out[EnvPrefix+strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))] = path
		}
		return
	}
	for key, idx := range yamlFields(t) {
		collectLeaves(t.FieldByIndex(idx).Type, join(path, key), out)
	}
}

// setPath sets the key at a dotted path from a string, as YAML would read it; lists may be
// written comma-separated and maps as k=v,k=v.
func setPath(v reflect.Value, path, value string) error {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		if v.Kind() == reflect.Map && i == len(parts)-1 {
			break
		}
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("%s: not a section: %w", strings.Join(parts[:i], "."), ErrInvalid)
		}
		idx, ok := yamlFields(v.Type())[p]
		if !ok {
			return fmt.Errorf("%s: unknown key%s: %w", strings.Join(parts[:i+1], "."), suggest(p, yamlFields(v.Type())), ErrInvalid)
		}
		v = v.FieldByIndex(idx)
	}
	text := value
	switch v.Kind() {
	case reflect.String:
		v.SetString(value)
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String && !strings.HasPrefix(strings.TrimSpace(value), "[") {
			items := []string{}
			for _, s := range strings.Split(value, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			v.Set(reflect.ValueOf(items).Convert(v.Type()))
			return nil
		}
	case reflect.Map:
		if !strings.HasPrefix(strings.TrimSpace(value), "{") {
			var lines []string
			for _, kv := range strings.Split(value, ",") {
				k, val, _ := strings.Cut(kv, "=")
				lines = append(lines, fmt.Sprintf("%q: %q", strings.TrimSpace(k), strings.TrimSpace(val)))
			}
			text = "{" + strings.Join(lines, ", ") + "}"
		}
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil || len(n.Content) == 0 {
		return fmt.Errorf("%s: cannot read %q: %w", path, value, ErrInvalid)
	}
	fresh := reflect.New(v.Type())
	if err := decodeNode(n.Content[0], fresh.Elem(), path); err != nil {
		return err
	}
	v.Set(fresh.Elem())
	return nil
}

var secretType = reflect.TypeOf(Secret(""))

// readSecretFiles fills every Secret field from its sibling *_file key when that is set.
func readSecretFiles(v reflect.Value, path string) error {
	if v.Kind() != reflect.Struct {
		return nil
	}
	fields := yamlFields(v.Type())
	var errs []error
	for key, idx := range fields {
		f := v.FieldByIndex(idx)
		switch {
		case f.Type() == secretType:
			fileIdx, ok := fields[key+"_file"]
			if !ok {
				continue
			}
			file := v.FieldByIndex(fileIdx).String()
			if file == "" {
				continue
			}
			if f.String() != "" {
				errs = append(errs, fmt.Errorf("%s: set either %s or %s_file, not both: %w", join(path, key), key, key, ErrInvalid))
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_file: %v: %w", join(path, key), err, ErrInvalid))
				continue
			}
			f.SetString(strings.TrimRight(string(b), "\r\n"))
			// The secret now sits in its field; clearing the file key keeps components from
			// reading it a second time and from seeing both set.
			v.FieldByIndex(fileIdx).SetString("")
		case f.Kind() == reflect.Struct:
			errs = append(errs, readSecretFiles(f, join(path, key)))
		case f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Struct:
			errs = append(errs, readSecretFiles(f.Elem(), join(path, key)))
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			for i := range f.Len() {
				errs = append(errs, readSecretFiles(f.Index(i), fmt.Sprintf("%s[%d]", join(path, key), i)))
			}
		case f.Kind() == reflect.Map && f.Type().Elem().Kind() == reflect.Struct:
			iter := f.MapRange()
			for iter.Next() {
				cp := reflect.New(f.Type().Elem()).Elem()
				cp.Set(iter.Value())
				errs = append(errs, readSecretFiles(cp, join(path, key)+"."+fmt.Sprint(iter.Key())))
				f.SetMapIndex(iter.Key(), cp)
			}
		}
	}
	return errors.Join(errs...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Dump returns the configuration as YAML with every Secret masked.
func Dump(v any) ([]byte, error) {
	return yaml.Marshal(v)
}
