package clickhouse

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// An analyst's query passes three layers before it returns a row, each of which alone
// refuses every disguise the tests know (comments between a name and its parenthesis,
// heredocs, odd casing, quoted names, nested subqueries, the *Cluster variants):
//
//  1. CheckReadOnly reads the text with the one tokenizer of sqltext.go: one SELECT (or
//     WITH … SELECT) statement, no write keyword, no SETTINGS, FORMAT or INTO OUTFILE
//     clause, and no call of a table function outside readOnlyTableFunctions.
//  2. The engine parses the statement itself (EXPLAIN AST, which executes nothing) and
//     checkAST walks the tree: a SELECT at the root and nothing beside it, no SETTINGS
//     node at any depth, every table function on the allow-list, no external scalar.
//  3. The statement runs on a store opened for queries (OpenQueryStore in internal/app):
//     the embedded engine on connections with readonly=1 and introspection off, a server
//     as a read-only user; and the statement itself carries SETTINGS readonly = 1.
//
// Why all three: on this engine readonly=1 does not stop the scalar file() function, a
// subquery's own SETTINGS readonly = 0 lifts a session's readonly=1, and INTO OUTFILE
// writes a file in readonly mode (all measured; see readonly_test.go). Engine errors come
// back as QueryError: a short message for the caller, the full text only for the log.

// readOnlyTableFunctions are the table functions an analyst may call: they generate rows
// from their arguments and touch nothing outside the query. Lower-case.
var readOnlyTableFunctions = map[string]bool{
	"numbers": true, "numbers_mt": true, "zeros": true, "zeros_mt": true, "generate_series": true,
	"generateseries": true, "values": true, "null": true, "view": true, "format": true, "primes": true,
}

// externalScalarFunctions are scalar functions that read outside the database and share no
// name with a table function (file() does, and is refused as one). Lower-case.
var externalScalarFunctions = map[string]bool{"catboostevaluate": true}

//go:embed tablefunctions.txt
var tableFunctionsText string

// tableFunctions is every table function of the pinned engine, lower-case.
var tableFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(tableFunctionsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// refusedFunction reports whether a call of name reaches outside the audit database.
func refusedFunction(name string) bool {
	// The engine's parse tree prints a quoted name with its spaces and the tree check
	// reads it without them: `file `() is file() to both.
	l := strings.ToLower(strings.TrimSpace(name))
	return tableFunctions[l] && !readOnlyTableFunctions[l] || externalScalarFunctions[l]
}

// plainName reports whether name is letters, digits and underscores only.
func plainName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
}

// writeWords are keywords that have no business in a read-only query. A column
// that happens to carry one of these names must be quoted with backticks.
var writeWords = map[string]bool{
	"INSERT": true, "ALTER": true, "DROP": true, "CREATE": true, "DELETE": true, "UPDATE": true,
	"TRUNCATE": true, "RENAME": true, "ATTACH": true, "DETACH": true, "OPTIMIZE": true,
	"GRANT": true, "REVOKE": true, "KILL": true, "OUTFILE": true, "READONLY": true,
	"EXCHANGE": true, "UNDROP": true, "BACKUP": true, "RESTORE": true, "SETTINGS": true,
}

// ReadOnlySettings are the engine settings of every connection that runs analysts' queries.
var ReadOnlySettings = map[string]string{
	"readonly":                      "1",
	"allow_introspection_functions": "0",
	"allow_ddl":                     "0",
	"max_execution_time":            "300",
	"max_result_rows":               "1000000",
	"result_overflow_mode":          "throw",
}

