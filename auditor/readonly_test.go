package auditor

import (
	"context"
	"errors"
	"testing"
)

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
	}
	for _, q := range ok {
		if err := CheckReadOnly(q); err != nil {
			t.Errorf("CheckReadOnly(%q) = %v, want nil", q, err)
		}
	}
	bad := []string{
		"SELECT * FROM url('http://169.254.169.254/latest/meta-data', 'TSV')",
		"SELECT * FROM file ('/etc/passwd', 'LineAsString')",
		"SELECT * FROM remote('other:9000', system.users)",
		"", "  -- only a comment", "INSERT INTO events SELECT * FROM events", "DROP TABLE events",
		"ALTER TABLE events DELETE WHERE 1", "SELECT 1; SELECT 2", "SELECT 1; DROP TABLE events",
		"SYSTEM STOP MERGES", "SET readonly = 0", "SELECT 1 INTO OUTFILE 'x'", "OPTIMIZE TABLE events FINAL",
		"SELECT 1 SETTINGS readonly = 0", "SELECT 'unterminated", "WITH 1 AS x INSERT INTO t VALUES (1)",
		"TRUNCATE events", "CREATE TABLE x (a Int8) ENGINE = Memory",
	}
	for _, q := range bad {
		if err := CheckReadOnly(q); !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("CheckReadOnly(%q) = %v, want ErrNotReadOnly", q, err)
		}
	}
}

func TestRunReadOnlyAgainstEngine(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, err := RunReadOnly(ctx, s, "SELECT count() AS n FROM events")
	if err != nil || len(rows) != 1 || rows[0].Int("n") != 0 {
		t.Fatalf("RunReadOnly count: rows %v err %v", rows, err)
	}
	if _, err := RunReadOnly(ctx, s, "DROP TABLE events"); !errors.Is(err, ErrNotReadOnly) {
		t.Fatalf("RunReadOnly DROP: %v", err)
	}
}

func FuzzCheckReadOnly(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SELECT 1; DROP TABLE t", "WITH a AS (SELECT 1) SELECT * FROM a", "SELECT '\\'';", "/* /* */ */ SELECT 1", "`x`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		err := CheckReadOnly(q)
		if err != nil && !errors.Is(err, ErrNotReadOnly) {
			t.Fatalf("error does not wrap ErrNotReadOnly: %v", err)
		}
		if err == nil {
			stmts, serr := splitStatements(q)
			if serr != nil || len(stmts) != 1 {
				t.Fatalf("accepted %q but it splits into %d statements (%v)", q, len(stmts), serr)
			}
		}
	})
}
