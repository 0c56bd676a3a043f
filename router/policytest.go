package router

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/schemas"
)

// ParseFunc turns one native payload of a source (okta, entra, cloudtrail,
// google_workspace, servicenow, jira_sm) into canonical events. The ingest
// package provides it; policy tests use it for cases written as native
// payloads.
type ParseFunc func(source string, payload []byte) ([]schemas.IdentityEvent, error)

// TestOptions configures a policy test run.
type TestOptions struct {
	// Policy is evaluated by test files that name no policy of their own.
	Policy *Policy
	// Parse decodes native payloads; cases with a payload fail without it.
	Parse ParseFunc
}

// testFile is the YAML shape of a policy test file.
type testFile struct {
	// Policy is a policy file path relative to the test file; empty means the
	// policy given in TestOptions.
	Policy string     `yaml:"policy"`
	Cases  []testCase `yaml:"cases"`
}

// testCase is one input and its expected decision.
type testCase struct {
	Name    string       `yaml:"name"`
	Event   yaml.Node    `yaml:"event"`
	Source  string       `yaml:"source"`
	Payload yaml.Node    `yaml:"payload"`
	Expect  expectedCase `yaml:"expect"`
}

// expectedCase is the decision a case expects; empty fields are not checked.
type expectedCase struct {
	Lane     string   `yaml:"lane"`
	Impact   string   `yaml:"impact"`
	Rule     string   `yaml:"rule"`
	Controls []string `yaml:"controls"`
}

// TestFailure is one case whose decision differed from what it expected.
type TestFailure struct {
	File, Case string
	// Diffs are "field: expected X, got Y" lines.
	Diffs []string
}

// TestSummary is the outcome of a policy test run.
type TestSummary struct {
	Files, Cases, Passed int
	Failures             []TestFailure
	// Covered lists, per rule id (and "default"), how many cases it decided.
	Covered map[string]int
}

// OK reports whether every case passed.
func (s *TestSummary) OK() bool { return len(s.Failures) == 0 && s.Cases > 0 }

// RunPolicyTests runs the policy test files at path: a single file, or every
// *_test.yaml and *.test.yaml file in a directory. A file or case that cannot
// be read is an error wrapping ErrInvalidTestFile; a case whose decision
// differs is a TestFailure in the summary.
func RunPolicyTests(path string, opts TestOptions) (*TestSummary, error) {
	files, err := testFiles(path)
	if err != nil {
		return nil, err
	}
	sum := &TestSummary{Covered: map[string]int{}}
	for _, f := range files {
		if err := runTestFile(f, opts, sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func testFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTestFile, err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTestFile, err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, "_test.yaml") || strings.HasSuffix(n, ".test.yaml")) {
			files = append(files, filepath.Join(path, n))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no *_test.yaml files in %s", ErrInvalidTestFile, path)
	}
	sort.Strings(files)
	return files, nil
}

// parseTestFile decodes a policy test file strictly (unknown keys are errors).
func parseTestFile(data []byte) (*testFile, error) {
	var tf testFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&tf); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTestFile, err)
	}
	if len(tf.Cases) == 0 {
		return nil, fmt.Errorf("%w: no cases", ErrInvalidTestFile)
	}
	for i, c := range tf.Cases {
		switch {
		case c.Name == "":
			return nil, fmt.Errorf("%w: case #%d: missing name", ErrInvalidTestFile, i+1)
		case (c.Event.Kind == 0) == (c.Payload.Kind == 0):
			return nil, fmt.Errorf("%w: case %q: want exactly one of event or payload", ErrInvalidTestFile, c.Name)
		case c.Payload.Kind != 0 && c.Source == "":
			return nil, fmt.Errorf("%w: case %q: a payload needs a source", ErrInvalidTestFile, c.Name)
		case c.Expect.Lane == "" && c.Expect.Impact == "" && c.Expect.Rule == "" && c.Expect.Controls == nil:
			return nil, fmt.Errorf("%w: case %q: expect names nothing to check", ErrInvalidTestFile, c.Name)
		}
	}
	return &tf, nil
}

