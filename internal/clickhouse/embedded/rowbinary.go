package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// errUnsupportedType reports a result column rowBinaryRows cannot decode;
// the caller asks the engine again in a text format.
var errUnsupportedType = errors.New("column type not decoded from RowBinary")

// rowBinaryFormat is the output format Store.Query asks for: binary
// values behind a header of column names and types.
const rowBinaryFormat = "RowBinaryWithNamesAndTypes"

// binReader walks a RowBinary byte stream.
type binReader struct {
	b   []byte
	off int
}

var errShort = errors.New("truncated RowBinary data")

func (r *binReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, errShort
	}
	r.off += n
	return v, nil
}

func (r *binReader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, errShort
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out, nil
}

func (r *binReader) string() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// colDecoder reads one value of a column type.
type colDecoder func(r *binReader) (any, error)

// decoderFor returns the decoder of a ClickHouse type, producing the Go
// values the Store contract names; errUnsupportedType for anything else.
func decoderFor(typ string) (colDecoder, error) {
	switch {
	case strings.HasPrefix(typ, "LowCardinality(") && strings.HasSuffix(typ, ")"):
		return decoderFor(typ[len("LowCardinality(") : len(typ)-1])
	case strings.HasPrefix(typ, "Nullable(") && strings.HasSuffix(typ, ")"):
		inner, err := decoderFor(typ[len("Nullable(") : len(typ)-1])
		if err != nil {
			return nil, err
		}
		return func(r *binReader) (any, error) {
			flag, err := r.bytes(1)
			if err != nil {
				return nil, err
			}
			if flag[0] != 0 {
				return nil, nil
			}
			return inner(r)
		}, nil
	case strings.HasPrefix(typ, "Array(") && strings.HasSuffix(typ, ")"):
		elem := typ[len("Array(") : len(typ)-1]
		if elem != "String" && elem != "LowCardinality(String)" {
			return nil, fmt.Errorf("%s: %w", typ, errUnsupportedType)
		}
		return func(r *binReader) (any, error) {
			n, err := r.uvarint()
			if err != nil {
				return nil, err
			}
			if n > uint64(len(r.b)-r.off) { // every element takes at least one byte
				return nil, errShort
			}
			out := make([]string, n)
			for i := range out {
				if out[i], err = r.string(); err != nil {
					return nil, err
				}
			}
			return out, nil
		}, nil
	}
	fixed := func(size int, conv func([]byte) any) colDecoder {
		return func(r *binReader) (any, error) {
			b, err := r.bytes(uint64(size))
			if err != nil {
				return nil, err
			}
			return conv(b), nil
		}
	}
	le := binary.LittleEndian
	switch typ {
	case "String":
		return func(r *binReader) (any, error) { return r.string() }, nil
	case "Bool":
		return fixed(1, func(b []byte) any { return b[0] != 0 }), nil
	case "UInt8":
		return fixed(1, func(b []byte) any { return uint64(b[0]) }), nil
	case "UInt16":
		return fixed(2, func(b []byte) any { return uint64(le.Uint16(b)) }), nil
	case "UInt32":
		return fixed(4, func(b []byte) any { return uint64(le.Uint32(b)) }), nil
	case "UInt64":
		return fixed(8, func(b []byte) any { return le.Uint64(b) }), nil
	case "Int8":
		return fixed(1, func(b []byte) any { return int64(int8(b[0])) }), nil
	case "Int16":
		return fixed(2, func(b []byte) any { return int64(int16(le.Uint16(b))) }), nil
	case "Int32":
		return fixed(4, func(b []byte) any { return int64(int32(le.Uint32(b))) }), nil
	case "Int64":
		return fixed(8, func(b []byte) any { return int64(le.Uint64(b)) }), nil
	case "Float32":
		return fixed(4, func(b []byte) any { return float64(math.Float32frombits(le.Uint32(b))) }), nil
	case "Float64":
		return fixed(8, func(b []byte) any { return math.Float64frombits(le.Uint64(b)) }), nil
	}
	return nil, fmt.Errorf("%s: %w", typ, errUnsupportedType)
}

// rowBinaryRows decodes RowBinaryWithNamesAndTypes output into rows. Empty
// input (the engine's empty result) is zero rows. A column type outside the
// Store contract is errUnsupportedType.
func rowBinaryRows(data []byte) ([]clickhouse.Row, error) {
	_, rows, err := rowBinaryResult(data)
	return rows, err
}

// rowBinaryResult decodes RowBinaryWithNamesAndTypes output into its column names, in
// order, and its rows.
func rowBinaryResult(data []byte) ([]string, []clickhouse.Row, error) {
	if len(data) == 0 {
		return nil, nil, nil
	}
	r := &binReader{b: data}
	n, err := r.uvarint()
	if err != nil {
		return nil, nil, fmt.Errorf("column count: %w", err)
	}
	if n == 0 || n > uint64(len(data)) {
		return nil, nil, fmt.Errorf("column count %d: %w", n, errShort)
	}
	names := make([]string, n)
	for i := range names {
		if names[i], err = r.string(); err != nil {
			return nil, nil, fmt.Errorf("column name %d: %w", i, err)
		}
	}
	decs := make([]colDecoder, n)
	for i := range decs {
		typ, err := r.string()
		if err != nil {
			return nil, nil, fmt.Errorf("column type %d: %w", i, err)
		}
		if decs[i], err = decoderFor(typ); err != nil {
			return nil, nil, fmt.Errorf("column %s: %w", names[i], err)
		}
	}
	var rows []clickhouse.Row
	for r.off < len(r.b) {
		row := make(clickhouse.Row, n)
		for i, dec := range decs {
			v, err := dec(r)
			if err != nil {
				return nil, nil, fmt.Errorf("row %d column %s: %w", len(rows)+1, names[i], err)
			}
			row[names[i]] = v
		}
		rows = append(rows, row)
	}
	return names, rows, nil
}
