package codec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/schemas"
)

// Sentinel errors of decoding; DecodeError wraps one of them. Consumers send records that
// fail with any of them to the dead-letter topic.
var (
	// ErrBadMagic: the value is not in the Confluent wire format (too short or magic byte not 0).
	ErrBadMagic = errors.New("not Confluent wire format: missing 5-byte header or magic byte is not 0")
	// ErrUnknownSchemaID: the registry does not know the schema id in the header.
	ErrUnknownSchemaID = errors.New("unknown schema id")
	// ErrIncompatibleSchema: the writer schema cannot be read as the expected record type.
	ErrIncompatibleSchema = errors.New("writer schema cannot be read as the expected type")
	// ErrMalformed: the Avro body does not decode with its writer schema.
	ErrMalformed = errors.New("malformed Avro body")
	// ErrRegistryUnavailable: the registry could not be asked (network, 5xx); retryable.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")
	// ErrRegistryRefused: the registry refused the request (401/403: the credentials, other
	// 4xx: the request); retrying will not help, the operator must.
	ErrRegistryRefused = errors.New("schema registry refused the request")
)

// DecodeError reports why a record value could not be decoded.
type DecodeError struct {
	SchemaID int // 0 when the header could not be read
	Err      error
}

func (e *DecodeError) Error() string {
	if e.SchemaID == 0 {
		return "decode: " + e.Err.Error()
	}
	return fmt.Sprintf("decode (schema id %d): %v", e.SchemaID, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Subject returns the TopicNameStrategy subject of a topic's values.
func Subject(topic string) string { return topic + "-value" }

// Codec encodes and decodes tollgate records in the Confluent wire format (magic byte 0,
// 4-byte big-endian schema id, Avro binary) through franz-go's sr.Serde. Values written with
// any registered version of a schema decode into the current Go type by Avro schema
// resolution; writer schemas unknown to the Codec are fetched from the registry by id once.
// A Codec is safe for concurrent use.
type Codec struct {
	client *sr.Client
	set    *schemas.Set
	serde  sr.Serde

	mu      sync.Mutex                   // serialises registrations
	readers map[reflect.Type]avro.Schema // reader schema per Go type
	// known maps the ids registered for decoding to their Go type and the
	// schema that decodes them. It is copied on write (registrations are a
	// handful per process) so Decode reads it without a lock.
	known atomic.Pointer[map[int]knownID]

	// splice is the pinned RoutedEvent schema's symbol tables, nil when this
	// build's schema is not the one the fast path was written for (see
	// splice.go); routedID is the id Encode writes RoutedEvents with.
	splice   *spliceSchema
	routedID atomic.Int32
}

// knownID is how the Codec decodes one schema id.
type knownID struct {
	typ    reflect.Type
	schema avro.Schema // the reader schema, or the reader resolved against the writer
	// splice: the id's writer schema is the IdentityEvent schema RoutedEvent
	// embeds, so its bodies can be spliced into RoutedEvents.
	splice bool
}

// decodeOnly marks Serde registrations that exist only to decode older writer schemas.
type decodeOnly struct{}

// NewCodec returns a Codec over the registry client and the built-in schemas.
func NewCodec(client *sr.Client) (*Codec, error) {
	set, err := schemas.Builtin()
	if err != nil {
		return nil, err
	}
	c := &Codec{
		client:  client,
		set:     set,
		readers: map[reflect.Type]avro.Schema{},
		splice:  newSpliceSchema(set.Schema(schemas.NameRoutedEvent)),
	}
	c.known.Store(&map[int]knownID{})
	return c, nil
}

// nameOf returns the top-level schema name for a Go value.
func nameOf(v any) (string, error) {
	switch v.(type) {
	case *schemas.IdentityEvent, schemas.IdentityEvent:
		return schemas.NameIdentityEvent, nil
	case *schemas.RoutedEvent, schemas.RoutedEvent:
		return schemas.NameRoutedEvent, nil
	case *schemas.Finding, schemas.Finding:
		return schemas.NameFinding, nil
	}
	return "", fmt.Errorf("schemas: no schema for Go type %T", v)
}

// Register registers the schema of v's type as the value schema of topic (subject
// <topic>-value) and prepares the Codec to encode such values with the returned id.
// Registering an identical schema again returns the same id. When the registry refuses the
// schema because its latest version is incompatible, the error says so; services must not
// start then.
func (c *Codec) Register(ctx context.Context, topic string, v any) (int, error) {
	name, err := nameOf(v)
	if err != nil {
		return 0, err
	}
	subject := Subject(topic)
	ss, err := c.client.CreateSchema(ctx, subject, sr.Schema{Schema: c.set.Text(name), Type: sr.TypeAvro})
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusConflict {
			return 0, fmt.Errorf("schemas: registry subject %s holds a latest version incompatible with this build's %s schema (refusing to run): %s", subject, name, re.Message)
		}
		return 0, fmt.Errorf("schemas: register %s for %s: %w", name, subject, registryError(err))
	}
	c.registerID(ss.ID, reflect.TypeOf(v), c.set.Schema(name), c.set.Schema(name), true)
	return ss.ID, nil
}

func (c *Codec) registerID(id int, typ reflect.Type, reader, writer avro.Schema, encode bool) {
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readers[typ] = reader
	decodeWith := reader
	if writer.Fingerprint() != reader.Fingerprint() {
		if resolved, err := avro.NewSchemaCompatibility().Resolve(reader, writer); err == nil {
			decodeWith = resolved
		}
	}
	splice := c.splice != nil && typ == identityEventType &&
		writer.Fingerprint() == c.splice.eventFingerprint && reader.Fingerprint() == c.splice.eventFingerprint
	known := maps.Clone(*c.known.Load())
	known[id] = knownID{typ: typ, schema: decodeWith, splice: splice}
	c.known.Store(&known)
	if encode && typ == routedEventType {
		c.routedID.Store(int32(id))
	}
	decode := sr.DecodeFn(func(b []byte, v any) error { return decoding.Unmarshal(decodeWith, b, v) })
	if encode {
		c.serde.Register(id, reflect.New(typ).Interface(),
			sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(reader, v) }),
			sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) { return appendAvro(b, reader, v) }),
			decode)
		return
	}
	c.serde.Register(id, decodeOnly{}, decode)
}