func runTestFile(path string, opts TestOptions, sum *TestSummary) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTestFile, err)
	}
	tf, err := parseTestFile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	pol := opts.Policy
	if tf.Policy != "" {
		text, err := os.ReadFile(filepath.Join(filepath.Dir(path), tf.Policy))
		if err != nil {
			return fmt.Errorf("%s: %w: policy: %w", path, ErrInvalidTestFile, err)
		}
		if pol, err = LoadPolicy(text); err != nil {
			return fmt.Errorf("%s: policy %s: %w", path, tf.Policy, err)
		}
	}
	if pol == nil {
		return fmt.Errorf("%s: %w: the file names no policy and none was given", path, ErrInvalidTestFile)
	}
	sum.Files++
	name := filepath.Base(path)
	now := time.Unix(0, 0).UTC()
	for _, c := range tf.Cases {
		events, err := c.events(opts.Parse)
		if err != nil {
			return fmt.Errorf("%s: case %q: %w", path, c.Name, err)
		}
		for i := range events {
			sum.Cases++
			caseName := c.Name
			if len(events) > 1 {
				caseName = fmt.Sprintf("%s [event %d]", c.Name, i+1)
			}
			d, err := pol.Decide(&events[i], now)
			if err != nil {
				sum.Failures = append(sum.Failures, TestFailure{File: name, Case: caseName, Diffs: []string{"error: " + err.Error()}})
				continue
			}
			sum.Covered[d.RuleID]++
			if diffs := c.Expect.diff(d); len(diffs) > 0 {
				sum.Failures = append(sum.Failures, TestFailure{File: name, Case: caseName, Diffs: diffs})
				continue
			}
			sum.Passed++
		}
	}
	return nil
}

// events decodes the case's input into canonical events.
func (c *testCase) events(parse ParseFunc) ([]schemas.IdentityEvent, error) {
	if c.Event.Kind != 0 {
		data, err := nodeToJSON(&c.Event)
		if err != nil {
			return nil, fmt.Errorf("%w: event: %w", ErrInvalidTestFile, err)
		}
		ev, err := DecodeEventJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%w: event: %w", ErrInvalidTestFile, err)
		}
		return []schemas.IdentityEvent{*ev}, nil
	}
	if parse == nil {
		return nil, fmt.Errorf("%w: native %s payload but no parser was given", ErrInvalidTestFile, c.Source)
	}
	data, err := nodeToJSON(&c.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrInvalidTestFile, err)
	}
	evs, err := parse(c.Source, data)
	if err != nil {
		return nil, fmt.Errorf("%w: parse %s payload: %w", ErrInvalidTestFile, c.Source, err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("%w: %s payload yielded no events", ErrInvalidTestFile, c.Source)
	}
	return evs, nil
}

// nodeToJSON re-encodes a YAML subtree as JSON, so test authors may write
// events and payloads in either syntax.
func nodeToJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(jsonable(v))
}

// jsonable converts YAML-decoded values into values encoding/json accepts
// (maps with non-string keys, timestamps as RFC 3339 strings).
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	case time.Time:
		return t.Format(time.RFC3339Nano)
	}
	return v
}

func (e expectedCase) diff(d schemas.Decision) []string {
	var out []string
	if e.Lane != "" && e.Lane != string(d.Lane) {
		out = append(out, fmt.Sprintf("lane:     expected %s, got %s", e.Lane, d.Lane))
	}
	if e.Impact != "" && e.Impact != string(d.Impact) {
		out = append(out, fmt.Sprintf("impact:   expected %s, got %s", e.Impact, d.Impact))
	}
	if e.Rule != "" && e.Rule != d.RuleID {
		out = append(out, fmt.Sprintf("rule:     expected %s, got %s", e.Rule, d.RuleID))
	}
	if e.Controls != nil {
		want := slices.Sorted(slices.Values(e.Controls))
		got := make([]string, len(d.RequiredControls))
		for i, c := range d.RequiredControls {
			got[i] = string(c)
		}
		slices.Sort(got)
		if !slices.Equal(want, got) {
			out = append(out, fmt.Sprintf("controls: expected %v, got %v", want, got))
		}
	}
	return out
}

// Write prints the failures as expected-vs-got diffs and a summary line.
func (s *TestSummary) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	for _, f := range s.Failures {
		ew.printf("FAIL %s: %s\n", f.File, f.Case)
		for _, d := range f.Diffs {
			ew.printf("    %s\n", d)
		}
	}
	status := "ok"
	if !s.OK() {
		status = "FAIL"
	}
	ew.printf("%s: %d files, %d cases, %d passed, %d failed\n", status, s.Files, s.Cases, s.Passed, len(s.Failures))
	return ew.err
}
