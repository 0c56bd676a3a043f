// Package server is the clickhouse.Store over a ClickHouse server through clickhouse-go,
// native or HTTP protocol, for clickhouse.mode server. It returns the same Row values as
// the embedded backend, so the auditor cannot tell the two apart.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// Config says how to reach a ClickHouse server.
type Config struct {
	// Addrs are host:port pairs (native port 9000/9440, HTTP 8123/8443).
	Addrs []string
	// Database is the current database of every connection.
	Database string
	// Username and Password authenticate every connection.
	Username, Password string
	// TLS, when set, encrypts connections with this configuration.
	TLS *tls.Config
	// Compression is none (also ""), lz4 or zstd.
	Compression string
	// DialTimeout bounds connecting and waiting for a pooled connection;
	// 0 means 10 s.
	DialTimeout time.Duration
	// Settings are ClickHouse settings applied to every statement.
	Settings map[string]string
	// Protocol is native (also "") or http.
	Protocol string
	// MaxOpenConns caps the connection pool; 0 means 4.
	MaxOpenConns int
}

// Store is the clickhouse.Store over a ClickHouse server through clickhouse-go.
// Query rows carry the same Go values as the embedded backend's, so the auditor
// cannot tell the backends apart; inserts are batch inserts with named
// columns and async_insert off, so they are visible once Insert returns.
// Every error names its operation; a server exception wraps a
// *clickhouse.Exception and a retryable failure wraps clickhouse.ErrUnavailable.
type Store struct {
	conn chdriver.Conn
}

// New opens a connection pool and pings the server. A server that cannot be
// reached yields an error satisfying clickhouse.IsUnavailable; an invalid
// configuration wraps clickhouse.clickhouse.ErrInvalidConfig.
func New(ctx context.Context, cfg Config) (*Store, error) {
	opts, err := cfg.options()
	if err != nil {
		return nil, err
	}
	conn, err := chgo.Open(opts)
	if err != nil {
		return nil, storeError("open", err)
	}
	s := &Store{conn: conn}
	if err := s.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return s, nil
}

func (cfg Config) options() (*chgo.Options, error) {
	if len(cfg.Addrs) == 0 {
		return nil, fmt.Errorf("%w: clickhouse addrs is empty", clickhouse.ErrInvalidConfig)
	}
	opts := &chgo.Options{
		Addr:         cfg.Addrs,
		Auth:         chgo.Auth{Database: cfg.Database, Username: cfg.Username, Password: cfg.Password},
		TLS:          cfg.TLS,
		DialTimeout:  cfg.DialTimeout,
		MaxOpenConns: cfg.MaxOpenConns,
		Settings:     chgo.Settings{},
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 4
	}
	opts.MaxIdleConns = opts.MaxOpenConns
	switch strings.ToLower(cfg.Protocol) {
	case "", "native":
		opts.Protocol = chgo.Native
	case "http":
		opts.Protocol = chgo.HTTP
	default:
		return nil, fmt.Errorf("%w: clickhouse protocol %q (want native or http)", clickhouse.ErrInvalidConfig, cfg.Protocol)
	}
	switch strings.ToLower(cfg.Compression) {
	case "", "none":
	case "lz4":
		opts.Compression = &chgo.Compression{Method: chgo.CompressionLZ4}
	case "zstd":
		opts.Compression = &chgo.Compression{Method: chgo.CompressionZSTD}
	default:
		return nil, fmt.Errorf("%w: clickhouse compression %q (want none, lz4 or zstd)", clickhouse.ErrInvalidConfig, cfg.Compression)
	}
	for k, v := range cfg.Settings {
		opts.Settings[k] = v
	}
	return opts, nil
}

// Ping checks the server answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return storeError("ping", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.conn.Close() }

// Exec runs one statement.
func (s *Store) Exec(ctx context.Context, query string) error {
	if err := s.conn.Exec(ctx, query); err != nil {
		return storeError("exec "+abbrevSQL(query), err)
	}
	return nil
}

