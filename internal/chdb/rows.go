package chdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// rowsFormat carries column names and types ahead of the rows, so values
// can be converted by their ClickHouse type rather than guessed from JSON.
const rowsFormat = "JSONCompactEachRowWithNamesAndTypes"

// Row is one result row keyed by column name.
//
// Values by ClickHouse type: UInt8…UInt64 → uint64, Int8…Int64 → int64
// (exact, whether or not the engine quotes 64-bit integers), Float32/64 →
// float64, Bool → bool, String and everything else textual (Date,
// DateTime64, UUID, Enum, Decimal, 128/256-bit integers) → string as the
// engine prints it, NULL → nil; Array, Map and Tuple → the JSON-decoded
// value with numbers as json.Number. Nullable and LowCardinality are
// unwrapped.
type Row map[string]any

// QueryRows runs sql and decodes every row. The sql must not carry its own
// FORMAT clause.
func (db *DB) QueryRows(ctx context.Context, sql string) ([]Row, error) {
	out, err := db.Query(ctx, sql, rowsFormat)
	if err != nil {
		return nil, err
	}
	rows, err := DecodeRows(out)
	if err != nil {
		return nil, fmt.Errorf("chdb: decode rows of %s: %w", abbrev(sql), err)
	}
	return rows, nil
}

// DecodeRows decodes JSONCompactEachRowWithNamesAndTypes output into rows.
// Empty input (the engine's empty result) is zero rows.
func DecodeRows(data []byte) ([]Row, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var names, types []string
	if err := dec.Decode(&names); err != nil {
		return nil, fmt.Errorf("column names: %w", err)
	}
	if err := dec.Decode(&types); err != nil {
		return nil, fmt.Errorf("column types: %w", err)
	}
	if len(names) != len(types) {
		return nil, fmt.Errorf("%d column names but %d types", len(names), len(types))
	}
	var rows []Row
	for {
		var raw []any
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", len(rows)+1, err)
		}
		if len(raw) != len(names) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", len(rows)+1, len(raw), len(names))
		}
		row := make(Row, len(names))
		for i, v := range raw {
			cv, err := convert(types[i], v)
			if err != nil {
				return nil, fmt.Errorf("row %d column %s: %w", len(rows)+1, names[i], err)
			}
			row[names[i]] = cv
		}
		rows = append(rows, row)
	}
}

// convert maps one JSON value to the Go value documented on Row.
func convert(typ string, v any) (any, error) {
	typ = unwrapType(typ)
	if v == nil {
		return nil, nil
	}
	text := func() string {
		switch x := v.(type) {
		case json.Number:
			return x.String()
		case string:
			return x
		}
		return ""
	}
	switch typ {
	case "UInt8", "UInt16", "UInt32", "UInt64":
		return strconv.ParseUint(text(), 10, 64)
	case "Int8", "Int16", "Int32", "Int64":
		return strconv.ParseInt(text(), 10, 64)
	case "Float32", "Float64":
		return strconv.ParseFloat(text(), 64)
	case "Bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("bool column holds %T", v)
	}
	if n, ok := v.(json.Number); ok {
		return n.String(), nil
	}
	return v, nil
}

// unwrapType strips Nullable(…) and LowCardinality(…), which change storage
// but not the value's Go form.
func unwrapType(t string) string {
	for {
		switch {
		case strings.HasPrefix(t, "Nullable(") && strings.HasSuffix(t, ")"):
			t = t[len("Nullable(") : len(t)-1]
		case strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("LowCardinality(") : len(t)-1]
		default:
			return t
		}
	}
}
