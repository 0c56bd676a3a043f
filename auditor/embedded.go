package auditor

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
)

// EmbeddedStore is the Store over the in-process ClickHouse engine. Inserts go
// through the engine's streaming insert as one Native block (JSONEachRow when
// a column holds only untyped nils).
type EmbeddedStore struct {
	db *chdb.DB
}

// NewEmbeddedStore returns a Store over db. The db's pooled connections must
// have the tollgate database as their current database.
func NewEmbeddedStore(db *chdb.DB) *EmbeddedStore { return &EmbeddedStore{db: db} }

// Exec runs one statement.
func (s *EmbeddedStore) Exec(ctx context.Context, query string) error {
	return s.db.Exec(ctx, query)
}

// Query runs one SELECT and returns its rows. Results come back as
// RowBinaryWithNamesAndTypes; a result with a column type outside the Store
// contract is asked for again as JSON and decoded by the chdb package.
func (s *EmbeddedStore) Query(ctx context.Context, query string) ([]Row, error) {
	data, err := s.db.Query(ctx, query, rowBinaryFormat)
	if err != nil {
		return nil, err
	}
	rows, err := rowBinaryRows(data)
	if err == nil {
		return rows, nil
	}
	if !errors.Is(err, errUnsupportedType) {
		return nil, fmt.Errorf("auditor: decode result of %.80q: %w", query, err)
	}
	return s.queryJSON(ctx, query)
}

// QueryColumns is Query that also returns the result's column names in order.
func (s *EmbeddedStore) QueryColumns(ctx context.Context, query string) ([]string, []Row, error) {
	data, err := s.db.Query(ctx, query, rowBinaryFormat)
	if err != nil {
		return nil, nil, err
	}
	cols, rows, err := rowBinaryResult(data)
	if err == nil {
		return cols, rows, nil
	}
	if !errors.Is(err, errUnsupportedType) {
		return nil, nil, fmt.Errorf("auditor: decode result of %.80q: %w", query, err)
	}
	// The JSON form names the columns in its first line.
	out, err := s.db.Query(ctx, query, "JSONCompactEachRowWithNamesAndTypes")
	if err != nil {
		return nil, nil, err
	}
	if i := bytes.IndexByte(out, '\n'); i > 0 {
		_ = json.Unmarshal(out[:i], &cols)
	}
	rows, err = s.queryJSON(ctx, query)
	return cols, rows, err
}

func (s *EmbeddedStore) queryJSON(ctx context.Context, query string) ([]Row, error) {
	rows, err := s.db.QueryRows(ctx, query)
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		row := Row(r)
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
func (s *EmbeddedStore) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for i, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("auditor: insert into %s: row %d has %d values for %d columns", table, i, len(row), len(columns))
		}
	}
	target := table + " (" + strings.Join(columns, ", ") + ")"
	body, err := nativeBlock(make([]byte, 0, len(rows)*256), columns, rows)
	if errors.Is(err, errUntypedColumn) {
		return s.insertJSON(ctx, table, target, columns, rows)
	}
	if err != nil {
		return fmt.Errorf("auditor: insert into %s: %w", table, err)
	}
	if _, err := s.db.InsertBytes(ctx, target, "Native", body); err != nil {
		return err
	}
	return nil
}

// insertJSON writes rows as JSONEachRow, which takes NULL for any column type.
func (s *EmbeddedStore) insertJSON(ctx context.Context, table, target string, columns []string, rows [][]any) error {
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
				return fmt.Errorf("auditor: insert into %s column %s: %w", table, columns[i], err)
			}
		}
		buf.WriteString("}\n")
	}
	if _, err := s.db.Insert(ctx, target, "JSONEachRow", &buf); err != nil {
		return err
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
