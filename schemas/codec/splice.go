package codec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/hamba/avro/v2"

	"github.com/tollgate-io/tollgate/schemas"
)

// The router's fast path. An Avro record's binary encoding is the
// concatenation of its fields' encodings, so a RoutedEvent {event, decision}
// is the IdentityEvent's body followed by the Decision's. When a
// tollgate.events value was written with the very IdentityEvent schema that
// RoutedEvent embeds, the router reads what the policy needs with a
// hand-written reader (no reflection, the raw payload skipped unless the
// policy reads it), and writes the routed value as the RoutedEvent wire
// header, the input's body bytes and the encoded decision, instead of
// decoding and re-encoding the whole event.
//
// The reader and the decision writer are written for one RoutedEvent schema,
// pinned by SpliceFingerprint. A build whose schema differs turns the fast
// path off (every value then goes through Decode and Encode, which are always
// correct) and fails TestSpliceSchemaPinned until the reader is updated.
//
// Equivalence with the slow path, which the tests and FuzzDecodeForRouting
// hold it to:
//   - a body the reader accepts decodes with hamba/avro to the same
//     IdentityEvent (Raw aside when skipped), and the spliced value decodes to
//     the same RoutedEvent as the re-encoded one;
//   - for values written by hamba/avro (tollgate's own producers), the spliced
//     bytes are the re-encoded bytes, except that the entries of the
//     attributes map keep the input's order where a re-encode takes Go's map
//     order;
//   - a body the reader refuses (anything it does not fully understand: a
//     truncated body, an overlong length, an unknown enum index...) goes the
//     slow way, so its fate (routed as hamba/avro reads it, or dead-lettered)
//     is what it was without the fast path.

// SpliceFingerprint is the SHA-256 fingerprint (hex) of the RoutedEvent
// schema that readEventBody and appendDecision are written for.
const SpliceFingerprint = "f08a1b8fdffc1b564adda166ce369d8a1aaf9d4e217a81be9a017743bf616ea5"

// maxBytes is hamba/avro's default Config.MaxByteSliceSize: the longest string
// or bytes value the slow path decodes. The reader refuses longer ones so it
// never accepts a body the slow path would refuse.
const maxBytes = 1 << 20

// spliceSchema holds the enum symbols of the pinned schema, in index order.
type spliceSchema struct {
	sources        []schemas.Source
	categories     []schemas.Category
	actions        []schemas.Action
	outcomes       []schemas.Outcome
	principalTypes []schemas.PrincipalType
	entKinds       []schemas.EntitlementKind
	privileges     []schemas.Privilege
	credKinds      []schemas.CredentialKind
	ticketKinds    []schemas.TicketKind
	approvals      []schemas.Approval
	lanes          map[schemas.Lane]int64
	impacts        map[schemas.Impact]int64
	controls       map[schemas.Control]int64
	// eventFingerprint is the fingerprint of the IdentityEvent schema
	// RoutedEvent embeds: a writer schema with it can be spliced.
	eventFingerprint [32]byte
}

