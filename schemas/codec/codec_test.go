package codec_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tollgate-io/tollgate/internal/registry"
	"github.com/tollgate-io/tollgate/schemas"
	"github.com/tollgate-io/tollgate/schemas/codec"
)

func ptr[T any](v T) *T { return &v }

var at = time.Date(2025, 5, 14, 9, 12, 44, 318_000_000, time.UTC)

func fullPrincipal(id string) *schemas.Principal {
	return &schemas.Principal{ID: id, SourceID: "00u" + id, Type: schemas.PrincipalHuman, DisplayName: ptr("Jane Doe"), Email: ptr(id)}
}

// fullEvent has every optional field set.
func fullEvent() *schemas.IdentityEvent {
	return &schemas.IdentityEvent{
		EventID: "okta:6f1c0a52", Source: schemas.SourceOkta, SourceEventType: "group.user_membership.add",
		Category: schemas.CategoryIAM, Action: schemas.ActionAccessGrant, OccurredAt: at, IngestedAt: at.Add(time.Second),
		Outcome: schemas.OutcomeSuccess, Actor: fullPrincipal("ops.admin@example.org"), Subject: fullPrincipal("j.doe@example.org"),
		Entitlement: &schemas.Entitlement{ID: "okta:group:finance-approvers", Name: "finance-approvers", Kind: schemas.EntitlementGroup,
			Privilege: schemas.PrivilegeWrite, System: "okta", Environment: ptr("prod"), Wildcard: true},
		Credential: &schemas.Credential{ID: "AKIA1", Kind: schemas.CredentialAccessKey, Owner: fullPrincipal("owner@example.org"), ExpiresAt: ptr(at.Add(90 * 24 * time.Hour))},
		Ticket: &schemas.Ticket{ID: "RITM0010042", System: "servicenow", Kind: schemas.TicketServiceRequest, State: "Work in Progress",
			Approval: schemas.ApprovalApproved, Approver: fullPrincipal("boss@example.org"), Requester: fullPrincipal("j.doe@example.org"),
			RequestedFor: fullPrincipal("j.doe@example.org"), RequestedEntitlement: ptr("finance-approvers"), Justification: ptr("Q2 close"),
			Emergency: true, IdentityVerified: ptr(true), ReviewDue: ptr(at.Add(24 * time.Hour)), AccessExpires: ptr(at.Add(48 * time.Hour)),
			RequestType: ptr("Request group access"), ApprovedAt: ptr(at.Add(-time.Hour))},
		TicketRefs: []string{"RITM0010042"},
		Ocsf:       schemas.Ocsf{ClassUID: 3006, ActivityID: 3},
		Attributes: map[string]string{"client_ip": "198.51.100.23"},
		Raw:        []byte(`{"uuid":"6f1c0a52"}`),
	}
}

// bareEvent has every optional field null and every collection empty.
func bareEvent() *schemas.IdentityEvent {
	return &schemas.IdentityEvent{
		EventID: "generic:1", Source: schemas.SourceGeneric, SourceEventType: "x", Category: schemas.CategoryOther,
		Action: schemas.ActionOther, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeUnknown,
		TicketRefs: []string{}, Attributes: map[string]string{}, Raw: []byte{},
	}
}

func newCodec(t *testing.T) (*codec.Codec, *sr.Client) {
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
	return c, cl
}

