package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
)

// TestComposeReaderUserSQL parses the statements that create the compose stack's read-only
// query user with the engine's own parser, and checks what they grant: readonly pinned, and
// SELECT on the database and nothing else.
func TestComposeReaderUserSQL(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("compose", "clickhouse-init", "01-tollgate-reader.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(text)
	start := strings.Index(script, "<<SQL\n")
	end := strings.LastIndex(script, "\nSQL\n")
	if start < 0 || end < start {
		t.Fatal("01-tollgate-reader.sh has no <<SQL … SQL block")
	}
	sql := strings.NewReplacer("${reader_password}", "pw", "${CLICKHOUSE_DB}", "tollgate").Replace(script[start+len("<<SQL\n") : end])
	if !strings.Contains(sql, "readonly = 1 CONST") || !strings.Contains(sql, "allow_introspection_functions = 0") {
		t.Error("the reader profile does not pin readonly = 1 and turn introspection off")
	}
	db := chdbtest.OpenForTest(t)
	var grants int
	for _, stmt := range strings.Split(sql, ";") {
		if stmt = strings.TrimSpace(stmt); stmt == "" {
			continue
		}
		if _, err := db.Query(context.Background(), "EXPLAIN AST "+stmt, "TabSeparated"); err != nil {
			t.Errorf("the engine cannot parse %q: %v", stmt, err)
		}
		if strings.HasPrefix(stmt, "GRANT") {
			grants++
			if stmt != "GRANT SELECT ON tollgate.* TO tollgate_reader" {
				t.Errorf("reader grant %q, want SELECT on the database only", stmt)
			}
		}
	}
	if grants != 1 {
		t.Errorf("%d GRANT statements, want exactly one", grants)
	}
}
