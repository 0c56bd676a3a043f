package clickhouse_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
)

// newQueryStore returns a writer store and a store on the same database opened the way
// OpenQueryStore opens one: its own connections with clickhouse.ReadOnlySettings.
func newQueryStore(t testing.TB) (*embedded.Store, *embedded.Store) {
	t.Helper()
	w := chdbtest.OpenForTest(t)
	r, err := chdb.Open(chdb.Options{DataDir: chdb.DataDir(), Database: w.Database(), PoolSize: 1, Settings: clickhouse.ReadOnlySettings})
	if err != nil {
		t.Fatalf("open read-only pool: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return embedded.New(w), embedded.New(r)
}

func TestCheckReadOnly(t *testing.T) {
	ok := []string{
		"SELECT 1",
		"select count() from events FINAL where lane = 'HELP_DESK';",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
		"SELECT 'DROP TABLE events; INSERT' AS s -- ; DROP\n",
		"/* ; */ SELECT `delete` FROM t",
		"(SELECT 1) UNION ALL (SELECT 2)",
		"SELECT name FROM system.tables WHERE database = currentDatabase()",
		"SELECT system, count() FROM tickets GROUP BY system",
		"SELECT t.system AS url FROM tickets AS t",
		"SELECT number FROM numbers(3)",
		"SELECT format('{} {}', 'a', 'b'), $$file('x')$$",
		"SELECT * FROM view(SELECT 1)",
		"SELECT 'file(' AS s, `url` FROM t",
	}
	for _, q := range ok {
		if err := clickhouse.CheckReadOnly(q); err != nil {
			t.Errorf("clickhouse.CheckReadOnly(%q) = %v, want nil", q, err)
		}
	}
	for _, q := range append(disguises(), []string{
		"", "  -- only a comment", "INSERT INTO events SELECT * FROM events", "DROP TABLE events",
		"ALTER TABLE events DELETE WHERE 1", "SELECT 1; SELECT 2", "SELECT 1; DROP TABLE events",
		"SYSTEM STOP MERGES", "SET readonly = 0", "SELECT 1 INTO OUTFILE 'x'", "OPTIMIZE TABLE events FINAL",
		"SELECT 1 SETTINGS readonly = 0", "SELECT 'unterminated", "WITH 1 AS x INSERT INTO t VALUES (1)",
		"TRUNCATE events", "CREATE TABLE x (a Int8) ENGINE = Memory", "SELECT $$unterminated",
		"SELECT 1 FORMAT JSON", "SELECT 1\x00; DROP TABLE events", "SELECT '\xff'",
	}...) {
		if err := clickhouse.CheckReadOnly(q); !errors.Is(err, clickhouse.ErrNotReadOnly) {
			t.Errorf("clickhouse.CheckReadOnly(%q) = %v, want clickhouse.ErrNotReadOnly", q, err)
		}
	}
}

const secretMarker = "tollgate-secret-4f1e"

// disguises are the ways of reaching a file, a URL, another server or a process that the
// guard must refuse: every one names the secret file or the canary server.
func disguises() []string {
	f, u := "'{file}'", "'{url}'"
	return []string{
		"SELECT * FROM file(" + f + ", 'LineAsString')",
		"SELECT * FROM file/**/(" + f + ", 'LineAsString')",
		"SELECT * FROM file /* a /* nested */ comment */ (" + f + ", 'LineAsString')",
		"SELECT * FROM file -- line comment\n(" + f + ", 'LineAsString')",
		"SELECT * FROM file # hash comment\n(" + f + ", 'LineAsString')",
		"SELECT * FROM `file`(" + f + ", 'LineAsString')",
		"SELECT * FROM \"file\"(" + f + ", 'LineAsString')",
		"SELECT * FROM FILE(" + f + ", 'LineAsString')",
		"SELECT $$'$$ AS a, * FROM file(" + f + ", 'LineAsString') WHERE $$'$$ = $$'$$",
		"SELECT $t$'$t$ AS a, line FROM file(" + f + ", 'LineAsString')",
		"SELECT file(" + f + ")",
		"SELECT toUInt64(file(" + f + "))",
		"SELECT * FROM (SELECT * FROM (SELECT * FROM file(" + f + ", 'LineAsString')))",
		"WITH x AS (SELECT * FROM file(" + f + ", 'LineAsString')) SELECT * FROM x",
		"SELECT * FROM numbers(1) WHERE 1 IN (SELECT length(line) FROM file(" + f + ", 'LineAsString'))",
		"SELECT * FROM view(SELECT * FROM file(" + f + ", 'LineAsString'))",
		"SELECT * FROM fileCluster('default', " + f + ", 'LineAsString')",
		"SELECT * FROM url(" + u + ", 'LineAsString')",
		"SELECT * FROM url/**/(" + u + ", 'LineAsString')",
		"SELECT * FROM urlCluster('default', " + u + ", 'LineAsString')",
		"SELECT * FROM s3(" + u + ", 'LineAsString')",
		"SELECT * FROM s3Cluster('default', " + u + ", 'LineAsString')",
		"SELECT * FROM remote('127.0.0.1:1', system.one)",
		"SELECT * FROM remoteSecure('127.0.0.1:1', system.one)",
		"SELECT * FROM cluster('default', system.one)",
		"SELECT * FROM clusterAllReplicas('default', system.one)",
		"SELECT * FROM executable('cat " + "{file}" + "', 'LineAsString', 'line String')",
		"SELECT * FROM filesystem('/')",
		"SELECT * FROM (SELECT * FROM file(" + f + ", 'LineAsString') SETTINGS readonly = 0)",
		"SELECT 1 INTO OUTFILE '{out}'",
		"SELECT * FROM dictionary('d')",
		"SELECT * FROM `file --`(" + f + ", 'LineAsString')",
		"SELECT * FROM `file\\x20`(" + f + ", 'LineAsString')",
	}
}

// TestReadOnlyGuardAgainstEngine runs every disguise through each layer on the real engine:
// the text check alone, the engine's parse tree alone (the text check bypassed), and the
// whole clickhouse.RunReadOnly. None may answer with the secret file's content or reach the canary.
func TestReadOnlyGuardAgainstEngine(t *testing.T) {
	ctx := context.Background()
	w, r := newQueryStore(t)
	if _, err := clickhouse.Migrate(ctx, w, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte(secretMarker+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	var hits atomic.Int64
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(secretMarker + "\n"))
	}))
	defer canary.Close()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	for _, tmpl := range disguises() {
		q := strings.NewReplacer("{file}", secret, "{url}", canary.URL+"/x", "{out}", out).Replace(tmpl)
		// Layer 1 alone.
		if err := clickhouse.CheckReadOnly(q); !errors.Is(err, clickhouse.ErrNotReadOnly) {
			t.Errorf("text check accepted %q: %v", q, err)
		}
		// Layer 2 alone: the engine parses, checkAST judges.
		stmts, err := clickhouse.SplitStatements(q)
		if err != nil || len(stmts) != 1 {
			t.Fatalf("split %q: %v %v", q, stmts, err)
		}
		ast, err := r.Query(ctx, "EXPLAIN AST "+stmts[0])
		if err != nil {
			t.Errorf("engine could not parse %q: %v", q, err)
			continue
		}
		lines := make([]string, len(ast))
		for i, row := range ast {
			lines[i] = row.String("explain")
		}
		if err := clickhouse.CheckAST(lines); !errors.Is(err, clickhouse.ErrNotReadOnly) {
			t.Errorf("parse-tree check accepted %q: %v\n%s", q, err, strings.Join(lines, "\n"))
		}
		// All layers.
		res, err := clickhouse.RunReadOnly(ctx, r, q, log)
		if err == nil {
			t.Errorf("clickhouse.RunReadOnly ran %q: %v", q, res)
		} else if strings.Contains(err.Error(), secretMarker) {
			t.Errorf("clickhouse.RunReadOnly's error for %q carries the secret: %v", q, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the canary server was reached %d times", n)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("INTO OUTFILE wrote %s: %v", out, err)
	}
	// Layer 3 alone: the read-only connections refuse table functions and writes even when a
	// statement reaches them without either check.
	for _, q := range []string{
		"SELECT * FROM file('" + secret + "', 'LineAsString')",
		"SELECT * FROM url('" + canary.URL + "/x', 'LineAsString')",
		"INSERT INTO events (event_id) VALUES ('x')",
		"DROP TABLE events",
		"SELECT 1 SETTINGS readonly = 0",
		"SELECT demangle('x')",
	} {
		if _, err := r.Query(ctx, q); err == nil {
			t.Errorf("read-only connection ran %q", q)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the canary server was reached %d times by the read-only connection", n)
	}
}

func TestRunReadOnlyAnswers(t *testing.T) {
	ctx := context.Background()
	w, r := newQueryStore(t)
	if _, err := clickhouse.Migrate(ctx, w, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := clickhouse.RunReadOnly(ctx, r, "SELECT count() AS n, 'x' AS b, 2 AS a FROM events", nil)
	if err != nil || len(res.Rows) != 1 || res.Rows[0].Int("n") != 0 {
		t.Fatalf("clickhouse.RunReadOnly count: %v %v", res, err)
	}
	if got := strings.Join(res.Columns, ","); got != "n,b,a" {
		t.Fatalf("columns %s, want the query's order n,b,a", got)
	}
	res, err = clickhouse.RunReadOnly(ctx, r, "SELECT number FROM numbers(3) ORDER BY number", nil)
	if err != nil || len(res.Rows) != 3 {
		t.Fatalf("numbers(3): %v %v", res, err)
	}
	if _, err := clickhouse.RunReadOnly(ctx, r, "DROP TABLE events", nil); !errors.Is(err, clickhouse.ErrNotReadOnly) {
		t.Fatalf("clickhouse.RunReadOnly DROP: %v", err)
	}
	// An engine error is short and names its code; data the engine quotes stays in the log.
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	_, err = clickhouse.RunReadOnly(ctx, r, "SELECT toUInt8(x) FROM (SELECT '"+secretMarker+"' AS x)", log)
	var qe *clickhouse.QueryError
	if !errors.As(err, &qe) || qe.Name == "" || strings.Contains(err.Error(), secretMarker) {
		t.Fatalf("parse failure answer %v, want a clickhouse.QueryError without the value", err)
	}
	if !strings.Contains(logBuf.String(), secretMarker) {
		t.Fatalf("the full engine text is not in the log: %s", logBuf.String())
	}
	_, err = clickhouse.RunReadOnly(ctx, r, "SELECT nosuchcolumn FROM events", nil)
	if !errors.As(err, &qe) || qe.Name != "UNKNOWN_IDENTIFIER" || !strings.Contains(err.Error(), "nosuchcolumn") {
		t.Fatalf("unknown column answer %v, want UNKNOWN_IDENTIFIER naming the column", err)
	}
}

// TestTableFunctionCatalogueMatchesEngine keeps tablefunctions.txt in step with the pinned
// engine: a table function the list lacks could be called without the text check knowing
// it (the parse-tree check refuses it anyway). Regenerate with scripts/gen-tablefunctions.sh.
func TestTableFunctionCatalogueMatchesEngine(t *testing.T) {
	s := clickhousetest.Embedded(t)
	rows, err := s.Query(context.Background(), "SELECT name FROM system.table_functions ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.String("name"))
	}
	if path := os.Getenv("TOLLGATE_WRITE_TABLE_FUNCTIONS"); path != "" {
		head := clickhouse.TableFunctionsText[:strings.Index(clickhouse.TableFunctionsText, "\n"+names[0])+1]
		if err := os.WriteFile(path, []byte(head+strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var missing []string
	for _, n := range names {
		if !clickhouse.TableFunctions[strings.ToLower(n)] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("tablefunctions.txt lacks %v; run scripts/gen-tablefunctions.sh", missing)
	}
	for name := range clickhouse.ReadOnlyTableFunctions {
		if !clickhouse.TableFunctions[name] {
			t.Errorf("allow-listed table function %s is not a table function of this engine", name)
		}
	}
}

// FuzzReadOnlyGuard drives the text check with the engine as the oracle: whatever the text
// check accepts, the engine must parse as a statement its parse-tree check accepts too. A
// text the tokenizer reads differently from the engine (a comment, string or heredoc it
// gets wrong) shows up as an accepted query whose tree holds a refused call.
func FuzzReadOnlyGuard(f *testing.F) {
	for _, s := range append(disguises(), "SELECT 1", "SELECT 1; DROP TABLE t", "WITH a AS (SELECT 1) SELECT * FROM a",
		"SELECT '\\'';", "/* /* */ */ SELECT 1", "`x`", "SELECT $$a$$, $b$c$b$", "SELECT 1 -- x\n", "SELECT 1 #! x",
		"SELECT * FROM numbers(2)", "SELECT `file` FROM t", "SELECT \"url\" AS u FROM t") {
		f.Add(s)
	}
	_, r := newQueryStore(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		err := clickhouse.CheckReadOnly(q)
		if err != nil {
			if !errors.Is(err, clickhouse.ErrNotReadOnly) {
				t.Fatalf("error does not wrap clickhouse.ErrNotReadOnly: %v", err)
			}
			return
		}
		stmts, serr := clickhouse.SplitStatements(q)
		if serr != nil || len(stmts) != 1 {
			t.Fatalf("accepted %q but it splits into %d statements (%v)", q, len(stmts), serr)
		}
		ast, err := r.Query(ctx, "EXPLAIN AST "+stmts[0])
		if err != nil {
			return // the engine cannot parse it, so it cannot run it either
		}
		lines := make([]string, len(ast))
		for i, row := range ast {
			lines[i] = row.String("explain")
		}
		if err := clickhouse.CheckAST(lines); err != nil && !errors.Is(err, clickhouse.ErrUnknownTableFunction) {
			t.Fatalf("text check accepted %q but the engine's parse tree is refused: %v\n%s", q, err, strings.Join(lines, "\n"))
		}
	})
}