// maxItems bounds the items of one decoded array. hamba/avro allocates an
// array block's items from its count before reading them, so without a bound
// one record claiming 2^40 ticket refs in a few bytes makes the decoder
// allocate (and zero) until memory runs out; a malformed record must cost a
// dead letter, not the process. Every item of tollgate's arrays takes at
// least one byte, so no record under 1 MiB (Kafka's default
// max.message.bytes) can hold more.
const maxItems = 1 << 20

// decoding is hamba/avro's default configuration with arrays bounded.
var decoding = avro.Config{MaxSliceAllocSize: maxItems}.Freeze()

var (
	identityEventType = reflect.TypeFor[schemas.IdentityEvent]()
	routedEventType   = reflect.TypeFor[schemas.RoutedEvent]()
)

// writers are Avro writers kept between encodes, so encoding a value grows no
// buffer and the encoded bytes are copied once, into the returned value.
var writers = sync.Pool{New: func() any { return avro.NewWriter(nil, 2048) }}

// appendAvro appends v's Avro encoding to b (the wire-format header). It
// costs one allocation of the final size, where avro.Marshal followed by an
// append made two copies of the body.
func appendAvro(b []byte, schema avro.Schema, v any) ([]byte, error) {
	w := writers.Get().(*avro.Writer)
	w.Reset(nil)
	w.WriteVal(schema, v)
	err := w.Error
	if err == nil {
		body := w.Buffer()
		b = append(make([]byte, 0, len(b)+len(body)), b...)
		b = append(b, body...)
	}
	w.Error = nil
	if cap(w.Buffer()) <= 1<<20 { // do not pin a huge buffer from one outsized value
		writers.Put(w)
	}
	return b, err
}

// Encode returns v in the Confluent wire format. v must be a pointer to a registered type.
func (c *Codec) Encode(v any) ([]byte, error) {
	b, err := c.serde.AppendEncode(nil, v)
	if err != nil {
		return nil, fmt.Errorf("schemas: encode %T: %w", v, err)
	}
	return b, nil
}