// CheckReadOnly accepts sql only when it is a single SELECT (or WITH … SELECT) statement
// that reads nothing but the database: anything else — a write, a SETTINGS, FORMAT or INTO
// OUTFILE clause, several statements, a call of a table function such as file(), url() or
// remote() however it is spelled — is refused with an error wrapping ErrNotReadOnly that
// says why. It is the first of three layers; RunReadOnly applies all of them.
func CheckReadOnly(sql string) error {
	if err := checkText(sql); err != nil {
		return fmt.Errorf("%w: %w", ErrNotReadOnly, err)
	}
	stmts, err := SplitStatements(sql)
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
	toks, err := significantTokens(stmts[0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotReadOnly, err)
	}
	first := 0
	for first < len(toks) && toks[first].kind == tokOpenParen {
		first++ // (SELECT …) UNION ALL (SELECT …)
	}
	if first == len(toks) || toks[first].kind != tokWord || toks[first].word != "SELECT" && toks[first].word != "WITH" {
		if first < len(toks) && toks[first].kind == tokWord {
			return fmt.Errorf("%w: %s statements are not allowed", ErrNotReadOnly, toks[first].word)
		}
		return fmt.Errorf("%w: the statement must start with SELECT or WITH", ErrNotReadOnly)
	}
	sawSelect := false
	for i, t := range toks {
		call := i+1 < len(toks) && toks[i+1].kind == tokOpenParen
		switch t.kind {
		case tokQuotedWord:
			// A name with a line break or another control character would split the
			// engine's one-line-per-node parse tree that the second check reads.
			if strings.ContainsFunc(t.word, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return fmt.Errorf("%w: a quoted name may not contain a line break or another control character", ErrNotReadOnly)
			}
			if call && !plainName(t.word) {
				// The parse tree prints a called name as written, and a space, quote or
				// escape in it would make the second check read a different name
				// (`file --`() is printed as "Function file --").
				return fmt.Errorf("%w: a quoted function name must be a plain name (letters, digits, _); write the call without quotes", ErrNotReadOnly)
			}
			if call && refusedFunction(t.word) {
				return refusedCall(t.word)
			}
		case tokWord:
			switch {
			case call && refusedFunction(t.word):
				return refusedCall(strings.ToLower(t.word))
			case t.word == "SELECT":
				sawSelect = true
			case t.word == "SETTINGS":
				return fmt.Errorf("%w: SETTINGS clauses are not allowed; every query runs with the console's read-only settings", ErrNotReadOnly)
			case t.word == "FORMAT" && !call:
				return fmt.Errorf("%w: a FORMAT clause is not allowed; choose the output with --format", ErrNotReadOnly)
			case writeWords[t.word]:
				return fmt.Errorf("%w: the keyword %s is not allowed in a read-only query", ErrNotReadOnly, t.word)
			}
		}
	}
	if !sawSelect {
		return fmt.Errorf("%w: no SELECT found", ErrNotReadOnly)
	}
	return nil
}

// errUnknownTableFunction is a table function that is neither allowed nor known to
// tablefunctions.txt: refused all the same (the list is an allow-list).
var errUnknownTableFunction = errors.New("the table function is not on the allow-list:")

func refusedCall(name string) error {
	return fmt.Errorf("%w: the function %s reaches outside the audit database (allowed table functions: numbers, zeros, generate_series, values, null, view, format, primes)", ErrNotReadOnly, name)
}

type sigToken struct {
	kind sqlToken
	word string
}

// significantTokens is stmt's tokens without comments.
func significantTokens(stmt string) ([]sigToken, error) {
	sc := sqlScanner{src: stmt}
	var out []sigToken
	for {
		tok, err := sc.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case tokEOF:
			if sc.lineBreak {
				// A name holding a line break would split the engine's one-line-per-node
				// parse tree, which the second check reads; a string can become a name
				// (FROM ('a\nb', …)), so neither may hold one.
				return nil, fmt.Errorf("%w: a quoted string or name may not contain a line break (write it another way, e.g. char(10))", ErrNotReadOnly)
			}
			return out, nil
		case tokComment:
			continue
		case tokWord, tokQuotedWord:
			out = append(out, sigToken{kind: tok, word: sc.word})
		default:
			out = append(out, sigToken{kind: tok})
		}
	}
}

// checkAST refuses a statement whose parse tree, as the engine prints it with EXPLAIN AST
// (one node a line, indented one space a level), holds anything but one SELECT reading the
// database.
func checkAST(lines []string) error {
	if len(lines) == 0 {
		return fmt.Errorf("%w: the engine returned no parse tree", ErrNotReadOnly)
	}
	var path []string // node names from the root down to the current line's parent
	for i, line := range lines {
		depth := len(line) - len(strings.TrimLeft(line, " "))
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		node := fields[0]
		if depth > len(path) {
			return fmt.Errorf("%w: unreadable parse tree at line %d", ErrNotReadOnly, i+1)
		}
		path = path[:depth]
		switch {
		case depth == 0 && i > 0:
			return fmt.Errorf("%w: more than one statement", ErrNotReadOnly)
		case depth == 0 && node != "SelectWithUnionQuery":
			return fmt.Errorf("%w: %s statements are not allowed", ErrNotReadOnly, strings.TrimSuffix(node, "Query"))
		case depth == 1 && node != "ExpressionList":
			return fmt.Errorf("%w: only the SELECT itself may follow the statement (no FORMAT, INTO OUTFILE or SETTINGS)", ErrNotReadOnly)
		case depth == 1 && i > 1:
			return fmt.Errorf("%w: only the SELECT itself may follow the statement (no FORMAT, INTO OUTFILE or SETTINGS)", ErrNotReadOnly)
		case node == "Set":
			return fmt.Errorf("%w: SETTINGS clauses are not allowed; every query runs with the console's read-only settings", ErrNotReadOnly)
		case node == "Function" && len(fields) > 1:
			name := fields[1]
			inTable := len(path) > 0 && path[len(path)-1] == "TableExpression"
			if refusedFunction(name) {
				return refusedCall(name)
			}
			if inTable && !readOnlyTableFunctions[strings.ToLower(name)] {
				return fmt.Errorf("%w: %w %s", ErrNotReadOnly, errUnknownTableFunction, name)
			}
		}
		path = append(path, node)
	}
	return nil
}

