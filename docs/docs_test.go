// Package docs holds tollgate's user documentation. Its tests keep the documents true of
// the code: configuration examples load, the key reference lists exactly the keys the
// loader knows, policies load, SQL runs on the migrated schema, and generated tables match
// the tables in the code.
package docs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/internal/app"
	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
	"github.com/tollgate-io/tollgate/internal/config"
	"github.com/tollgate-io/tollgate/router"
)

// codeBlock is one fenced block of a markdown document.
type codeBlock struct {
	lang string
	line int // line of the opening fence, for messages
	text string
}

// codeBlocks returns the fenced blocks of doc whose info string is lang.
func codeBlocks(t *testing.T, doc, lang string) []codeBlock {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("read %s: %v", doc, err)
	}
	var out []codeBlock
	var cur *codeBlock
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &codeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: i + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			if cur.lang == lang {
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("%s: code block opened at line %d is never closed", doc, cur.line)
	}
	return out
}

// tableKeys returns the first backquoted cell of every table row of doc under headings
// whose text starts with heading, in document order.
func tableKeys(t *testing.T, doc, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("read %s: %v", doc, err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	var keys []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## "+heading)
			continue
		}
		if m := row.FindStringSubmatch(line); in && m != nil {
			keys = append(keys, m[1])
		}
	}
	return keys
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}((?:/[A-Za-z0-9._-]+)*)`)

// exampleEnv gives every ${VAR} a block uses a value: a fresh directory for variables used
// as a path prefix (with every file the block names under it created), else a word.
func exampleEnv(t *testing.T, text string) []string {
	t.Helper()
	vals := map[string]string{}
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		name, rest := m[1], m[2]
		if rest == "" {
			if _, ok := vals[name]; !ok {
				vals[name] = "example-" + strings.ToLower(name)
			}
			continue
		}
		dir, ok := vals[name]
		if !ok || !filepath.IsAbs(dir) {
			dir = t.TempDir()
			vals[name] = dir
		}
		file := filepath.Join(dir, filepath.FromSlash(rest))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte("example-secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := make([]string, 0, len(vals))
	for k, v := range vals {
		env = append(env, k+"="+v)
	}
	return env
}

func TestConfigurationExamplesLoad(t *testing.T) {
	blocks := codeBlocks(t, "configuration.md", "yaml")
	if len(blocks) < 2 {
		t.Fatalf("configuration.md has %d yaml blocks, want the minimal and the complete example", len(blocks))
	}
	for _, b := range blocks {
		file := filepath.Join(t.TempDir(), "tollgate.yaml")
		if err := os.WriteFile(file, []byte(b.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := app.LoadConfig(config.Source{File: file, Env: exampleEnv(t, b.text)}); err != nil {
			t.Errorf("configuration.md:%d: example does not load:\n%v", b.line, err)
		}
	}
}

// TestConfigurationExampleSetsWhatItSays guards against a key in the complete example
// being silently ignored: a few of its values must reach the loaded configuration.
func TestConfigurationExampleSetsWhatItSays(t *testing.T) {
	blocks := codeBlocks(t, "configuration.md", "yaml")
	b := blocks[len(blocks)-1]
	file := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(file, []byte(b.text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := app.LoadConfig(config.Source{File: file, Env: exampleEnv(t, b.text)})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Kafka.SASL.Password.Reveal(); got != "example-secret" {
		t.Errorf("kafka.sasl.password read from password_file = %q, want the file's content", got)
	}
	if got := cfg.ClickHouse.Server.Password.Reveal(); got != "example-secret" {
		t.Errorf("clickhouse.server.password read from password_file = %q, want the file's content", got)
	}
	if got := cfg.Ingest.Sources["servicenow"].Mode; got != "hmac" {
		t.Errorf("ingest.sources.servicenow.mode = %q, want hmac", got)
	}
	if got := cfg.Ingest.Sources["okta"].Header; got != "Authorization" {
		t.Errorf("ingest.sources.okta.header defaulted to %q, want Authorization as documented", got)
	}
	if got := len(cfg.Auditor.Detections.SoDPairs); got != 2 {
		t.Errorf("auditor.detections.sod_pairs has %d pairs, want 2", got)
	}
	if got := len(cfg.Auditor.Detections.AdminEntitlements); got == 0 {
		t.Errorf("auditor.detections.admin_entitlements lost its defaults when other detection keys were set")
	}
}

// mapKeyPlaceholders names the maps whose keys are the user's (one placeholder stands for
// every key) and the maps whose values are plain strings (the map is one leaf).
var mapKeyPlaceholders = map[string]string{"ingest.sources": "<source>"}
var leafMaps = map[string]bool{"clickhouse.server.settings": true, "auditor.grace": true}

// leafPaths flattens a YAML document into the dotted paths of its leaves.
func leafPaths(n *yaml.Node, path string, out map[string]bool) {
	if n.Kind == yaml.DocumentNode {
		leafPaths(n.Content[0], path, out)
		return
	}
	if n.Kind != yaml.MappingNode || leafMaps[path] {
		out[path] = true
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if p, ok := mapKeyPlaceholders[path]; ok {
			key = p
		}
		child := key
		if path != "" {
			child = path + "." + key
		}
		leafPaths(n.Content[i+1], child, out)
	}
}

// TestConfigurationReferenceListsEveryKey compares the reference tables with the keys
// `tollgate config check` prints: every documented key exists, and every key is documented.
func TestConfigurationReferenceListsEveryKey(t *testing.T) {
	// One source is configured so the dump shows the keys of a source's section.
	cfg, err := app.LoadConfig(config.Source{Sets: []string{"ingest.sources={okta: {mode: none}}"}})
	if err != nil {
		t.Fatal(err)
	}
	dump, err := config.Dump(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(dump, &doc); err != nil {
		t.Fatal(err)
	}
	real := map[string]bool{}
	leafPaths(&doc, "", real)

	documented := map[string]bool{}
	for _, k := range tableKeys(t, "configuration.md", "Reference") {
		if documented[k] {
			t.Errorf("configuration.md documents %s twice", k)
		}
		documented[k] = true
		if !real[k] {
			t.Errorf("configuration.md documents %s, which is not a configuration key", k)
		}
	}
	var missing []string
	for k := range real {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("configuration key %s is not documented in configuration.md", k)
	}
	if len(documented) < 60 {
		t.Errorf("only %d keys found in the reference tables; did the table format change?", len(documented))
	}
}

// TestConfigurationEnvNames checks the documented environment names against the loader:
// each one, set to a valid value, is accepted and lands on its key.
func TestConfigurationEnvNames(t *testing.T) {
	cfg, err := app.LoadConfig(config.Source{Env: []string{
		"TOLLGATE_KAFKA_BROKERS=a:9092,b:9092",
		"TOLLGATE_AUDITOR_DETECTIONS_NHI_ROTATION_AGE=720h",
		"TOLLGATE_CONFIG=ignored.yaml",
		"TOLLGATE_CHDB_LIB=/nowhere/libchdb.so",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Kafka.Brokers, ","); got != "a:9092,b:9092" {
		t.Errorf("TOLLGATE_KAFKA_BROKERS gave kafka.brokers %q", got)
	}
	if got := cfg.Auditor.Detections.NHIRotationAge.String(); got != "720h0m0s" {
		t.Errorf("TOLLGATE_AUDITOR_DETECTIONS_NHI_ROTATION_AGE gave %s", got)
	}
	if _, err := app.LoadConfig(config.Source{Env: []string{"TOLLGATE_KAFKA_BROKRS=x:1"}}); err == nil {
		t.Errorf("a TOLLGATE_* variable naming no key was accepted; configuration.md says it is an error")
	}
}

// TestSOCQueriesRun runs every SQL block of soc.md on the migrated schema through the same
// read-only path as `tollgate query`, with a few rows seeded so the joins and filters have
// something to read.
func TestSOCQueriesRun(t *testing.T) {
	ctx := context.Background()
	db := chdbtest.OpenForTest(t)
	store := embedded.New(db)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Queries run as tollgate query runs them: on read-only connections of their own.
	rdb, err := chdb.Open(chdb.Options{DataDir: chdb.DataDir(), Database: db.Database(), PoolSize: 1, Settings: clickhouse.ReadOnlySettings})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	reader := embedded.New(rdb)
	now := time.Now().UTC().Truncate(time.Millisecond)
	approved := now.Add(-time.Hour)
	if err := store.Insert(ctx, "tickets",
		[]string{"ticket_id", "system", "kind", "state", "approval", "approver_id", "requester_id", "requested_for_id", "approved_at", "opened_at", "updated_at", "version"},
		[][]any{
			{"RITM0001", "servicenow", "SERVICE_REQUEST", "approved", "APPROVED", "bob@example.com", "bob@example.com", "bob@example.com", &approved, now, now, uint64(1)},
			{"RITM0002", "servicenow", "SERVICE_REQUEST", "approved", "APPROVED", "carol@example.com", "bob@example.com", "bob@example.com", &approved, now, now, uint64(1)},
		}); err != nil {
		t.Fatalf("seed tickets: %v", err)
	}
	if err := store.Insert(ctx, "findings",
		[]string{"finding_id", "kind", "severity", "status", "principal", "event_ids", "summary", "controls", "detected_at", "updated_at", "version"},
		[][]any{
			{"f1", "SELF_APPROVED", "HIGH", "OPEN", "bob@example.com", []string{"servicenow:1"}, "approver is the requester", []string{"NIST-CSF-2.0:PR.AA-05"}, now, now, uint64(1)},
		}); err != nil {
		t.Fatalf("seed findings: %v", err)
	}

	blocks := codeBlocks(t, "soc.md", "sql")
	if len(blocks) < 10 {
		t.Fatalf("soc.md has %d sql blocks, want at least ten ready queries", len(blocks))
	}
	for _, b := range blocks {
		if err := clickhouse.CheckReadOnly(b.text); err != nil {
			t.Errorf("soc.md:%d: tollgate query would refuse this query: %v", b.line, err)
			continue
		}
		res, err := clickhouse.RunReadOnly(ctx, reader, b.text, nil)
		if err != nil {
			t.Errorf("soc.md:%d: query fails on the migrated schema: %v\n%s", b.line, err, b.text)
			continue
		}
		rows := res.Rows
		switch {
		case strings.Contains(b.text, "approver_id = requester_id"):
			if len(rows) != 1 || rows[0].String("ticket_id") != "RITM0001" {
				t.Errorf("soc.md:%d: self-approved query returned %v, want only RITM0001", b.line, rows)
			}
		case strings.Contains(b.text, "FROM open_findings") && strings.Contains(b.text, "GROUP BY severity"):
			if len(rows) != 1 || rows[0].String("severity") != "HIGH" || rows[0].Int("findings") != 1 {
				t.Errorf("soc.md:%d: open findings by severity returned %v, want one HIGH finding", b.line, rows)
			}
		}
	}
}

// TestPolicyExamples loads every full policy in policy.md and runs the example test file
// against the example policy, as `tollgate policy test` would.
func TestPolicyExamples(t *testing.T) {
	var policies, testFiles []codeBlock
	for _, b := range codeBlocks(t, "policy.md", "yaml") {
		var top map[string]any
		if err := yaml.Unmarshal([]byte(b.text), &top); err != nil {
			t.Errorf("policy.md:%d: not YAML: %v", b.line, err)
			continue
		}
		switch {
		case top["rules"] != nil:
			policies = append(policies, b)
		case top["cases"] != nil:
			testFiles = append(testFiles, b)
		default:
			t.Errorf("policy.md:%d: a yaml block that is neither a policy nor a policy test file", b.line)
		}
	}
	if len(policies) == 0 || len(testFiles) == 0 {
		t.Fatalf("policy.md has %d policies and %d test files, want at least one of each", len(policies), len(testFiles))
	}
	for _, b := range policies {
		if _, err := router.LoadPolicy([]byte(b.text)); err != nil {
			t.Errorf("policy.md:%d: example policy does not load: %v", b.line, err)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(policies[0].text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, b := range testFiles {
		file := filepath.Join(dir, "policy_test.yaml")
		if err := os.WriteFile(file, []byte(b.text), 0o600); err != nil {
			t.Fatal(err)
		}
		sum, err := router.RunPolicyTests(file, router.TestOptions{})
		if err != nil {
			t.Errorf("policy.md:%d: example test file does not run: %v", b.line, err)
			continue
		}
		if !sum.OK() {
			var out strings.Builder
			_ = sum.Write(&out)
			t.Errorf("policy.md:%d: example cases fail against the example policy:\n%s", b.line, out.String())
		}
	}
}

// TestPolicyDefaultRulesTable keeps the table of the default policy's rules in policy.md
// equal to the built-in policy: same rules in the same order, same lane, impact and controls.
func TestPolicyDefaultRulesTable(t *testing.T) {
	p, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Rules []struct {
			ID       string   `yaml:"id"`
			Lane     string   `yaml:"lane"`
			Impact   string   `yaml:"impact"`
			Controls []string `yaml:"controls"`
		} `yaml:"rules"`
		Default struct {
			Lane     string   `yaml:"lane"`
			Impact   string   `yaml:"impact"`
			Controls []string `yaml:"controls"`
		} `yaml:"default"`
	}
	if err := yaml.Unmarshal(p.Text(), &file); err != nil {
		t.Fatal(err)
	}
	row := func(id, lane, impact string, controls []string) string {
		if impact == "" {
			impact = "NONE"
		}
		c := strings.Join(controls, ", ")
		if c == "" {
			c = "—"
		}
		return strings.Join([]string{"`" + id + "`", lane, impact, c}, " | ")
	}
	var want []string
	for _, r := range file.Rules {
		want = append(want, row(r.ID, r.Lane, r.Impact, r.Controls))
	}
	want = append(want, row("default", file.Default.Lane, file.Default.Impact, file.Default.Controls))

	b, err := os.ReadFile("policy.md")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) == 5 && strings.HasPrefix(line, "| `") {
			got = append(got, strings.TrimPrefix(strings.Join(cells[:4], " | "), "| "))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("policy.md's default-policy table differs from router/policies/default.yaml\n got:\n%s\nwant:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// ocsfMarkdown renders ingest.OcsfTable as the markdown table schemas.md carries.
func ocsfMarkdown() string {
	var b strings.Builder
	b.WriteString("| action | entitlement kind | privilege | class_uid | class | activity_id | activity |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, m := range ingest.OcsfTable {
		kind, priv := "any", "any"
		if m.Kind != "" {
			kind = "`" + string(m.Kind) + "`"
		}
		if m.AdminOnly {
			priv = "`ADMIN`"
		}
		class, activity, _ := strings.Cut(m.Activity, ": ")
		fmt.Fprintf(&b, "| `%s` | %s | %s | %d | %s | %d | %s |\n", m.Action, kind, priv, m.ClassUID, class, m.ActivityID, activity)
	}
	return b.String()
}

// TestSchemasOCSFTable keeps the OCSF mapping table of schemas.md equal to ingest.OcsfTable.
func TestSchemasOCSFTable(t *testing.T) {
	b, err := os.ReadFile("schemas.md")
	if err != nil {
		t.Fatal(err)
	}
	want := ocsfMarkdown()
	if !strings.Contains(string(b), want) {
		t.Errorf("schemas.md does not contain the OCSF table generated from ingest.OcsfTable; replace it with:\n%s", want)
	}
}

// TestSchemasFieldsDocumented checks that schemas.md has a table for every record in
// schemas/*.avsc listing exactly its fields, in order.
func TestSchemasFieldsDocumented(t *testing.T) {
	files, err := filepath.Glob("../schemas/*.avsc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schemas found: %v", err)
	}
	b, err := os.ReadFile("schemas.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string][]string{} // record name -> documented fields in order
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\|")
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			cur = ""
			if name, ok := strings.CutPrefix(line, "### `"); ok {
				cur = strings.TrimSuffix(name, "`")
			}
			continue
		}
		if m := row.FindStringSubmatch(line); cur != "" && m != nil {
			sections[cur] = append(sections[cur], m[1])
		}
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Name   string `json:"name"`
			Fields []struct {
				Name string `json:"name"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(text, &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var want []string
		for _, fl := range rec.Fields {
			want = append(want, fl.Name)
		}
		if got := sections[rec.Name]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("schemas.md section %s lists fields %v, %s has %v", rec.Name, got, filepath.Base(f), want)
		}
	}
}

// TestArchitecturePackageLayout checks that every path the package-layout table of
// architecture.md names exists in the repository.
func TestArchitecturePackageLayout(t *testing.T) {
	paths := tableKeys(t, "architecture.md", "Package layout")
	if len(paths) < 10 {
		t.Fatalf("found %d paths in architecture.md's package layout, want the whole tree", len(paths))
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(p))); err != nil {
			t.Errorf("architecture.md names %s, which does not exist: %v", p, err)
		}
	}
}
