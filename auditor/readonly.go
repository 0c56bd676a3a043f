package auditor

import (
	"context"
	"fmt"
)

// writeWords are keywords that have no business in a read-only query. A column
// that happens to carry one of these names must be quoted with backticks.
var writeWords = map[string]bool{
	"INSERT": true, "ALTER": true, "DROP": true, "CREATE": true, "DELETE": true, "UPDATE": true,
	"TRUNCATE": true, "RENAME": true, "ATTACH": true, "DETACH": true, "OPTIMIZE": true,
	"SYSTEM": true, "GRANT": true, "REVOKE": true, "KILL": true, "OUTFILE": true, "READONLY": true,
	"EXCHANGE": true, "UNDROP": true, "BACKUP": true, "RESTORE": true, "USE": true, "SET": true,
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
		qualifier := sc.pos < len(sc.src) && sc.src[sc.pos] == '.' // system.tables names a database
		if writeWords[w] && !qualifier {
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