// QueryResult is a read-only query's answer: columns in order and rows by column name.
type QueryResult struct {
	Columns []string `json:"columns"`
	Rows    []Row    `json:"rows"`
}

// ColumnQuerier is a Store that also reports a result's columns in order.
type ColumnQuerier interface {
	Store
	QueryColumns(ctx context.Context, query string) ([]string, []Row, error)
}

// RunReadOnly runs one analyst's query through the three layers described at the top of
// this file. s should be a store opened for queries (readonly connections or a read-only
// user). A refused query's error wraps ErrNotReadOnly; an engine error is a *QueryError
// whose text is short and safe to show, with the full text only in the log.
func RunReadOnly(ctx context.Context, s ColumnQuerier, sql string, log *slog.Logger) (*QueryResult, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := CheckReadOnly(sql); err != nil {
		return nil, err
	}
	stmts, _ := SplitStatements(sql)
	stmt := stmts[0]
	ast, err := s.Query(ctx, "EXPLAIN AST "+stmt)
	if err != nil {
		return nil, sanitize(log, "parse", err)
	}
	lines := make([]string, len(ast))
	for i, r := range ast {
		lines[i] = r.String("explain")
	}
	if err := checkAST(lines); err != nil {
		log.Warn("read-only query refused by its parse tree after the text check passed", "err", err)
		return nil, err
	}
	cols, rows, err := s.QueryColumns(ctx, "SELECT * FROM (\n"+stmt+"\n) SETTINGS readonly = 1")
	if err != nil {
		return nil, sanitize(log, "run", err)
	}
	return &QueryResult{Columns: cols, Rows: rows}, nil
}

// QueryError is an engine error of an analyst's query, with a message safe to return to
// the caller: the engine's code name, and its text only for codes whose text describes the
// query rather than data (a syntax error, an unknown column).
type QueryError struct {
	Code    int
	Name    string
	Message string
}

// Error returns the message that is safe to show the caller.
func (e *QueryError) Error() string { return e.Message }

// describingCodes are engine error codes whose message is about the query's text and
// types, never the data it read.
var describingCodes = map[int]bool{
	36: true, 42: true, 43: true, 44: true, 46: true, 47: true, 48: true, 53: true, 60: true, 62: true,
	81: true, 164: true, 179: true, 184: true, 215: true, 352: true, 386: true, 394: true, 396: true,
	446: true, 497: true, 159: true, 158: true,
}

// sanitize logs err in full and returns what the caller may see.
func sanitize(log *slog.Logger, stage string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Warn("read-only query failed", "stage", stage, "err", err)
	code, name, text := engineError(err)
	if code == 0 && name == "" {
		if errors.Is(err, ErrUnavailable) {
			return fmt.Errorf("query: %w", ErrUnavailable)
		}
		return &QueryError{Message: "query failed; the server log has the details"}
	}
	msg := fmt.Sprintf("query failed: %s (code %d)", name, code)
	if describingCodes[code] && text != "" {
		msg += ": " + text
	}
	return &QueryError{Code: code, Name: name, Message: msg}
}

// engineError finds the engine's code, name and first sentence in err.
func engineError(err error) (int, string, string) {
	var ex *Exception
	if !errors.As(err, &ex) {
		return 0, "", ""
	}
	code, name, msg := ex.Code, ex.Name, ex.Message
	for {
		i := strings.Index(msg, "DB::Exception: ")
		if i < 0 {
			break
		}
		msg = msg[i+len("DB::Exception: "):]
	}
	if i := strings.Index(msg, "Stack trace"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, " (version "); i >= 0 {
		msg = msg[:i]
	}
	if name != "" {
		msg = strings.TrimSuffix(strings.TrimSpace(msg), "("+name+")")
	}
	msg = strings.TrimSpace(msg)
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return code, name, msg
}
