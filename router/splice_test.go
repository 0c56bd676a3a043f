package router

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/avrotest"
)

// routeSlow is the router's route before splicing: decode every field,
// decide, encode the whole RoutedEvent.
func routeSlow(t testing.TB, svc *Service, m *kafkago.Message, now time.Time) kafkago.Message {
	t.Helper()
	var rv schemas.RoutedEvent
	if err := svc.codec.Decode(context.Background(), m.Value, &rv.Event); err != nil {
		t.Fatal(err)
	}
	d, err := svc.policy.Current().Decide(&rv.Event, now)
	if err != nil {
		t.Fatal(err)
	}
	rv.Decision = d
	value, err := svc.codec.Encode(&rv)
	if err != nil {
		t.Fatal(err)
	}
	subject := ""
	if rv.Event.Subject != nil {
		subject = rv.Event.Subject.ID
	}
	ce := schemas.CloudEvent{ID: rv.Event.EventID, Source: CloudEventsSource, Type: routedEventType, Time: d.DecidedAt, Subject: subject}
	return kafkago.Message{Topic: svc.cfg.Topics.Lane(string(d.Lane)), Key: m.Key, Value: value, Headers: kafka.CloudEventHeaders(ce)}
}

// sortedBody is a RoutedEvent value's body with its maps in key order: the
// one thing a re-encode leaves to Go's map order.
func sortedBody(t testing.TB, value []byte) []byte {
	t.Helper()
	b, err := avrotest.SortMaps(schemas.MustBuiltin().Schema(schemas.NameRoutedEvent), value[5:])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRouteSpliceIsTheReencode routes the labelled fixtures (parsed by
// ingest) and random events with the router's route, which splices, and with
// the route it had before (decode everything, decide, encode everything):
// same lane topic, key and headers, the same value byte for byte (the
// header, and the body with its attributes map in key order), the same
// decision as the policy takes on the whole event, and a value that decodes
// to the event that was written with that decision.
func TestRouteSpliceIsTheReencode(t *testing.T) {
	codec, topics, msgs := benchCodec(t)
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if p.ReadsRaw() {
		t.Fatal("the default policy reads event.raw; the router would decode it for every event")
	}
	svc := NewService(ServiceConfig{Topics: topics}, codec, NewPolicyHolder(p, nil, nil), nil, nil, nil)
	events := fixtureEvents(t)
	rng := rand.New(rand.NewPCG(4, 13))
	for range 1000 {
		ev := avrotest.RandomEvent(rng)
		v, err := codec.Encode(&ev)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
		msgs = append(msgs, kafkago.Message{Topic: topics.Events, Key: []byte(ev.Key()), Value: v})
	}
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 30, 0, 125_000_000, time.UTC)
	identical := 0
	for i := range msgs {
		got, err := svc.route(ctx, &msgs[i], now)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		want := routeSlow(t, svc, &msgs[i], now)
		if got.Topic != want.Topic || !bytes.Equal(got.Key, want.Key) || !reflect.DeepEqual(got.Headers, want.Headers) {
			t.Fatalf("event %d: routed to %s key %q headers %v, before to %s key %q headers %v", i, got.Topic, got.Key, got.Headers, want.Topic, want.Key, want.Headers)
		}
		if !bytes.Equal(got.Value[:5], want.Value[:5]) || !bytes.Equal(sortedBody(t, got.Value), sortedBody(t, want.Value)) {
			t.Fatalf("event %d: spliced value differs from the re-encoded one", i)
		}
		if bytes.Equal(got.Value, want.Value) {
			identical++
		} else if len(events[i].Attributes) <= 1 {
			t.Fatalf("event %d: with at most one attribute the values must be identical as they are", i)
		}
		// The event as written: the wire keeps times to the millisecond.
		var written schemas.IdentityEvent
		if err := codec.Decode(ctx, msgs[i].Value, &written); err != nil {
			t.Fatal(err)
		}
		if i >= len(msgs)-1000 && !reflect.DeepEqual(written, events[i]) {
			t.Fatalf("event %d: random event does not round-trip", i)
		}
		d, err := p.Decide(&written, now)
		if err != nil {
			t.Fatal(err)
		}
		var rv schemas.RoutedEvent
		if err := codec.Decode(ctx, got.Value, &rv); err != nil {
			t.Fatalf("event %d: routed value does not decode: %v", i, err)
		}
		d.DecidedAt = d.DecidedAt.Truncate(time.Millisecond)
		if !reflect.DeepEqual(rv.Decision, d) {
			t.Fatalf("event %d: decided %+v, the policy on the whole event decides %+v", i, rv.Decision, d)
		}
		if !reflect.DeepEqual(rv.Event, written) {
			t.Fatalf("event %d: routed value's event differs from the event written", i)
		}
	}
	t.Logf("%d events (%d fixtures); %d values identical before sorting maps", len(msgs), len(msgs)-1000, identical)
}

// TestRouteFallsBackForOlderWriterSchemas: an event written with an older
// IdentityEvent schema (here: without raw) cannot be spliced, since its body
// is not the body RoutedEvent embeds; the router decodes and re-encodes it,
// exactly as before.
func TestRouteFallsBackForOlderWriterSchemas(t *testing.T) {
	codec, topics, _, cl := routeCodec(t)
	ctx := context.Background()
	var def map[string]any
	if err := json.Unmarshal([]byte(schemas.MustBuiltin().Text(schemas.NameIdentityEvent)), &def); err != nil {
		t.Fatal(err)
	}
	fields := def["fields"].([]any)
	def["fields"] = fields[:len(fields)-1] // raw is the last field
	oldText, _ := json.Marshal(def)
	old, err := cl.CreateSchema(ctx, "legacy-value", sr.Schema{Schema: string(oldText)})
	if err != nil {
		t.Fatal(err)
	}
	oldSchema := avro.MustParse(string(oldText))
	p, err := DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(ServiceConfig{Topics: topics}, codec, NewPolicyHolder(p, nil, nil), nil, nil, nil)
	now := time.Date(2026, 1, 1, 12, 30, 0, 0, time.UTC)
	for i, ev := range fixtureEvents(t) {
		body, err := avro.Marshal(oldSchema, &ev)
		if err != nil {
			t.Fatal(err)
		}
		m := kafkago.Message{Topic: topics.Events, Value: append(binary.BigEndian.AppendUint32([]byte{0}, uint32(old.ID)), body...)}
		var probe schemas.IdentityEvent
		if splice, err := codec.DecodeForRouting(ctx, m.Value, &probe, false); err != nil || splice.Ok() {
			t.Fatalf("fixture %d: older writer spliced %v (err %v)", i, splice.Ok(), err)
		}
		got, err := svc.route(ctx, &m, now)
		if err != nil {
			t.Fatal(err)
		}
		want := routeSlow(t, svc, &m, now)
		if got.Topic != want.Topic || !bytes.Equal(sortedBody(t, got.Value), sortedBody(t, want.Value)) {
			t.Fatalf("fixture %d: fallback differs from decode + encode", i)
		}
	}
}

// TestPolicyReadsRaw: the router decodes event.raw only for a policy that
// may read it, and then a rule on raw decides as it always did.
func TestPolicyReadsRaw(t *testing.T) {
	for when, want := range map[string]bool{
		`event.action == "SIGN_IN"`:                      false,
		`event.attributes["raw"] == "x"`:                 false,
		`"raw" in event.attributes`:                      false,
		`string(event.raw).contains("needle")`:           true,
		`has(event.raw)`:                                 true,
		`event.?raw.hasValue()`:                          true,
		`[event].exists(e, e.action == "SIGN_IN")`:       true,
		`event.actor.id == "a" || size(event.raw) > 100`: true,
	} {
		p, err := LoadPolicy([]byte("version: 1\nrules:\n  - id: r\n    when: '" + when + "'\n    lane: BREAK_GLASS\n"))
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if p.ReadsRaw() != want {
			t.Errorf("%s: ReadsRaw %v, want %v", when, p.ReadsRaw(), want)
		}
	}

	codec, topics, _ := benchCodec(t)
	p, err := LoadPolicy([]byte("version: 1\nrules:\n  - id: needle\n    when: 'string(event.raw).contains(\"needle\")'\n    lane: BREAK_GLASS\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(ServiceConfig{Topics: topics}, codec, NewPolicyHolder(p, nil, nil), nil, nil, nil)
	for raw, lane := range map[string]schemas.Lane{`{"x":"a needle"}`: schemas.LaneBreakGlass, `{"x":"hay"}`: schemas.LaneTriage} {
		ev := fixtureEvents(t)[0]
		ev.Raw = []byte(raw)
		v, err := codec.Encode(&ev)
		if err != nil {
			t.Fatal(err)
		}
		out, err := svc.route(context.Background(), &kafkago.Message{Value: v}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if out.Topic != topics.Lane(string(lane)) {
			t.Errorf("raw %s: routed to %s, want %s", raw, out.Topic, topics.Lane(string(lane)))
		}
	}
}
