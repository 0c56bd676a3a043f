package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func newClient(t *testing.T, s *Server) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(s.URL()))
	if err != nil {
		t.Fatalf("new sr client: %v", err)
	}
	return cl
}

// record builds an Avro record schema named tollgate.v1.R with the given
// fields, each written as a JSON object.
func record(fields ...string) sr.Schema {
	return sr.Schema{Type: sr.TypeAvro, Schema: `{"type":"record","name":"R","namespace":"tollgate.v1","fields":[` + strings.Join(fields, ",") + `]}`}
}

var (
	fieldA        = `{"name":"a","type":"string"}`
	fieldAInt     = `{"name":"a","type":"int"}`
	fieldBDefault = `{"name":"b","type":"int","default":0}`
	fieldB        = `{"name":"b","type":"int"}`
	fieldC        = `{"name":"c","type":"string"}`
	fieldOptional = `{"name":"note","type":["null","string"],"default":null}`
)

func responseError(t *testing.T, err error) *sr.ResponseError {
	t.Helper()
	var re *sr.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not an sr.ResponseError", err, err)
	}
	return re
}

func setLevel(t *testing.T, cl *sr.Client, level sr.CompatibilityLevel, subject string) {
	t.Helper()
	for _, res := range cl.SetCompatibility(context.Background(), sr.SetCompatibility{Level: level}, subject) {
		if res.Err != nil {
			t.Fatalf("set %s to %s: %v", subject, level, res.Err)
		}
	}
}

