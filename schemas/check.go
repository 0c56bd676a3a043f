package schemas

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// Compatibility levels the check knows, as the Schema Registry names them.
const (
	CompatBackward = "BACKWARD"
	CompatFull     = "FULL"
)

// ReleasedDir is where released versions of each top-level schema are kept:
// released/<Name>/v<N>.avsc, plus an optional released/<Name>/COMPATIBILITY file holding
// BACKWARD (the default) or FULL.
const ReleasedDir = "released"

// CheckResult is the outcome of checking one top-level schema against its released versions.
type CheckResult struct {
	Name     string
	Level    string
	Versions []int    // released versions checked
	Problems []string // empty when compatible
}

// Check verifies that every top-level schema of current is compatible, at its declared level,
// with every released version found under released/ in fsys (the schemas directory of a
// checkout). A schema with no released versions passes.
func Check(current *Set, fsys fs.FS) ([]CheckResult, error) {
	var results []CheckResult
	for _, name := range TopLevel {
		res := CheckResult{Name: name, Level: CompatBackward}
		dir := path.Join(ReleasedDir, name)
		if b, err := fs.ReadFile(fsys, path.Join(dir, "COMPATIBILITY")); err == nil {
			res.Level = strings.ToUpper(strings.TrimSpace(string(b)))
			if res.Level != CompatBackward && res.Level != CompatFull {
				return nil, fmt.Errorf("schemas: %s/COMPATIBILITY: unknown level %q (want BACKWARD or FULL)", dir, res.Level)
			}
		}
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("schemas: read %s: %w", dir, err)
		}
		for _, e := range entries {
			v, ok := releasedVersion(e.Name())
			if !ok {
				continue
			}
			res.Versions = append(res.Versions, v)
		}
		sort.Ints(res.Versions)
		reader := current.Schema(name)
		for _, v := range res.Versions {
			file := path.Join(dir, fmt.Sprintf("v%d.avsc", v))
			b, err := fs.ReadFile(fsys, file)
			if err != nil {
				return nil, fmt.Errorf("schemas: read %s: %w", file, err)
			}
			old, err := avro.Parse(string(b))
			if err != nil {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: released v%d does not parse: %v", name, v, err))
				continue
			}
			if p := locate(reader, old, ""); p != "" {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: not BACKWARD compatible with released v%d (new schema cannot read old data): field %s", name, v, p))
			}
			if res.Level == CompatFull {
				if p := locate(old, reader, ""); p != "" {
					res.Problems = append(res.Problems, fmt.Sprintf("%s: not FORWARD compatible with released v%d (old readers cannot read new data), required by FULL: field %s", name, v, p))
				}
			}
		}
		results = append(results, res)
	}
	return results, nil
}

func releasedVersion(file string) (int, bool) {
	if !strings.HasPrefix(file, "v") || !strings.HasSuffix(file, ".avsc") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(file, "v"), ".avsc"))
	return n, err == nil && n > 0
}