func TestRoundTripEveryRecord(t *testing.T) {
	ctx := context.Background()
	c, _ := newCodec(t)
	for _, topic := range []struct {
		name string
		v    any
	}{{"tollgate.events", &schemas.IdentityEvent{}}, {"tollgate.lane.nhi", &schemas.RoutedEvent{}}, {"tollgate.findings", &schemas.Finding{}}} {
		if _, err := c.Register(ctx, topic.name, topic.v); err != nil {
			t.Fatalf("register %s: %v", topic.name, err)
		}
	}
	decision := schemas.Decision{Lane: schemas.LaneServiceDesk, Impact: schemas.ImpactHigh, RuleID: "grant-privileged",
		Reasons: []string{"privileged group"}, RequiredControls: []schemas.Control{schemas.ControlApproval, schemas.ControlReviewDate},
		PolicyVersion: "0123456789abcdef", DecidedAt: at}
	bareDecision := schemas.Decision{Lane: schemas.LaneTriage, Impact: schemas.ImpactNone, RuleID: "default", Reasons: []string{},
		RequiredControls: []schemas.Control{}, DecidedAt: at}
	cases := []struct {
		name string
		in   any
		out  any
	}{
		{"IdentityEvent/full", fullEvent(), &schemas.IdentityEvent{}},
		{"IdentityEvent/bare", bareEvent(), &schemas.IdentityEvent{}},
		{"RoutedEvent/full", &schemas.RoutedEvent{Event: *fullEvent(), Decision: decision}, &schemas.RoutedEvent{}},
		{"RoutedEvent/bare", &schemas.RoutedEvent{Event: *bareEvent(), Decision: bareDecision}, &schemas.RoutedEvent{}},
		{"Finding/full", &schemas.Finding{FindingID: "f1", Kind: "SELF_APPROVED", Severity: schemas.SeverityHigh, Status: schemas.FindingResolved,
			Principal: "j.doe@example.org", Entitlement: ptr("okta:group:x"), TicketID: ptr("RITM1"), EventIDs: []string{"a", "b"},
			Summary: "s", DetectedAt: at, ResolvedAt: ptr(at.Add(time.Hour)), Controls: []string{"NIST-CSF-2.0:PR.AA-05"}}, &schemas.Finding{}},
		{"Finding/bare", &schemas.Finding{FindingID: "f2", Kind: "NHI_NO_OWNER", Severity: schemas.SeverityLow, Status: schemas.FindingOpen,
			Principal: "p", EventIDs: []string{}, Summary: "s", DetectedAt: at, Controls: []string{}}, &schemas.Finding{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := c.Encode(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0 {
				t.Fatalf("magic byte = %d, want 0", b[0])
			}
			if err := c.Decode(ctx, b, tc.out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.in, tc.out) {
				t.Fatalf("round trip differs:\n in  %+v\n out %+v", tc.in, tc.out)
			}
		})
	}
}

// TestDecodeOlderWriterVersion registers an older IdentityEvent schema (without the fields
// added later), writes a record with it, and decodes it with the current reader schema.
func TestDecodeOlderWriterVersion(t *testing.T) {
	ctx := context.Background()
	c, cl := newCodec(t)
	const topic = "tollgate.events"
	// The older version: this build's schema without ticket_refs, attributes and raw, as a
	// producer built before those fields existed would have written.
	oldText := dropFields(t, schemas.MustBuiltin().Text(schemas.NameIdentityEvent), "ticket_refs", "attributes", "raw")
	old, err := cl.CreateSchema(ctx, codec.Subject(topic), sr.Schema{Schema: oldText})
	if err != nil {
		t.Fatal(err)
	}
	newID, err := c.Register(ctx, topic, &schemas.IdentityEvent{})
	if err != nil {
		t.Fatalf("current schema must be a compatible evolution of the old one: %v", err)
	}
	if newID == old.ID {
		t.Fatalf("new schema got the old id %d", newID)
	}
	oldSchema := avro.MustParse(oldText)
	ev := fullEvent()
	body, err := avro.Marshal(oldSchema, ev) // fields absent from the old schema are not written
	if err != nil {
		t.Fatal(err)
	}
	wire := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(wire[1:], uint32(old.ID))
	wire = append(wire, body...)

	var got schemas.IdentityEvent
	if err := c.Decode(ctx, wire, &got); err != nil {
		t.Fatalf("decode old version: %v", err)
	}
	want := *ev
	want.TicketRefs, want.Attributes, want.Raw = []string{}, map[string]string{}, []byte{}
	if !reflect.DeepEqual(&want, &got) {
		t.Fatalf("old record decoded wrong:\nwant %+v\n got %+v", want, got)
	}
}

func TestDecodeErrorsAreTyped(t *testing.T) {
	ctx := context.Background()
	c, _ := newCodec(t)
	if _, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{}); err != nil {
		t.Fatal(err)
	}
	good, err := c.Encode(fullEvent())
	if err != nil {
		t.Fatal(err)
	}
	var ev schemas.IdentityEvent
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"wrong magic byte", append([]byte{1}, good[1:]...), codec.ErrBadMagic},
		{"too short", []byte{0, 0}, codec.ErrBadMagic},
		{"plain JSON", []byte(`{"event_id":"x"}`), codec.ErrBadMagic},
		{"unknown schema id", append([]byte{0, 0, 0, 0x7f, 0x7f}, good[5:]...), codec.ErrUnknownSchemaID},
		{"truncated body", good[:len(good)/2], codec.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Decode(ctx, tc.in, &ev)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var de *codec.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %T is not a *DecodeError", err)
			}
			if codec.Retryable(err) {
				t.Fatalf("%v must not be retryable", err)
			}
		})
	}
	// A schema id of another record type must not be decoded as an IdentityEvent.
	fid, err := c.Register(ctx, "tollgate.findings", &schemas.Finding{})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := c.Encode(&schemas.Finding{FindingID: "f", Kind: "k", Severity: schemas.SeverityLow, Status: schemas.FindingOpen, Principal: "p", Summary: "s", DetectedAt: at, EventIDs: []string{}, Controls: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Decode(ctx, fb, &ev); !errors.Is(err, codec.ErrIncompatibleSchema) {
		t.Fatalf("decoding Finding (id %d) as IdentityEvent: err = %v, want ErrIncompatibleSchema", fid, err)
	}
}

func TestRegisterRefusesIncompatibleLatest(t *testing.T) {
	ctx := context.Background()
	c, cl := newCodec(t)
	// Someone registered a schema whose required field this build lacks: the current schema
	// cannot read it (BACKWARD), so the registry refuses and the service must not start.
	incompatible := `{"type":"record","name":"IdentityEvent","namespace":"tollgate.v1","fields":[{"name":"event_id","type":"long"}]}`
	if _, err := cl.CreateSchema(ctx, "tollgate.events-value", sr.Schema{Schema: incompatible}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{})
	if err == nil {
		t.Fatal("register over an incompatible latest version succeeded")
	}
	t.Log(err)
}

func TestRegisterIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c, _ := newCodec(t)
	a, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{})
	if err != nil || a != b {
		t.Fatalf("second register: id %d, err %v; want id %d", b, err, a)
	}
}

