package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"
)

// errUntypedColumn reports a column whose values are all untyped nil, so the
// Native encoder cannot name its type; the caller falls back to a text format.
var errUntypedColumn = errors.New("column has no typed value")

// nativeBlock encodes rows as one block of ClickHouse's Native format in the
// engine's protocol-revision-0 layout (no block-info header): column count,
// row count, then per column its name, type and values column-wise.
//
// Each column's type follows from the Go type of its values (see Store):
// string → String, bool → Bool, int32/int64/uint64 → Int32/Int64/UInt64,
// time.Time → DateTime64(3, 'UTC'), []string → Array(String),
// map[string]string → Map(String, String), and pointers to bool or time.Time
// → Nullable of those. The engine converts String to LowCardinality(String)
// and Array(String) to Array(LowCardinality(String)) on the way in
// (input_format_native_allow_types_conversion), so the encoder never writes
// LowCardinality dictionaries.
func nativeBlock(buf []byte, columns []string, rows [][]any) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(columns)))
	buf = binary.AppendUvarint(buf, uint64(len(rows)))
	for c, name := range columns {
		var sample any
		for _, r := range rows {
			if r[c] != nil {
				sample = r[c]
				break
			}
		}
		if sample == nil {
			return nil, fmt.Errorf("column %s: %w", name, errUntypedColumn)
		}
		buf = appendString(buf, name)
		var err error
		buf, err = appendColumn(buf, sample, c, rows)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
	}
	return buf, nil
}

const nativeTime = "DateTime64(3, 'UTC')"

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendMilli(buf []byte, t time.Time) []byte {
	return binary.LittleEndian.AppendUint64(buf, uint64(t.UnixMilli()))
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// appendColumn writes the type name and the values of column c, typed by
// sample. A value of another Go type than sample's is an error.
func appendColumn(buf []byte, sample any, c int, rows [][]any) ([]byte, error) {
	mismatch := func(i int) error {
		return fmt.Errorf("row %d holds %T, column is %T", i, rows[i][c], sample)
	}
	switch sample.(type) {
	case string:
		buf = appendString(buf, "String")
		for i, r := range rows {
			v, ok := r[c].(string)
			if !ok {
				return nil, mismatch(i)
			}
			buf = appendString(buf, v)
		}
	case bool:
		buf = appendString(buf, "Bool")
		for i, r := range rows {
			v, ok := r[c].(bool)
			if !ok {
				return nil, mismatch(i)
			}
			buf = append(buf, boolByte(v))
		}
	case *bool:
		buf = appendString(buf, "Nullable(Bool)")
		for i, r := range rows {
			v, ok := r[c].(*bool)
			if !ok && r[c] != nil {
				return nil, mismatch(i)
			}
			buf = append(buf, boolByte(v == nil))
		}
		for _, r := range rows {
			v, _ := r[c].(*bool)
			buf = append(buf, boolByte(v != nil && *v))
		}
	case int32:
		buf = appendString(buf, "Int32")
		for i, r := range rows {
			v, ok := r[c].(int32)
			if !ok {
				return nil, mismatch(i)
			}
			buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
		}
	case int64:
		buf = appendString(buf, "Int64")
		for i, r := range rows {
			v, ok := r[c].(int64)
			if !ok {
				return nil, mismatch(i)
			}
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
	case uint64:
		buf = appendString(buf, "UInt64")
		for i, r := range rows {
			v, ok := r[c].(uint64)
			if !ok {
				return nil, mismatch(i)
			}
			buf = binary.LittleEndian.AppendUint64(buf, v)
		}
	case time.Time:
		buf = appendString(buf, nativeTime)
		for i, r := range rows {
			v, ok := r[c].(time.Time)
			if !ok {
				return nil, mismatch(i)
			}
			buf = appendMilli(buf, v)
		}
	case *time.Time:
		buf = appendString(buf, "Nullable("+nativeTime+")")
		for i, r := range rows {
			v, ok := r[c].(*time.Time)
			if !ok && r[c] != nil {
				return nil, mismatch(i)
			}
			buf = append(buf, boolByte(v == nil))
		}
		for _, r := range rows {
			if v, _ := r[c].(*time.Time); v != nil {
				buf = appendMilli(buf, *v)
			} else {
				buf = binary.LittleEndian.AppendUint64(buf, 0)
			}
		}
	case []string:
		buf = appendString(buf, "Array(String)")
		var off uint64
		for i, r := range rows {
			v, ok := r[c].([]string)
			if !ok && r[c] != nil {
				return nil, mismatch(i)
			}
			off += uint64(len(v))
			buf = binary.LittleEndian.AppendUint64(buf, off)
		}
		for _, r := range rows {
			v, _ := r[c].([]string)
			for _, s := range v {
				buf = appendString(buf, s)
			}
		}
	case map[string]string:
		// Map(K, V) is stored as Array(Tuple(K, V)): offsets, then all keys,
		// then all values, in the same order: sorted, so a row's map reads back the same
		// whatever Go's map iteration order was.
		buf = appendString(buf, "Map(String, String)")
		var off uint64
		keys := make([][]string, len(rows))
		for i, r := range rows {
			v, ok := r[c].(map[string]string)
			if !ok && r[c] != nil {
				return nil, mismatch(i)
			}
			ks := make([]string, 0, len(v))
			for k := range v {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			keys[i] = ks
			off += uint64(len(ks))
			buf = binary.LittleEndian.AppendUint64(buf, off)
		}
		for _, ks := range keys {
			for _, k := range ks {
				buf = appendString(buf, k)
			}
		}
		for i, r := range rows {
			v, _ := r[c].(map[string]string)
			for _, k := range keys[i] {
				buf = appendString(buf, v[k])
			}
		}
	default:
		return nil, fmt.Errorf("unsupported value type %T", sample)
	}
	return buf, nil
}
