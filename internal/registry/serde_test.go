package registry

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

type serdeEvent struct {
	A    string  `avro:"a"`
	Note *string `avro:"note"`
}

func TestSerdeRoundTrip(t *testing.T) {
	ctx := context.Background()
	cl := newClient(t, StartForTest(t))
	registered, err := cl.CreateSchema(ctx, "serde-value", record(fieldA, fieldOptional))
	if err != nil {
		t.Fatal(err)
	}
	// Parse what the registry serves, as a consumer would.
	served, err := cl.SchemaByID(ctx, registered.ID)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := avro.Parse(served.Schema)
	if err != nil {
		t.Fatalf("parse served schema: %v", err)
	}

	var serde sr.Serde
	serde.Register(registered.ID, serdeEvent{},
		sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(schema, v) }),
		sr.DecodeFn(func(b []byte, v any) error { return avro.Unmarshal(schema, b, v) }),
	)
	note := "okta"
	in := serdeEvent{A: "user@example.com", Note: &note}
	b, err := serde.Encode(in)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var header [5]byte
	binary.BigEndian.PutUint32(header[1:], uint32(registered.ID))
	if !bytes.HasPrefix(b, header[:]) {
		t.Fatalf("framing % x, want prefix % x", b[:5], header)
	}
	var out serdeEvent
	if err := serde.Decode(b, &out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if out.A != in.A || out.Note == nil || *out.Note != note {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}