// Query runs one SELECT and converts every value to the Store's value
// contract, the same values the embedded backend returns for the same column types.
func (s *Store) Query(ctx context.Context, query string) ([]clickhouse.Row, error) {
	_, rows, err := s.QueryColumns(ctx, query)
	return rows, err
}

// QueryColumns is Query that also returns the result's column names in order.
func (s *Store) QueryColumns(ctx context.Context, query string) ([]string, []clickhouse.Row, error) {
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, nil, storeError("query "+abbrevSQL(query), err)
	}
	defer rows.Close()
	cts := rows.ColumnTypes()
	dest := make([]any, len(cts))
	convs := make([]func(any) any, len(cts))
	for i, ct := range cts {
		dest[i] = reflect.New(ct.ScanType()).Interface()
		convs[i] = rowValue(ct.DatabaseTypeName())
	}
	var out []clickhouse.Row
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, storeError("scan "+abbrevSQL(query), err)
		}
		row := make(clickhouse.Row, len(cts))
		for i, ct := range cts {
			row[ct.Name()] = convs[i](reflect.ValueOf(dest[i]).Elem().Interface())
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, storeError("query "+abbrevSQL(query), err)
	}
	return rows.Columns(), out, nil
}

// Insert writes rows as one batch insert naming columns. async_insert is off
// for the statement, so the rows are visible once Insert returns.
func (s *Store) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	op := "insert into " + table
	ctx = chgo.Context(ctx, chgo.WithSettings(chgo.Settings{"async_insert": 0}))
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+")", chdriver.WithReleaseConnection())
	if err != nil {
		return storeError(op, err)
	}
	defer func() { _ = batch.Abort() }()
	cols := batch.Columns()
	if len(cols) != len(columns) {
		return fmt.Errorf("clickhouse %s: server describes %d columns for %d named", op, len(cols), len(columns))
	}
	convs := make([]func(any) (any, error), len(cols))
	for i, c := range cols {
		convs[i] = insertValue(string(c.Type()))
	}
	vals := make([]any, len(columns))
	for n, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("clickhouse: insert into %s: row has %d values for %d columns", table, len(row), len(columns))
		}
		for i, v := range row {
			cv, err := convs[i](v)
			if err != nil {
				return fmt.Errorf("clickhouse: insert into %s row %d column %s: %w", table, n, columns[i], err)
			}
			vals[i] = cv
		}
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("clickhouse: insert into %s row %d: %w", table, n, err)
		}
	}
	if err := batch.Send(); err != nil {
		return storeError(op, err)
	}
	return nil
}

// storeError wraps err with the operation: a server exception in the
// clickhouse.Exception both backends report, and ErrUnavailable added when a
// retry may succeed. The server's message stays in the text and the driver's
// error stays reachable with errors.As.
func storeError(op string, err error) error {
	err = withException(err)
	if unavailable(err) && !errors.Is(err, clickhouse.ErrUnavailable) {
		return fmt.Errorf("clickhouse %s: %w: %w", op, clickhouse.ErrUnavailable, err)
	}
	return fmt.Errorf("clickhouse %s: %w", op, err)
}

// withException wraps a clickhouse-go exception in err as a clickhouse.Exception.
func withException(err error) error {
	var ex *chgo.Exception
	if !errors.As(err, &ex) {
		return err
	}
	return &clickhouse.Exception{Code: int(ex.Code), Name: ex.Name, Message: ex.Message, Err: err}
}

// unavailable is clickhouse.IsUnavailable knowing clickhouse-go's own errors:
// an HTTP status of an overloaded or restarting server, an exhausted or
// closed connection pool.
func unavailable(err error) bool {
	err = withException(err)
	if _, ok := clickhouse.Code(err); !ok {
		var httpErr *chgo.HTTPError
		if errors.As(err, &httpErr) {
			switch httpErr.StatusCode {
			case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
				return true
			}
			return false
		}
		if errors.Is(err, chgo.ErrAcquireConnTimeout) || errors.Is(err, chgo.ErrConnectionClosed) {
			return true
		}
	}
	return clickhouse.IsUnavailable(err)
}