// newSpliceSchema returns the symbol tables of routed when it is the pinned
// schema, else nil (the fast path is off).
func newSpliceSchema(routed avro.Schema) *spliceSchema {
	if routed == nil || FingerprintHex(routed) != SpliceFingerprint {
		return nil
	}
	rec := routed.(*avro.RecordSchema)
	event := rec.Fields()[0].Type().(*avro.RecordSchema)
	decision := rec.Fields()[1].Type().(*avro.RecordSchema)
	s := &spliceSchema{eventFingerprint: event.Fingerprint()}
	enum := func(r *avro.RecordSchema, field string) []string {
		for _, f := range r.Fields() {
			if f.Name() == field {
				t := f.Type()
				if u, ok := t.(*avro.UnionSchema); ok {
					t = u.Types()[1]
				}
				if a, ok := t.(*avro.ArraySchema); ok {
					t = a.Items()
				}
				return t.(*avro.EnumSchema).Symbols()
			}
		}
		panic("schemas: pinned RoutedEvent schema has no field " + field)
	}
	record := func(r *avro.RecordSchema, field string) *avro.RecordSchema {
		for _, f := range r.Fields() {
			if f.Name() == field {
				return f.Type().(*avro.UnionSchema).Types()[1].(*avro.RecordSchema)
			}
		}
		panic("schemas: pinned RoutedEvent schema has no field " + field)
	}
	s.sources = symbols[schemas.Source](enum(event, "source"))
	s.categories = symbols[schemas.Category](enum(event, "category"))
	s.actions = symbols[schemas.Action](enum(event, "action"))
	s.outcomes = symbols[schemas.Outcome](enum(event, "outcome"))
	s.principalTypes = symbols[schemas.PrincipalType](enum(record(event, "actor"), "type"))
	s.entKinds = symbols[schemas.EntitlementKind](enum(record(event, "entitlement"), "kind"))
	s.privileges = symbols[schemas.Privilege](enum(record(event, "entitlement"), "privilege"))
	s.credKinds = symbols[schemas.CredentialKind](enum(record(event, "credential"), "kind"))
	s.ticketKinds = symbols[schemas.TicketKind](enum(record(event, "ticket"), "kind"))
	s.approvals = symbols[schemas.Approval](enum(record(event, "ticket"), "approval"))
	s.lanes = indexes[schemas.Lane](enum(decision, "lane"))
	s.impacts = indexes[schemas.Impact](enum(decision, "impact"))
	s.controls = indexes[schemas.Control](enum(decision, "required_controls"))
	return s
}

func symbols[T ~string](syms []string) []T {
	out := make([]T, len(syms))
	for i, s := range syms {
		out[i] = T(s)
	}
	return out
}

func indexes[T ~string](syms []string) map[T]int64 {
	out := make(map[T]int64, len(syms))
	for i, s := range syms {
		out[T(s)] = int64(i)
	}
	return out
}

// FingerprintHex returns a schema's SHA-256 fingerprint (of its canonical
// form) in hex.
func FingerprintHex(s avro.Schema) string {
	fp := s.Fingerprint()
	return hex.EncodeToString(fp[:])
}

// errRefused is the reader's only error: the body is not one the fast path
// takes; the caller decodes it the slow way.
var errRefused = errors.New("schemas: body refused by the splice reader")

// bodyReader reads an Avro body. Its strings are substrings of s, which is b
// itself: the caller guarantees b is never modified once read (it is the
// routed value's own copy of the body, see Splice), so a decoded event costs
// no allocation for its strings. Every read checks bounds; the first failure
// sticks.
type bodyReader struct {
	b   []byte
	s   string
	pos int
	bad bool
}

func (r *bodyReader) refuse() {
	r.bad = true
	r.pos = len(r.b)
}