func BenchmarkIdentityEvent(b *testing.B) {
	s := schemas.MustBuiltin().Schema(schemas.NameIdentityEvent)
	ev := fullEvent()
	ev.Credential, ev.Ticket = nil, nil // a typical IAM event: no credential, no ticket
	data, err := avro.Marshal(s, ev)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := avro.Marshal(s, ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var out schemas.IdentityEvent
			if err := avro.Unmarshal(s, data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestDecodeRefusesHugeArrayCount: a record whose ticket_refs block claims
// 2^40 items in a few bytes is malformed. hamba/avro allocates a block's
// items from its count, so without the Codec's bound this one record made
// the decoder ask for 16 TiB and the process die.
func TestDecodeRefusesHugeArrayCount(t *testing.T) {
	ctx := context.Background()
	c, _ := newCodec(t)
	if _, err := c.Register(ctx, "tollgate.events", &schemas.IdentityEvent{}); err != nil {
		t.Fatal(err)
	}
	ev := bareEvent()
	ev.TicketRefs = []string{"INC1"}
	v, err := c.Encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	// The block header of ticket_refs: -1 (one item) then its size (5);
	// replace it with a count of 2^40.
	hdr := []byte{1, 10, 8, 'I', 'N', 'C', '1', 0}
	i := bytes.Index(v, hdr)
	if i < 0 {
		t.Fatalf("ticket_refs block not found in % x", v)
	}
	huge := binary.AppendUvarint(nil, uint64(1)<<41) // zig-zag of 2^40
	bad := append(append(append([]byte{}, v[:i]...), huge...), v[i+2:]...)
	var got schemas.IdentityEvent
	err = c.Decode(ctx, bad, &got)
	if !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("decode of a 2^40-item array: %v, want ErrMalformed", err)
	}
	splice, err := c.DecodeForRouting(ctx, bad, &got, false)
	if splice.Ok() || !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("DecodeForRouting: spliced %v, err %v", splice.Ok(), err)
	}
}
