// Package avrotest holds helpers for tests that compare Avro binary values.
package avrotest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/hamba/avro/v2"
)

// SortMaps returns the Avro body b (of schema s) with the entries of every
// map sorted by key and written as hamba/avro writes a map (blocks of 100
// with a negative count and the block size, then a 0), every other byte as it
// is. Two encodings of equal values by hamba/avro differ only in the order of
// their maps' entries (Go's map order), so SortMaps makes them comparable
// byte for byte. It walks the schema itself and shares no code with the
// readers under test. Trailing bytes after the value are an error.
func SortMaps(s avro.Schema, b []byte) ([]byte, error) {
	w := walker{b: b}
	out := w.value(s, nil)
	if w.err != nil {
		return nil, w.err
	}
	if w.pos != len(b) {
		return nil, fmt.Errorf("avrotest: %d trailing bytes after the value", len(b)-w.pos)
	}
	return out, nil
}

type walker struct {
	b   []byte
	pos int
	err error
}

var errShort = errors.New("avrotest: value ends early")

func (w *walker) varint() int64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if w.pos >= len(w.b) {
			w.fail(errShort)
			return 0
		}
		c := w.b[w.pos]
		w.pos++
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return int64(v>>1) ^ -int64(v&1)
		}
	}
	w.fail(errors.New("avrotest: varint too long"))
	return 0
}

func (w *walker) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.pos = len(w.b)
}

// take copies the bytes read since start to out.
func (w *walker) take(out []byte, start int) []byte { return append(out, w.b[start:w.pos]...) }

func (w *walker) value(s avro.Schema, out []byte) []byte {
	if w.err != nil {
		return out
	}
	start := w.pos
	switch s := s.(type) {
	case *avro.RecordSchema:
		for _, f := range s.Fields() {
			out = w.value(f.Type(), out)
		}
		return out
	case *avro.RefSchema:
		return w.value(s.Schema(), out)
	case *avro.UnionSchema:
		i := w.varint()
		if i < 0 || int(i) >= len(s.Types()) {
			w.fail(fmt.Errorf("avrotest: union index %d out of range", i))
			return out
		}
		return w.value(s.Types()[i], w.take(out, start))
	case *avro.NullSchema:
	case *avro.EnumSchema:
		w.varint()
	case *avro.FixedSchema:
		w.skip(int64(s.Size()))
	case *avro.ArraySchema:
		for {
			n := w.block()
			out = w.take(out, start)
			if n == 0 || w.err != nil {
				return out
			}
			for range n {
				out = w.value(s.Items(), out)
			}
			start = w.pos
		}
	case *avro.MapSchema:
		return w.sortedMap(s, out)
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Null:
		case avro.Boolean:
			w.skip(1)
		case avro.Int, avro.Long:
			w.varint()
		case avro.Float:
			w.skip(4)
		case avro.Double:
			w.skip(8)
		case avro.String, avro.Bytes:
			w.skip(w.varint())
		default:
			w.fail(fmt.Errorf("avrotest: unsupported type %s", s.Type()))
		}
	default:
		w.fail(fmt.Errorf("avrotest: unsupported schema %T", s))
	}
	return w.take(out, start)
}

func (w *walker) skip(n int64) {
	if n < 0 || n > int64(len(w.b)-w.pos) {
		w.fail(errShort)
		return
	}
	w.pos += int(n)
}

// block reads a block header: a count, negative when the block's size in
// bytes follows.
func (w *walker) block() int64 {
	n := w.varint()
	if n < 0 {
		n = -n
		w.varint()
	}
	return n
}

func (w *walker) sortedMap(s *avro.MapSchema, out []byte) []byte {
	type entry struct{ key, value []byte }
	var entries []entry
	for {
		n := w.block()
		if n == 0 || w.err != nil {
			break
		}
		for range n {
			k := w.pos
			w.skip(w.varint())
			key := w.b[k:w.pos]
			entries = append(entries, entry{key: key, value: w.value(s.Values(), nil)})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	for i := 0; i < len(entries); i += 100 {
		var blk []byte
		chunk := entries[i:min(i+100, len(entries))]
		for _, e := range chunk {
			blk = append(append(blk, e.key...), e.value...)
		}
		out = appendVarint(appendVarint(out, -int64(len(chunk))), int64(len(blk)))
		out = append(out, blk...)
	}
	return append(out, 0)
}

func appendVarint(b []byte, i int64) []byte {
	e := (uint64(i) << 1) ^ uint64(i>>63)
	for e >= 0x80 {
		b = append(b, byte(e)|0x80)
		e >>= 7
	}
	return append(b, byte(e))
}