func abbrevSQL(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 80 {
		return q[:77] + "..."
	}
	return q
}

// chType is a parsed ClickHouse type name: Nullable and LowCardinality
// stripped, the base name and its arguments split.
type chType struct {
	nullable bool
	base     string   // "DateTime64", "Array", "String", …
	args     []string // top-level arguments, trimmed
}

func parseType(t string) chType {
	var ct chType
	t = strings.TrimSpace(t)
	for {
		switch {
		case strings.HasPrefix(t, "Nullable(") && strings.HasSuffix(t, ")"):
			ct.nullable = true
			t = t[len("Nullable(") : len(t)-1]
			continue
		case strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("LowCardinality(") : len(t)-1]
			continue
		}
		break
	}
	open := strings.IndexByte(t, '(')
	if open < 0 || !strings.HasSuffix(t, ")") {
		ct.base = t
		return ct
	}
	ct.base = t[:open]
	ct.args = splitTypeArgs(t[open+1 : len(t)-1])
	return ct
}

// splitTypeArgs splits "String, Array(UInt8)" at top-level commas, outside
// parentheses and quotes.
func splitTypeArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// rowValue returns the converter from what clickhouse-go scans for a column
// of type typ to the value the embedded backend returns for it (see chdb.Row
// and embedded.Store.Query): 8–64-bit integers as uint64/int64, floats as
// float64, Bool as bool, NULL as nil, dates and times as the engine prints
// them, arrays as []string, maps as map[string]any of the JSON forms, and
// everything else as its text.
func rowValue(typ string) func(any) any {
	ct := parseType(typ)
	switch ct.base {
	case "UInt8", "UInt16", "UInt32", "UInt64":
		return nullable(func(v reflect.Value) any { return v.Uint() })
	case "Int8", "Int16", "Int32", "Int64":
		return nullable(func(v reflect.Value) any { return v.Int() })
	case "Float32", "Float64":
		return nullable(func(v reflect.Value) any { return v.Float() })
	case "Bool":
		return nullable(func(v reflect.Value) any { return v.Bool() })
	case "Date", "Date32", "DateTime", "DateTime64":
		layout := timeLayout(ct)
		return nullable(func(v reflect.Value) any {
			if t, ok := v.Interface().(time.Time); ok {
				return t.Format(layout)
			}
			return fmt.Sprint(v.Interface())
		})
	case "Array":
		elem := func(any) any { return nil }
		if len(ct.args) == 1 {
			elem = rowValue(ct.args[0])
		}
		return nullable(func(v reflect.Value) any {
			if v.Kind() != reflect.Slice {
				return fmt.Sprint(v.Interface())
			}
			out := make([]string, v.Len())
			for i := range out {
				out[i] = fmt.Sprint(elem(v.Index(i).Interface()))
			}
			return out
		})
	case "Map":
		if len(ct.args) != 2 {
			break
		}
		key, val := rowValue(ct.args[0]), jsonValue(ct.args[1])
		return nullable(func(v reflect.Value) any {
			if v.Kind() != reflect.Map {
				return fmt.Sprint(v.Interface())
			}
			out := make(map[string]any, v.Len())
			for it := v.MapRange(); it.Next(); {
				out[fmt.Sprint(key(it.Key().Interface()))] = val(it.Value().Interface())
			}
			return out
		})
	}
	return nullable(func(v reflect.Value) any {
		if s, ok := v.Interface().(fmt.Stringer); ok {
			return s.String()
		}
		if v.Kind() == reflect.String {
			return v.String()
		}
		return fmt.Sprint(v.Interface())
	})
}

