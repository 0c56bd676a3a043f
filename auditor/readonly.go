package auditor

import (
	"context"
	"fmt"
	"strings"
)

// writeWords are keywords that have no business in a read-only query. A column
// that happens to carry one of these names must be quoted with backticks.
var writeWords = map[string]bool{
	"INSERT": true, "ALTER": true, "DROP": true, "CREATE": true, "DELETE": true, "UPDATE": true,
	"TRUNCATE": true, "RENAME": true, "ATTACH": true, "DETACH": true, "OPTIMIZE": true,
	"SYSTEM": true, "GRANT": true, "REVOKE": true, "KILL": true, "OUTFILE": true, "READONLY": true,
	"EXCHANGE": true, "UNDROP": true, "BACKUP": true, "RESTORE": true,
}

// statementWords may only start a statement (SYSTEM FLUSH LOGS, SET x = 1, USE db); inside a
// SELECT they are names (tickets.system, system.tables), and a statement must start with
// SELECT or WITH anyway.
var statementWords = map[string]bool{"SYSTEM": true, "SET": true, "USE": true}

// externalFunctions are table functions that reach outside the audit database (files, URLs,
// other servers, processes); an analyst's read-only query has no business there.
var externalFunctions = map[string]bool{
	"URL": true, "FILE": true, "S3": true, "S3CLUSTER": true, "GCS": true, "AZUREBLOBSTORAGE": true,
	"HDFS": true, "REMOTE": true, "REMOTESECURE": true, "MYSQL": true, "POSTGRESQL": true,
	"JDBC": true, "ODBC": true, "SQLITE": true, "MONGODB": true, "REDIS": true, "EXECUTABLE": true,
	"INPUT": true, "ICEBERG": true, "DELTALAKE": true, "HUDI": true,
}

// CheckReadOnly accepts sql only when it is a single SELECT (or WITH … SELECT)
// statement; anything else — INSERT, DROP, ALTER, SYSTEM, SET, several
// statements — is refused with an error wrapping ErrNotReadOnly that says why.
// It is a first line of defence for `tollgate query`; RunReadOnly also runs the
// query with readonly=1 so the engine enforces the same rule.
func CheckReadOnly(sql string) error {
	stmts, err := splitStatements(sql)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotReadOnly, err)
	}
	switch len(stmts) {
	case 0:
		return fmt.Errorf("%w: the query is empty", ErrNotReadOnly)
	case 1:
	default:
		return fmt.Errorf("%w: found %d statements; send one statement without ';' between statements", ErrNotReadOnly, len(stmts))
	}
	sc := sqlScanner{src: stmts[0]}
	first := ""
	sawSelect := false
	for {
		tok, err := sc.next()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotReadOnly, err)
		}
		if tok == tokEOF {
			break
		}
		if tok == tokOther && first == "" && sc.src[sc.pos-1] == '(' {
			continue // (SELECT …) UNION ALL (SELECT …)
		}
		if tok != tokWord {
			if first == "" && tok != tokComment {
				return fmt.Errorf("%w: the statement must start with SELECT or WITH", ErrNotReadOnly)
			}
			continue
		}
		w := sc.word
		sc.word = ""
		if w == "" {
			continue // a quoted identifier
		}
		if first == "" {
			first = w
			if w != "SELECT" && w != "WITH" {
				return fmt.Errorf("%w: %s statements are not allowed", ErrNotReadOnly, w)
			}
		}
		if w == "SELECT" {
			sawSelect = true
		}
		if statementWords[w] && w != first {
			continue
		}
		if externalFunctions[w] && nextNonSpace(sc.src, sc.pos) == '(' {
			return fmt.Errorf("%w: the table function %s reaches outside the audit database", ErrNotReadOnly, strings.ToLower(w))
		}
		if writeWords[w] {
			return fmt.Errorf("%w: the keyword %s is not allowed in a read-only query", ErrNotReadOnly, w)
		}
	}
	if !sawSelect {
		return fmt.Errorf("%w: no SELECT found", ErrNotReadOnly)
	}
	return nil
}

// RunReadOnly checks sql with CheckReadOnly and runs it with readonly=1, so the
// engine refuses writes and setting changes even if the check missed one.
func RunReadOnly(ctx context.Context, s Store, sql string) ([]Row, error) {
	if err := CheckReadOnly(sql); err != nil {
		return nil, err
	}
	stmts, _ := splitStatements(sql)
	rows, err := s.Query(ctx, "SELECT * FROM (\n"+stmts[0]+"\n) SETTINGS readonly = 1")
	if err != nil {
		return nil, fmt.Errorf("auditor: read-only query: %w", err)
	}
	return rows, nil
}

// nextNonSpace returns the first byte at or after i that is not white space, or 0.
func nextNonSpace(s string, i int) byte {
	for ; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}
