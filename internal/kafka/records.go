package kafka

import (
	"bytes"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// recordReader presents some of a Produce call's messages, picked by index
// and in that order, as the records of one produce request without copying
// keys or values. A message without Time gets now.
type recordReader struct {
	msgs    []kafka.Message
	indexes []int32
	now     time.Time

	next   int
	record kafka.Record
	key    bytesRecord
	value  bytesRecord
}

// ReadRecord returns the next record, or io.EOF after the last. The record
// is valid until the following call.
func (r *recordReader) ReadRecord() (*kafka.Record, error) {
	if r.next >= len(r.indexes) {
		return nil, io.EOF
	}
	m := &r.msgs[r.indexes[r.next]]
	r.next++
	r.record = kafka.Record{Time: m.Time, Headers: m.Headers}
	if r.record.Time.IsZero() {
		r.record.Time = r.now
	}
	if m.Key != nil {
		r.key.Reset(m.Key)
		r.record.Key = &r.key
	}
	if m.Value != nil {
		r.value.Reset(m.Value)
		r.record.Value = &r.value
	}
	return &r.record, nil
}

// bytesRecord is a record key or value over a message's bytes.
type bytesRecord struct{ bytes.Reader }

func (*bytesRecord) Close() error { return nil }
