package clickhouse

import "context"

// The read-only guard's internals, for the tests of package clickhouse_test that check
// them against the engine (which this package's own tests cannot import).
var (
	CheckAST                = checkAST
	ErrUnknownTableFunction = errUnknownTableFunction
	TableFunctions          = tableFunctions
	TableFunctionsText      = tableFunctionsText
	ReadOnlyTableFunctions  = readOnlyTableFunctions
)

// ParseSwap reads a "swap …" migration directive: the table it rebuilds, the table with
// the new layout, and the tables the rows are copied from and to.
func ParseSwap(d string) (old, new, copyFrom, copyTo string, err error) {
	sw, err := parseSwap(d)
	return sw.old, sw.new, sw.copyFrom, sw.copyTo, err
}

// RunSwap runs a "swap …" migration directive on s.
func RunSwap(ctx context.Context, s Store, d string, cluster bool) error {
	sw, err := parseSwap(d)
	if err != nil {
		return err
	}
	return sw.run(ctx, s, cluster)
}