func TestInvalidAvroIsRefusedWith42201(t *testing.T) {
	cl := newClient(t, StartForTest(t))
	cases := map[string]string{
		"record without name":   `{"type":"record","fields":[{"name":"a","type":"string"}]}`,
		"unknown primitive":     `{"type":"record","name":"R","fields":[{"name":"a","type":"strin"}]}`,
		"not json":              `{"type":"record"`,
		"bare word":             `string`,
		"empty":                 ``,
		"default of wrong type": `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`,
		"enum without symbols":  `{"type":"enum","name":"E"}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := cl.CreateSchema(context.Background(), "invalid-value", sr.Schema{Schema: text})
			re := responseError(t, err)
			if re.StatusCode != http.StatusUnprocessableEntity || re.ErrorCode != sr.ErrInvalidSchema.Code {
				t.Fatalf("got HTTP %d code %d (%s), want 422 / 42201", re.StatusCode, re.ErrorCode, re.Message)
			}
			if !strings.HasPrefix(re.Message, "Invalid schema") {
				t.Fatalf("message %q does not start with %q", re.Message, "Invalid schema")
			}
		})
	}
	if subjects, err := cl.Subjects(context.Background()); err != nil || len(subjects) != 0 {
		t.Fatalf("subjects after refusals = %v, %v; want none", subjects, err)
	}
}

func TestCompatibilityLevels(t *testing.T) {
	cl := newClient(t, StartForTest(t))
	ctx := context.Background()
	cases := []struct {
		name      string
		level     sr.CompatibilityLevel
		history   []sr.Schema
		candidate sr.Schema
		accept    bool
	}{
		{"backward refuses a field added without default", sr.CompatBackward, []sr.Schema{record(fieldA)}, record(fieldA, fieldC), false},
		{"backward refuses a changed field type", sr.CompatBackward, []sr.Schema{record(fieldA)}, record(fieldAInt), false},
		{"backward accepts an optional field with default", sr.CompatBackward, []sr.Schema{record(fieldA)}, record(fieldA, fieldOptional), true},
		{"backward accepts a removed field", sr.CompatBackward, []sr.Schema{record(fieldA, fieldB)}, record(fieldA), true},
		{"forward refuses a removed field without default", sr.CompatForward, []sr.Schema{record(fieldA, fieldB)}, record(fieldA), false},
		{"forward accepts a field added without default", sr.CompatForward, []sr.Schema{record(fieldA)}, record(fieldA, fieldC), true},
		{"full refuses a field added without default", sr.CompatFull, []sr.Schema{record(fieldA)}, record(fieldA, fieldC), false},
		{"full accepts a field added with default", sr.CompatFull, []sr.Schema{record(fieldA)}, record(fieldA, fieldBDefault), true},
		{"backward checks the latest only", sr.CompatBackward, []sr.Schema{record(fieldA), record(fieldA, fieldBDefault)}, record(fieldA, fieldB), true},
		{"backward transitive checks every version", sr.CompatBackwardTransitive, []sr.Schema{record(fieldA), record(fieldA, fieldBDefault)}, record(fieldA, fieldB), false},
		{"forward checks the latest only", sr.CompatForward, []sr.Schema{record(fieldA, fieldB), record(fieldA, fieldBDefault)}, record(fieldA), true},
		{"forward transitive checks every version", sr.CompatForwardTransitive, []sr.Schema{record(fieldA, fieldB), record(fieldA, fieldBDefault)}, record(fieldA), false},
		{"full checks the latest only", sr.CompatFull, []sr.Schema{record(fieldA), record(fieldA, fieldBDefault)}, record(fieldA, fieldB), true},
		{"full transitive checks every version", sr.CompatFullTransitive, []sr.Schema{record(fieldA), record(fieldA, fieldBDefault)}, record(fieldA, fieldB), false},
		{"none accepts a changed field type", sr.CompatNone, []sr.Schema{record(fieldA)}, record(fieldAInt), true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			subject := fmt.Sprintf("compat-%d-value", i)
			setLevel(t, cl, sr.CompatNone, subject)
			for _, s := range tc.history {
				if _, err := cl.CreateSchema(ctx, subject, s); err != nil {
					t.Fatalf("register history: %v", err)
				}
			}
			setLevel(t, cl, tc.level, subject)

			check, err := cl.CheckCompatibility(ctx, subject, -1, tc.candidate)
			if err != nil {
				t.Fatalf("check compatibility: %v", err)
			}
			// A transitive refusal in this table comes from an older version,
			// so the check against the latest alone passes.
			wantLatest := tc.accept || tc.level == transitive(tc.level)
			if check.Is != wantLatest || (check.Is == (len(check.Messages) > 0)) {
				t.Fatalf("check against latest = %+v, want is_compatible %v with messages only when false", check, wantLatest)
			}

			got, err := cl.CreateSchema(ctx, subject, tc.candidate)
			if tc.accept {
				if err != nil {
					t.Fatalf("register: %v", err)
				}
				if want := len(tc.history) + 1; got.Version != want {
					t.Fatalf("version = %d, want %d", got.Version, want)
				}
				return
			}
			re := responseError(t, err)
			if re.StatusCode != http.StatusConflict || re.ErrorCode != sr.ErrIncompatibleSchema.Code ||
				!strings.HasPrefix(re.Message, "Schema being registered is incompatible with an earlier schema") {
				t.Fatalf("got HTTP %d code %d %q, want 409 incompatible", re.StatusCode, re.ErrorCode, re.Message)
			}
			versions, err := cl.SubjectVersions(ctx, subject)
			if err != nil || len(versions) != len(tc.history) {
				t.Fatalf("versions after refusal = %v, %v; want %d", versions, err, len(tc.history))
			}
		})
	}
}

func TestCheckCompatibilityEndpoint(t *testing.T) {
	cl := newClient(t, StartForTest(t))
	ctx := context.Background()
	const subject = "check-value"
	for _, s := range []sr.Schema{record(fieldA), record(fieldA, fieldBDefault)} {
		if _, err := cl.CreateSchema(ctx, subject, s); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	candidate := record(fieldA, fieldB) // readable from v2's data, not from v1's

	for _, tc := range []struct {
		version int
		is      bool
	}{{1, false}, {2, true}, {-1, true}, {-2, false}} {
		got, err := cl.CheckCompatibility(ctx, subject, tc.version, candidate)
		if err != nil {
			t.Fatalf("check version %d: %v", tc.version, err)
		}
		if got.Is != tc.is {
			t.Fatalf("check version %d = %+v, want is_compatible %v", tc.version, got, tc.is)
		}
		if !got.Is && (len(got.Messages) == 0 || !strings.Contains(got.Messages[0], "version 1")) {
			t.Fatalf("check version %d messages %q do not name version 1", tc.version, got.Messages)
		}
	}

	_, err := cl.CheckCompatibility(ctx, subject, 7, candidate)
	if re := responseError(t, err); re.StatusCode != http.StatusNotFound || re.ErrorCode != sr.ErrVersionNotFound.Code {
		t.Fatalf("check missing version: HTTP %d code %d", re.StatusCode, re.ErrorCode)
	}
	_, err = cl.CheckCompatibility(ctx, subject, 1, sr.Schema{Schema: `{"type":"nope"}`})
	if re := responseError(t, err); re.StatusCode != http.StatusUnprocessableEntity || re.ErrorCode != sr.ErrInvalidSchema.Code {
		t.Fatalf("check invalid schema: HTTP %d code %d", re.StatusCode, re.ErrorCode)
	}
}

func TestIdenticalRegistrationReturnsTheSameID(t *testing.T) {
	cl := newClient(t, StartForTest(t))
	ctx := context.Background()
	v1, err := cl.CreateSchema(ctx, "same-value", record(fieldA))
	if err != nil {
		t.Fatalf("register v1: %v", err)
	}
	v2, err := cl.CreateSchema(ctx, "same-value", record(fieldA, fieldOptional))
	if err != nil {
		t.Fatalf("register v2: %v", err)
	}
	// Tighten to a level v1 no longer passes against v2: re-registering an
	// existing schema must still answer its id rather than 409.
	setLevel(t, cl, sr.CompatFull, "same-value")
	reformatted := sr.Schema{Schema: "{ \"namespace\": \"tollgate.v1\", \"name\": \"R\", \"type\": \"record\",\n  \"fields\": [" + fieldA + "] }"}
	for _, s := range []sr.Schema{record(fieldA), reformatted} {
		again, err := cl.CreateSchema(ctx, "same-value", s)
		if err != nil {
			t.Fatalf("re-register: %v", err)
		}
		if again.ID != v1.ID || again.Version != 1 {
			t.Fatalf("re-register = id %d version %d, want id %d version 1", again.ID, again.Version, v1.ID)
		}
	}
	versions, err := cl.SubjectVersions(ctx, "same-value")
	if err != nil || len(versions) != 2 || v2.Version != 2 {
		t.Fatalf("versions = %v, %v (v2 %d); want [1 2]", versions, err, v2.Version)
	}
}

func TestConfigIsReadBackAndValidated(t *testing.T) {
	s := StartForTest(t)
	cl := newClient(t, s)
	ctx := context.Background()
	global := cl.Compatibility(ctx)
	if global[0].Err != nil || global[0].Level != sr.CompatBackward {
		t.Fatalf("default global level = %v, %v; want BACKWARD", global[0].Level, global[0].Err)
	}
	setLevel(t, cl, sr.CompatFullTransitive, "")
	setLevel(t, cl, sr.CompatNone, "loose-value")
	for subject, want := range map[string]sr.CompatibilityLevel{"": sr.CompatFullTransitive, "loose-value": sr.CompatNone, "other-value": sr.CompatFullTransitive} {
		got := cl.Compatibility(ctx, subject)
		if got[0].Err != nil || got[0].Level != want {
			t.Fatalf("level of %q = %v, %v; want %v", subject, got[0].Level, got[0].Err, want)
		}
	}
	// An unknown level is refused, not stored.
	req, err := http.NewRequest(http.MethodPut, s.URL()+"/config", strings.NewReader(`{"compatibility":"SIDEWAYS"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("put config: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown level answered %d, want 422", resp.StatusCode)
	}
	if got := cl.Compatibility(ctx); got[0].Level != sr.CompatFullTransitive {
		t.Fatalf("global level after refused change = %v", got[0].Level)
	}
}

func TestReferencesAreResolved(t *testing.T) {
	cl := newClient(t, StartForTest(t))
	ctx := context.Background()
	address := sr.Schema{Schema: `{"type":"record","name":"Address","namespace":"tollgate.v1","fields":[{"name":"city","type":"string"}]}`}
	addr, err := cl.CreateSchema(ctx, "address-value", address)
	if err != nil {
		t.Fatalf("register address: %v", err)
	}
	user := sr.Schema{
		Schema:     `{"type":"record","name":"User","namespace":"tollgate.v1","fields":[{"name":"home","type":"tollgate.v1.Address"}]}`,
		References: []sr.SchemaReference{{Name: "tollgate.v1.Address", Subject: "address-value", Version: addr.Version}},
	}
	if _, err := cl.CreateSchema(ctx, "user-value", user); err != nil {
		t.Fatalf("register user with reference: %v", err)
	}
	user.References = nil
	_, err = cl.CreateSchema(ctx, "user2-value", user)
	if re := responseError(t, err); re.ErrorCode != sr.ErrInvalidSchema.Code {
		t.Fatalf("unresolved named type: code %d, want 42201", re.ErrorCode)
	}
}

func TestStartReportsItsCause(t *testing.T) {
	s := StartForTest(t)
	_, err := Start(Options{Addr: strings.TrimPrefix(s.URL(), "http://")})
	if !errors.Is(err, ErrListen) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("second server on the same port: %v; want ErrListen naming the cause", err)
	}
}
