package codec_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/registry"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/avrotest"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

// TestSpliceSchemaPinned: the splice reader and decision writer are written
// for one RoutedEvent schema. When the schema changes, this fails: update
// readEventBody and appendDecision in splice.go to the new fields, then
// SpliceFingerprint. (Until then the fast path is off, which is safe.)
func TestSpliceSchemaPinned(t *testing.T) {
	got := codec.FingerprintHex(schemas.MustBuiltin().Schema(schemas.NameRoutedEvent))
	if got != codec.SpliceFingerprint {
		t.Fatalf("RoutedEvent schema fingerprint is %s, splice.go is written for %s: update the splice reader and writer, then SpliceFingerprint", got, codec.SpliceFingerprint)
	}
}

// spliceCodec is a codec on the embedded registry with IdentityEvent
// registered for tollgate.events and RoutedEvent for a lane.
func spliceCodec(t testing.TB) (*codec.Codec, *sr.Client) {
	t.Helper()
	srv := registry.StartForTest(t)
	cl, err := sr.NewClient(sr.URLs(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.NewCodec(cl)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, "tollgate.lane.observe", &schemas.RoutedEvent{}); err != nil {
		t.Fatal(err)
	}
	return c, cl
}

// routedBody is a RoutedEvent wire value's body with its maps sorted, so two
// encodings of one value compare byte for byte.
func routedBody(t testing.TB, value []byte) []byte {
	t.Helper()
	b, err := avrotest.SortMaps(schemas.MustBuiltin().Schema(schemas.NameRoutedEvent), value[5:])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpliceIsTheReencode: for fixed and random events and decisions, the
// spliced RoutedEvent is byte for byte the Encode of the decoded RoutedEvent
// (header included; maps compared in sorted order, which is all Encode leaves
// to chance), it decodes to the same RoutedEvent, and the event the splice
// reader decoded is the event that was written (Raw only when asked for).
func TestSpliceIsTheReencode(t *testing.T) {
	c, _ := spliceCodec(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(13, 4))
	events := []schemas.IdentityEvent{*fullEvent(), *bareEvent()}
	for range 2000 {
		events = append(events, avrotest.RandomEvent(rng))
	}
	for i, ev := range events {
		in, err := c.Encode(&ev)
		if err != nil {
			t.Fatal(err)
		}
		d := avrotest.RandomDecision(rng)
		for _, withRaw := range []bool{false, true} {
			var got schemas.IdentityEvent
			splice, err := c.DecodeForRouting(ctx, in, &got, withRaw)
			if err != nil || !splice.Ok() {
				t.Fatalf("event %d: not spliced (err %v)", i, err)
			}
			want := ev
			if !withRaw {
				want.Raw = nil
			}
			if !reflect.DeepEqual(&want, &got) {
				t.Fatalf("event %d (raw %v): splice reader decoded\n%+v\nwant\n%+v", i, withRaw, got, want)
			}
			spliced, err := splice.Value(&d)
			if err != nil {
				t.Fatal(err)
			}
			reencoded, err := c.Encode(&schemas.RoutedEvent{Event: ev, Decision: d})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spliced[:5], reencoded[:5]) {
				t.Fatalf("event %d: header % x, Encode writes % x", i, spliced[:5], reencoded[:5])
			}
			if !bytes.Equal(routedBody(t, spliced), routedBody(t, reencoded)) {
				t.Fatalf("event %d: spliced value differs from the re-encoded one", i)
			}
			if len(ev.Attributes) <= 1 && !bytes.Equal(spliced, reencoded) {
				t.Fatalf("event %d: with at most one attribute the values must be identical as they are", i)
			}
			var rv schemas.RoutedEvent
			if err := c.Decode(ctx, spliced, &rv); err != nil {
				t.Fatalf("event %d: spliced value does not decode: %v", i, err)
			}
			if !reflect.DeepEqual(rv, schemas.RoutedEvent{Event: ev, Decision: d}) {
				t.Fatalf("event %d: spliced value decodes to\n%+v\nwant\n%+v", i, rv, schemas.RoutedEvent{Event: ev, Decision: d})
			}
		}
	}
}

// TestDecodeForRoutingFallsBack: values the fast path does not take are
// decoded exactly as Decode decodes them, and say so (Splice not Ok): an
// older writer schema, a body the reader refuses (truncated, trailing
// garbage is fine), and any value before a RoutedEvent schema is registered.
func TestDecodeForRoutingFallsBack(t *testing.T) {
	ctx := context.Background()
	c, cl := spliceCodec(t)

	oldText := dropFields(t, schemas.MustBuiltin().Text(schemas.NameIdentityEvent), "raw")
	old, err := cl.CreateSchema(ctx, codec.Subject("tollgate.events.old"), sr.Schema{Schema: oldText})
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(avro.MustParse(oldText), fullEvent())
	if err != nil {
		t.Fatal(err)
	}
	older := binary.BigEndian.AppendUint32([]byte{0}, uint32(old.ID))
	older = append(older, body...)

	full, err := c.Encode(fullEvent())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"older writer schema": older,
		"truncated body":      full[:len(full)-3],
		"cut inside a string": full[:12],
		"unknown enum index":  append(append(append([]byte{}, full[:5+1+len(fullEvent().EventID)]...), 0x7e), full[5+1+len(fullEvent().EventID)+1:]...),
		"not wire format":     []byte{1, 2, 3},
	}
	for name, value := range cases {
		var got, want schemas.IdentityEvent
		splice, err := c.DecodeForRouting(ctx, value, &got, false)
		wantErr := c.Decode(ctx, value, &want)
		if splice.Ok() {
			t.Errorf("%s: spliced", name)
		}
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("%s: error %v, Decode says %v", name, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %+v, Decode gives %+v", name, got, want)
		}
	}

	// Trailing bytes after the body are not part of the event: the splice
	// drops them, as a re-encode does.
	var ev schemas.IdentityEvent
	splice, err := c.DecodeForRouting(ctx, append(append([]byte{}, full...), 9, 9, 9), &ev, true)
	if err != nil || !splice.Ok() {
		t.Fatalf("trailing bytes: not spliced (%v)", err)
	}
	d := avrotest.RandomDecision(rand.New(rand.NewPCG(1, 2)))
	spliced, err := splice.Value(&d)
	if err != nil {
		t.Fatal(err)
	}
	reencoded, _ := c.Encode(&schemas.RoutedEvent{Event: *fullEvent(), Decision: d})
	if !bytes.Equal(spliced, reencoded) {
		t.Fatal("trailing bytes: spliced value differs from the re-encode")
	}

	// Without a RoutedEvent id to splice into, nothing is spliced.
	bare, _ := newCodec(t)
	if _, err := bare.Register(ctx, "tollgate.events", &schemas.IdentityEvent{}); err != nil {
		t.Fatal(err)
	}
	if splice, err := bare.DecodeForRouting(ctx, full, &ev, false); err != nil || splice.Ok() {
		t.Fatalf("no RoutedEvent registered: spliced %v, err %v", splice.Ok(), err)
	}
}

