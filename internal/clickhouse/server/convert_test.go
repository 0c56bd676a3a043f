package server

import (
	"errors"
	"net"
	"reflect"
	"strings"
	"syscall"
	"testing"

	chgo "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// TestStoreErrorClassifiesDriverErrors checks that clickhouse-go's errors come out of
// storeError as the clickhouse package reads them: exceptions with their code, and
// unavailability from the HTTP status, the pool or the network.
func TestStoreErrorClassifiesDriverErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&chgo.Exception{Code: 252, Message: "Too many parts"}, true},
		{&chgo.Exception{Code: 62, Message: "Syntax error"}, false},
		{&chgo.HTTPError{StatusCode: 503, Err: errors.New("upstream down")}, true},
		{&chgo.HTTPError{StatusCode: 400, Err: errors.New("bad")}, false},
		{&chgo.HTTPError{StatusCode: 500, Err: &chgo.Exception{Code: 242, Message: "read only"}}, true},
		{chgo.ErrAcquireConnTimeout, true},
		{refused, true},
	} {
		err := storeError("ping", tc.err)
		if got := clickhouse.IsUnavailable(err); got != tc.want {
			t.Errorf("IsUnavailable(storeError(%v)) = %v, want %v", tc.err, got, tc.want)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("storeError lost the driver's error: %v", err)
		}
	}
	if err := storeError("ping", refused); !errors.Is(err, clickhouse.ErrUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("storeError lost a cause: %v", err)
	}
	err := storeError("query", &chgo.HTTPError{StatusCode: 500, Err: &chgo.Exception{Code: 60, Name: "UNKNOWN_TABLE", Message: "no t"}})
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) || ex.Code != 60 || ex.Name != "UNKNOWN_TABLE" || ex.Message != "no t" {
		t.Errorf("storeError(exception) = %v, want a clickhouse.Exception with code 60", err)
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]chType{
		"LowCardinality(Nullable(String))":         {nullable: true, base: "String"},
		"DateTime64(3, 'UTC')":                     {base: "DateTime64", args: []string{"3", "'UTC'"}},
		"Map(String, Array(Nullable(UInt8)))":      {base: "Map", args: []string{"String", "Array(Nullable(UInt8))"}},
		"Enum8('a,b' = 1, 'c)' = 2)":               {base: "Enum8", args: []string{"'a,b' = 1", "'c)' = 2"}},
		"Nullable(DateTime64(3, 'Europe/Berlin'))": {nullable: true, base: "DateTime64", args: []string{"3", "'Europe/Berlin'"}},
		"UInt64":                                      {base: "UInt64"},
		"Array(LowCardinality(String))":               {base: "Array", args: []string{"LowCardinality(String)"}},
		"Tuple(a String, b Map(String, UInt64))":      {base: "Tuple", args: []string{"a String", "b Map(String, UInt64)"}},
		"SimpleAggregateFunction(max, DateTime64(3))": {base: "SimpleAggregateFunction", args: []string{"max", "DateTime64(3)"}},
	} {
		if got := parseType(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseType(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// FuzzParseType feeds type names, which come from the server, to the parser
// and the row and insert converters built from them.
func FuzzParseType(f *testing.F) {
	for _, s := range []string{"LowCardinality(Nullable(String))", "Map(String, Array(UInt8))", "Enum8('a\\'' = 1)", "DateTime64(x", "(((", "Nullable()"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		ct := parseType(typ)
		if strings.Contains(ct.base, "(") && len(ct.args) > 0 {
			t.Fatalf("%q: base %q still has arguments", typ, ct.base)
		}
		_ = rowValue(typ)("x")
		_, _ = insertValue(typ)(int64(1))
	})
}