// jsonValue converts a value nested in a Map to the form the engine's JSON
// output decodes to: numbers as json.Number (this engine does not quote
// 64-bit integers), strings, bools and NULL as themselves.
func jsonValue(typ string) func(any) any {
	ct := parseType(typ)
	switch ct.base {
	case "UInt8", "UInt16", "UInt32", "UInt64", "Int8", "Int16", "Int32", "Int64", "Float32", "Float64":
		flat := rowValue(typ)
		return func(v any) any {
			x := flat(v)
			if x == nil {
				return nil
			}
			return json.Number(fmt.Sprint(x))
		}
	case "Array":
		flat := rowValue(typ)
		return func(v any) any {
			ss, ok := flat(v).([]string)
			if !ok {
				return nil
			}
			out := make([]any, len(ss))
			for i, s := range ss {
				out[i] = s
			}
			return out
		}
	}
	return rowValue(typ)
}

// nullable applies f to the value behind any pointers, nil for a nil pointer.
func nullable(f func(reflect.Value) any) func(any) any {
	return func(x any) any {
		v := reflect.ValueOf(x)
		for v.IsValid() && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil
			}
			v = v.Elem()
		}
		if !v.IsValid() {
			return nil
		}
		return f(v)
	}
}

// timeLayout is how the engine prints a value of a date or time type.
func timeLayout(ct chType) string {
	switch ct.base {
	case "Date", "Date32":
		return "2006-01-02"
	case "DateTime64":
		p := 3
		if len(ct.args) > 0 {
			if n, err := strconv.Atoi(ct.args[0]); err == nil {
				p = n
			}
		}
		if p > 0 {
			return "2006-01-02 15:04:05." + strings.Repeat("0", p)
		}
	}
	return "2006-01-02 15:04:05"
}

// insertValue returns the converter from a Store insert value (see Store) to
// the exact Go type clickhouse-go appends to a column of type typ.
func insertValue(typ string) func(any) (any, error) {
	ct := parseType(typ)
	conv := func(v any) (any, error) { return v, nil }
	switch ct.base {
	case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64":
		conv = intConverter(ct.base)
	case "Bool":
		conv = func(v any) (any, error) {
			if b, ok := v.(bool); ok {
				return b, nil
			}
			n, err := asInt64(v)
			return n != 0, err
		}
	case "Array":
		conv = func(v any) (any, error) {
			if v == nil {
				return []string{}, nil
			}
			return v, nil
		}
	case "Map":
		conv = func(v any) (any, error) {
			if v == nil {
				return map[string]string{}, nil
			}
			return v, nil
		}
	}
	return func(v any) (any, error) {
		switch x := v.(type) {
		case *time.Time:
			if x == nil {
				return nullOrZero(ct, conv)
			}
			v = *x
		case *bool:
			if x == nil {
				return nullOrZero(ct, conv)
			}
			v = *x
		case nil:
			return nullOrZero(ct, conv)
		}
		return conv(v)
	}
}

// nullOrZero is NULL for a Nullable column, else the column's default, as
// the embedded engine's JSON insert gives for null.
func nullOrZero(ct chType, conv func(any) (any, error)) (any, error) {
	if ct.nullable {
		return nil, nil
	}
	switch ct.base {
	case "Array", "Map":
		return conv(nil)
	case "DateTime", "DateTime64", "Date", "Date32":
		return time.Unix(0, 0).UTC(), nil
	case "String", "FixedString":
		return "", nil
	case "Enum8", "Enum16":
		return nil, nil
	}
	return conv(int64(0))
}

func intConverter(base string) func(any) (any, error) {
	return func(v any) (any, error) {
		if base[0] == 'U' {
			n, err := asUint64(v)
			if err != nil {
				return nil, err
			}
			switch base {
			case "UInt8":
				return uint8(n), nil
			case "UInt16":
				return uint16(n), nil
			case "UInt32":
				return uint32(n), nil
			}
			return n, nil
		}
		n, err := asInt64(v)
		if err != nil {
			return nil, err
		}
		switch base {
		case "Int8":
			return int8(n), nil
		case "Int16":
			return int16(n), nil
		case "Int32":
			return int32(n), nil
		}
		return n, nil
	}
}

func asInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("unsupported value type %T for an integer column", v)
}

func asUint64(v any) (uint64, error) {
	if x, ok := v.(uint64); ok {
		return x, nil
	}
	n, err := asInt64(v)
	return uint64(n), err
}