// long reads a zig-zag varint exactly as hamba/avro's Reader.ReadLong does
// (at most 10 bytes).
func (r *bodyReader) long() int64 {
	var v uint64
	var s uint
	for i := 0; i < 10; i++ {
		if r.pos >= len(r.b) {
			r.refuse()
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint64(c&0x7f) << s
		if c&0x80 == 0 {
			return int64((v >> 1) ^ -(v & 1))
		}
		s += 7
	}
	r.refuse()
	return 0
}

// int reads a zig-zag varint exactly as hamba/avro's Reader.ReadInt does (at
// most 5 bytes, 32-bit arithmetic).
func (r *bodyReader) int() int32 {
	var v uint32
	var s uint
	for i := 0; i < 5; i++ {
		if r.pos >= len(r.b) {
			r.refuse()
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint32(c&0x7f) << s
		if c&0x80 == 0 {
			return int32((v >> 1) ^ -(v & 1))
		}
		s += 7
	}
	r.refuse()
	return 0
}

// span reads a length-prefixed value and returns its offsets in b.
func (r *bodyReader) span() (int, int) {
	n := r.long()
	if r.bad || n < 0 || n > maxBytes || int(n) > len(r.b)-r.pos {
		r.refuse()
		return 0, 0
	}
	lo := r.pos
	r.pos += int(n)
	return lo, r.pos
}

func (r *bodyReader) str() string {
	lo, hi := r.span()
	return r.s[lo:hi]
}

func (r *bodyReader) boolean() bool {
	if r.pos >= len(r.b) {
		r.refuse()
		return false
	}
	c := r.b[r.pos]
	r.pos++
	if c > 1 {
		r.refuse()
	}
	return c == 1
}

func enumOf[T any](r *bodyReader, syms []T) T {
	i := r.int()
	if i < 0 || int(i) >= len(syms) {
		r.refuse()
		var zero T
		return zero
	}
	return syms[i]
}

// present reads the branch index of a ["null", T] union: false for null.
func (r *bodyReader) present() bool {
	switch r.int() {
	case 0:
		return false
	case 1:
		return !r.bad
	}
	r.refuse()
	return false
}

// block reads an array or map block header as hamba/avro does (a negative
// count is followed by the block's size in bytes, which is not needed) and
// returns the count. Each item takes at least minItem bytes, so a count the
// rest of the body cannot hold is refused before anything is allocated.
func (r *bodyReader) block(minItem int) int {
	n := r.long()
	if n < 0 {
		n = -n // still negative for math.MinInt64, refused below
		r.long()
	}
	if r.bad || n < 0 || n > int64((len(r.b)-r.pos)/minItem) {
		r.refuse()
		return 0
	}
	return int(n)
}

func (r *bodyReader) optString() *string {
	if !r.present() {
		return nil
	}
	s := r.str()
	return &s
}

func (r *bodyReader) timestamp() time.Time {
	i := r.long()
	sec := i / 1e3
	return time.Unix(sec, (i-sec*1e3)*1e6).UTC() // as hamba/avro's timestamp-millis decoder
}

func (r *bodyReader) optTimestamp() *time.Time {
	if !r.present() {
		return nil
	}
	t := r.timestamp()
	return &t
}

func (r *bodyReader) principal(s *spliceSchema) *schemas.Principal {
	if !r.present() {
		return nil
	}
	return &schemas.Principal{
		ID:          r.str(),
		SourceID:    r.str(),
		Type:        enumOf(r, s.principalTypes),
		DisplayName: r.optString(),
		Email:       r.optString(),
	}
}

// readEventBody decodes the IdentityEvent body at the start of b into ev and
// returns the body's length. Raw is read only when withRaw is set (a copy; it
// is nil otherwise). It returns errRefused for a body it does not take. The
// strings of ev point into b, which must never be modified afterwards.
func readEventBody(s *spliceSchema, b []byte, ev *schemas.IdentityEvent, withRaw bool) (int, error) {
	r := bodyReader{b: b, s: unsafe.String(unsafe.SliceData(b), len(b))}
	// Go evaluates the composite literal's elements in order, which is the
	// fields' order in the schema.
	*ev = schemas.IdentityEvent{
		EventID:         r.str(),
		Source:          enumOf(&r, s.sources),
		SourceEventType: r.str(),
		Category:        enumOf(&r, s.categories),
		Action:          enumOf(&r, s.actions),
		OccurredAt:      r.timestamp(),
		IngestedAt:      r.timestamp(),
		Outcome:         enumOf(&r, s.outcomes),
		Actor:           r.principal(s),
		Subject:         r.principal(s),
	}
	if r.present() {
		ev.Entitlement = &schemas.Entitlement{
			ID:          r.str(),
			Name:        r.str(),
			Kind:        enumOf(&r, s.entKinds),
			Privilege:   enumOf(&r, s.privileges),
			System:      r.str(),
			Environment: r.optString(),
			Wildcard:    r.boolean(),
		}
	}
	if r.present() {
		ev.Credential = &schemas.Credential{
			ID:        r.str(),
			Kind:      enumOf(&r, s.credKinds),
			Owner:     r.principal(s),
			ExpiresAt: r.optTimestamp(),
		}
	}
	if r.present() {
		t := &schemas.Ticket{
			ID:       r.str(),
			System:   r.str(),
			Kind:     enumOf(&r, s.ticketKinds),
			State:    r.str(),
			Approval: enumOf(&r, s.approvals),
		}
		t.Approver = r.principal(s)
		t.Requester = r.principal(s)
		t.RequestedFor = r.principal(s)
		t.RequestedEntitlement = r.optString()
		t.Justification = r.optString()
		t.Emergency = r.boolean()
		if r.present() {
			v := r.boolean()
			t.IdentityVerified = &v
		}
		t.ReviewDue = r.optTimestamp()
		t.AccessExpires = r.optTimestamp()
		t.RequestType = r.optString()
		t.ApprovedAt = r.optTimestamp()
		ev.Ticket = t
	}
	ev.TicketRefs = []string{}
	for n := r.block(1); n > 0; n = r.block(1) {
		if len(ev.TicketRefs)+n > maxItems { // Decode's bound
			r.refuse()
			break
		}
		ev.TicketRefs = slices.Grow(ev.TicketRefs, n)
		for range n {
			ev.TicketRefs = append(ev.TicketRefs, r.str())
		}
	}
	ev.Ocsf.ClassUID = r.int()
	ev.Ocsf.ActivityID = r.int()
	n := r.block(2)
	ev.Attributes = make(map[string]string, n)
	for ; n > 0; n = r.block(2) {
		for range n {
			k := r.str()
			ev.Attributes[k] = r.str()
		}
	}
	lo, hi := r.span()
	if withRaw && !r.bad {
		ev.Raw = append(make([]byte, 0, hi-lo), b[lo:hi]...)
	}
	if r.bad {
		*ev = schemas.IdentityEvent{}
		return 0, errRefused
	}
	return r.pos, nil
}

// appendLong appends a zig-zag varint as hamba/avro's Writer.WriteLong does.
func appendLong(b []byte, i int64) []byte {
	e := (uint64(i) << 1) ^ uint64(i>>63)
	for e >= 0x80 {
		b = append(b, byte(e)|0x80)
		e >>= 7
	}
	return append(b, byte(e))
}

func appendString(b []byte, s string) []byte {
	return append(appendLong(b, int64(len(s))), s...)
}

// blockLength is hamba/avro's default block length for arrays and maps.
const blockLength = 100

// appendDecision appends d's Avro encoding, byte for byte what hamba/avro
// writes (arrays in blocks of 100 with a negative count and the block size).
func appendDecision(s *spliceSchema, b []byte, d *schemas.Decision) ([]byte, error) {
	lane, ok := s.lanes[d.Lane]
	if !ok {
		return b, fmt.Errorf("unknown lane %q", d.Lane)
	}
	impact, ok := s.impacts[d.Impact]
	if !ok {
		return b, fmt.Errorf("unknown impact %q", d.Impact)
	}
	b = appendLong(b, lane)
	b = appendLong(b, impact)
	b = appendString(b, d.RuleID)
	for i := 0; i < len(d.Reasons); i += blockLength {
		items := d.Reasons[i:min(i+blockLength, len(d.Reasons))]
		size := 0
		for _, r := range items {
			size += varintLen(int64(len(r))) + len(r)
		}
		b = appendLong(appendLong(b, -int64(len(items))), int64(size))
		for _, r := range items {
			b = appendString(b, r)
		}
	}
	b = append(b, 0)
	for i := 0; i < len(d.RequiredControls); i += blockLength {
		items := d.RequiredControls[i:min(i+blockLength, len(d.RequiredControls))]
		size := 0
		for _, c := range items {
			idx, ok := s.controls[c]
			if !ok {
				return b, fmt.Errorf("unknown control %q", c)
			}
			size += varintLen(idx)
		}
		b = appendLong(appendLong(b, -int64(len(items))), int64(size))
		for _, c := range items {
			b = appendLong(b, s.controls[c])
		}
	}
	b = append(b, 0)
	b = appendString(b, d.PolicyVersion)
	b = appendLong(b, d.DecidedAt.UnixMilli())
	return b, nil
}

func varintLen(i int64) int {
	e := (uint64(i) << 1) ^ uint64(i>>63)
	n := 1
	for e >= 0x80 {
		e >>= 7
		n++
	}
	return n
}