// Decode decodes a wire-format value into v (a pointer to IdentityEvent, RoutedEvent or
// Finding). Errors are *DecodeError wrapping one of the sentinels above.
func (c *Codec) Decode(ctx context.Context, b []byte, v any) error {
	id, body, err := c.serde.DecodeID(b)
	if err != nil {
		return &DecodeError{Err: ErrBadMagic}
	}
	typ := reflect.TypeOf(v)
	if typ == nil || typ.Kind() != reflect.Pointer {
		return fmt.Errorf("schemas: decode into non-pointer %T", v)
	}
	known, ok := (*c.known.Load())[id]
	if !ok {
		if err := c.discover(ctx, id, v); err != nil {
			return err
		}
		known = (*c.known.Load())[id]
	} else if known.typ != typ.Elem() {
		return &DecodeError{SchemaID: id, Err: fmt.Errorf("%w: schema id %d is a %s, not a %s", ErrIncompatibleSchema, id, known.typ.Name(), typ.Elem().Name())}
	}
	// The body is decoded here rather than through serde.Decode, which would
	// parse the header and look the id up a second time.
	if err := decoding.Unmarshal(known.schema, body, v); err != nil {
		return &DecodeError{SchemaID: id, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	return nil
}

// discover fetches an unknown writer schema by id and registers a resolving decoder for it.
func (c *Codec) discover(ctx context.Context, id int, v any) error {
	name, err := nameOf(v)
	if err != nil {
		return err
	}
	s, err := c.client.SchemaByID(ctx, id)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusNotFound || re.ErrorCode == 40403) {
			return &DecodeError{SchemaID: id, Err: ErrUnknownSchemaID}
		}
		return &DecodeError{SchemaID: id, Err: registryError(err)}
	}
	writer, err := avro.Parse(s.Schema)
	if err != nil {
		return &DecodeError{SchemaID: id, Err: fmt.Errorf("%w: writer schema does not parse: %v", ErrIncompatibleSchema, err)}
	}
	reader := c.set.Schema(name)
	if err := avro.NewSchemaCompatibility().Compatible(reader, writer); err != nil {
		return &DecodeError{SchemaID: id, Err: fmt.Errorf("%w: %v", ErrIncompatibleSchema, err)}
	}
	c.registerID(id, reflect.TypeOf(v), reader, writer, false)
	return nil
}

// registryError classifies a failed registry call: refused credentials or a request the
// registry will never accept (401, 403, other 4xx) are ErrRegistryRefused, which no retry
// mends; anything else (network, 5xx, 429) is ErrRegistryUnavailable.
func registryError(err error) error {
	var re *sr.ResponseError
	if errors.As(err, &re) && re.StatusCode >= 400 && re.StatusCode < 500 && re.StatusCode != http.StatusTooManyRequests && re.StatusCode != http.StatusRequestTimeout {
		return fmt.Errorf("%w (HTTP %d): %v", ErrRegistryRefused, re.StatusCode, err)
	}
	return fmt.Errorf("%w: %v", ErrRegistryUnavailable, err)
}

// Retryable reports whether a decode error may succeed when tried again (the registry was
// unreachable) rather than being a property of the record.
func Retryable(err error) bool { return errors.Is(err, ErrRegistryUnavailable) }

// spliceSlack is the room a Splice leaves after the body for the decision,
// which is usually smaller; a larger one costs one more copy of the value.
const spliceSlack = 384

// Splice is a RoutedEvent value begun by DecodeForRouting: the RoutedEvent
// wire header followed by the input event's Avro body. Value appends the
// decision. The zero Splice is not usable (Ok reports false).
type Splice struct {
	codec *Codec
	value []byte
}

// Ok reports whether DecodeForRouting spliced the value.
func (s Splice) Ok() bool { return s.value != nil }

// DecodeForRouting decodes a tollgate.events value into ev as Decode does. When
// the value's writer schema is the IdentityEvent schema RoutedEvent embeds and
// the splice reader takes its body, it returns a Splice that holds the routed
// value's header and body: Splice.Value(decision) is then byte for byte the
// Encode of the RoutedEvent (but for the attributes map, which keeps the input's
// order), without re-encoding the event. ev.Raw is decoded only when withRaw is
// set, and ev's strings point into the Splice's buffer, which is never modified,
// so they cost no allocation. Otherwise the Splice is not Ok and ev was decoded
// by Decode, every field included: encode the RoutedEvent with Encode.
func (c *Codec) DecodeForRouting(ctx context.Context, b []byte, ev *schemas.IdentityEvent, withRaw bool) (Splice, error) {
	if id := c.routedID.Load(); len(b) > 5 && b[0] == 0 && id != 0 {
		if known, ok := (*c.known.Load())[int(binary.BigEndian.Uint32(b[1:5]))]; ok && known.splice {
			value := make([]byte, 5, len(b)+spliceSlack)
			binary.BigEndian.PutUint32(value[1:5], uint32(id))
			value = append(value, b[5:]...)
			// From here on the body's bytes are only read: ev's strings are
			// those bytes. Value appends after them, or copies them away.
			if n, err := readEventBody(c.splice, value[5:], ev, withRaw); err == nil {
				return Splice{codec: c, value: value[:5+n]}, nil
			}
		}
	}
	return Splice{}, c.Decode(ctx, b, ev)
}

// Value returns the wire-format RoutedEvent {event: the decoded event, decision:
// d}. Call it once per Splice: a second call would write its decision over
// the first's.
func (s Splice) Value(d *schemas.Decision) ([]byte, error) {
	if s.value == nil {
		return nil, errors.New("schemas: encode *schemas.RoutedEvent: not a spliced value")
	}
	out, err := appendDecision(s.codec.splice, s.value, d)
	if err != nil {
		return nil, fmt.Errorf("schemas: encode *schemas.RoutedEvent: %w", err)
	}
	return out, nil
}