// TestSpliceRefusesUnknownDecisionSymbols: a decision the schema cannot hold
// is an encode error, as it is for Encode.
func TestSpliceRefusesUnknownDecisionSymbols(t *testing.T) {
	c, _ := spliceCodec(t)
	ctx := context.Background()
	full, _ := c.Encode(fullEvent())
	for _, d := range []schemas.Decision{{Lane: "NOWHERE", Impact: schemas.ImpactNone}, {Lane: schemas.LaneObserve, Impact: "HUGE"},
		{Lane: schemas.LaneObserve, Impact: schemas.ImpactNone, RequiredControls: []schemas.Control{"PRAYER"}}} {
		var ev schemas.IdentityEvent
		splice, err := c.DecodeForRouting(ctx, full, &ev, false)
		if err != nil || !splice.Ok() {
			t.Fatal("not spliced")
		}
		if _, err := splice.Value(&d); err == nil {
			t.Errorf("decision %+v encoded", d)
		}
		if _, err := c.Encode(&schemas.RoutedEvent{Event: ev, Decision: d}); err == nil {
			t.Errorf("Encode took decision %+v", d)
		}
	}
}

// FuzzDecodeForRouting: whatever body follows the IdentityEvent header, a
// body the splice reader takes decodes with hamba/avro to the same event,
// and the spliced RoutedEvent decodes to that event and the decision; a body
// it refuses is decoded by Decode, as before.
func FuzzDecodeForRouting(f *testing.F) {
	c, _ := spliceCodec(f)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	seed := []schemas.IdentityEvent{*fullEvent(), *bareEvent()}
	for range 20 {
		seed = append(seed, avrotest.RandomEvent(rng))
	}
	var header []byte
	for i := range seed {
		v, err := c.Encode(&seed[i])
		if err != nil {
			f.Fatal(err)
		}
		header = v[:5]
		f.Add(v[5:], i%2 == 0)
	}
	d := avrotest.RandomDecision(rng)
	f.Fuzz(func(t *testing.T, body []byte, withRaw bool) {
		value := append(append([]byte{}, header...), body...)
		var got, want schemas.IdentityEvent
		splice, err := c.DecodeForRouting(ctx, value, &got, withRaw)
		wantErr := c.Decode(ctx, value, &want)
		if !splice.Ok() {
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("fallback differs from Decode: %v / %v", err, wantErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("spliced with an error: %v", err)
		}
		if wantErr != nil {
			t.Fatalf("the splice reader took a body Decode refuses: %v", wantErr)
		}
		wantRaw := want.Raw
		if !withRaw {
			want.Raw = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("splice reader decoded\n%+v\nDecode gives\n%+v", got, want)
		}
		want.Raw = wantRaw
		spliced, err := splice.Value(&d)
		if err != nil {
			t.Fatal(err)
		}
		var rv schemas.RoutedEvent
		if err := c.Decode(ctx, spliced, &rv); err != nil {
			t.Fatalf("spliced value does not decode: %v", err)
		}
		if !reflect.DeepEqual(rv, schemas.RoutedEvent{Event: want, Decision: d}) {
			t.Fatalf("spliced value decodes to\n%+v\nwant\n%+v", rv, schemas.RoutedEvent{Event: want, Decision: d})
		}
	})
}
