// Package embedded is the clickhouse.Store over the in-process ClickHouse engine of
// internal/chdb: queries come back as RowBinary (rowbinary.go), inserts go in as one
// Native block (native.go). It is what `tollgate up` and the tests run on.
package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/internal/chdb"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// Store is the clickhouse.Store over the in-process ClickHouse engine. Inserts go
// through the engine's streaming insert as one Native block (JSONEachRow when
// a column holds only untyped nils). An engine error wraps a *clickhouse.Exception.
type Store struct {
	db *chdb.DB
}

// New returns a Store over db. The db's pooled connections must have the
// tollgate database as their current database.
func New(db *chdb.DB) *Store { return &Store{db: db} }

// Exec runs one statement.
func (s *Store) Exec(ctx context.Context, query string) error {
	return engineError(s.db.Exec(ctx, query))
}

// engineError wraps an engine error in the clickhouse.Exception both backends report.
func engineError(err error) error {
	var ee *chdb.EngineError
	if !errors.As(err, &ee) {
		return err
	}
	return &clickhouse.Exception{Code: ee.Code, Name: ee.Name, Message: ee.Message, Err: err}
}

// Query runs one SELECT and returns its rows. Results come back as
// RowBinaryWithNamesAndTypes; a result with a column type outside the Store
// contract is asked for again as JSON and decoded by the chdb package.
func (s *Store) Query(ctx context.Context, query string) ([]clickhouse.Row, error) {
	data, err := s.db.Query(ctx, query, rowBinaryFormat)
	if err != nil {
		return nil, engineError(err)
	}
	rows, err := rowBinaryRows(data)
	if err == nil {
		return rows, nil
	}
	if !errors.Is(err, errUnsupportedType) {
		return nil, fmt.Errorf("clickhouse: decode result of %.80q: %w", query, err)
	}
	return s.queryJSON(ctx, query)
}

// QueryColumns is Query that also returns the result's column names in order.
func (s *Store) QueryColumns(ctx context.Context, query string) ([]string, []clickhouse.Row, error) {
	data, err := s.db.Query(ctx, query, rowBinaryFormat)
	if err != nil {
		return nil, nil, engineError(err)
	}
	cols, rows, err := rowBinaryResult(data)
	if err == nil {
		return cols, rows, nil
	}
	if !errors.Is(err, errUnsupportedType) {
		return nil, nil, fmt.Errorf("clickhouse: decode result of %.80q: %w", query, err)
	}
	// The JSON form names the columns in its first line.
	out, err := s.db.Query(ctx, query, "JSONCompactEachRowWithNamesAndTypes")
	if err != nil {
		return nil, nil, engineError(err)
	}
	if i := bytes.IndexByte(out, '\n'); i > 0 {
		_ = json.Unmarshal(out[:i], &cols)
	}
	rows, err = s.queryJSON(ctx, query)
	return cols, rows, err
}

func (s *Store) queryJSON(ctx context.Context, query string) ([]clickhouse.Row, error) {
	rows, err := s.db.QueryRows(ctx, query)
	if err != nil {
		return nil, engineError(err)
	}
	out := make([]clickhouse.Row, len(rows))
	for i, r := range rows {
		row := clickhouse.Row(r)
		for k, v := range row {
			if a, ok := v.([]any); ok {
				ss := make([]string, len(a))
				for j, x := range a {
					ss[j] = fmt.Sprint(x)
				}
				row[k] = ss
			}
		}
		out[i] = row
	}
	return out, nil
}

// Insert writes rows as one Native block through the streaming insert; see
// nativeBlock for how Go values map to column types.
func (s *Store) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for i, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("clickhouse: insert into %s: row %d has %d values for %d columns", table, i, len(row), len(columns))
		}
	}
	target := table + " (" + strings.Join(columns, ", ") + ")"
	body, err := nativeBlock(make([]byte, 0, len(rows)*256), columns, rows)
	if errors.Is(err, errUntypedColumn) {
		return s.insertJSON(ctx, table, target, columns, rows)
	}
	if err != nil {
		return fmt.Errorf("clickhouse: insert into %s: %w", table, err)
	}
	if _, err := s.db.InsertBytes(ctx, target, "Native", body); err != nil {
		return engineError(err)
	}
	return nil
}

// insertJSON writes rows as JSONEachRow, which takes NULL for any column type.
func (s *Store) insertJSON(ctx context.Context, table, target string, columns []string, rows [][]any) error {
	keys := make([][]byte, len(columns))
	for i, c := range columns {
		k, _ := json.Marshal(c)
		keys[i] = append(k, ':')
	}
	var buf bytes.Buffer
	buf.Grow(len(rows) * 256)
	for _, row := range rows {
		buf.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(keys[i])
			if err := appendJSON(&buf, v); err != nil {
				return fmt.Errorf("clickhouse: insert into %s column %s: %w", table, columns[i], err)
			}
		}
		buf.WriteString("}\n")
	}
	if _, err := s.db.Insert(ctx, target, "JSONEachRow", &buf); err != nil {
		return engineError(err)
	}
	return nil
}

// chTime is how DateTime64(3) values are written: the columns carry 'UTC', so
// the text is read as UTC.
const chTime = "2006-01-02 15:04:05.000"

func appendJSON(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case *bool:
		if x == nil {
			buf.WriteString("null")
		} else {
			buf.WriteString(strconv.FormatBool(*x))
		}
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case int32:
		buf.WriteString(strconv.FormatInt(int64(x), 10))
	case uint64:
		buf.WriteString(strconv.FormatUint(x, 10))
	case time.Time:
		buf.WriteByte('"')
		buf.WriteString(x.UTC().Format(chTime))
		buf.WriteByte('"')
	case *time.Time:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		return appendJSON(buf, *x)
	case []string:
		if x == nil {
			x = []string{}
		}
		b, _ := json.Marshal(x)
		buf.Write(b)
	case map[string]string:
		if x == nil {
			x = map[string]string{}
		}
		b, _ := json.Marshal(x)
		buf.Write(b)
	default:
		return fmt.Errorf("unsupported value type %T", v)
	}
	return nil
}
