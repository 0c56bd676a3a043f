package chdb

import (
	"strings"
	"testing"
)

func TestParseEngineError(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		code int
		name string
	}{
		{"Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)", 62, "SYNTAX_ERROR"},
		{"Code: 60. DB::Exception: Unknown table expression identifier 'x' in scope SELECT * FROM x. (UNKNOWN_TABLE) (version 26.7.2.1)\n", 60, "UNKNOWN_TABLE"},
		{"Insert stream initialization failed", 0, ""},
		{"Code: 27. DB::Exception: Cannot parse input (at row 2): (CANNOT_PARSE_INPUT_ASSERTION_FAILED)", 27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"},
	} {
		e := ParseEngineError(tc.msg)
		if e.Code != tc.code || e.Name != tc.name || e.Message != strings.TrimSpace(tc.msg) {
			t.Errorf("%q → %+v", tc.msg, e)
		}
	}
}

func FuzzParseEngineError(f *testing.F) {
	f.Add("Code: 62. DB::Exception: x (SYNTAX_ERROR) (version 26.7.2.1)")
	f.Add("(()")
	f.Add("Code: 99999999999999999999.")
	f.Fuzz(func(t *testing.T, msg string) {
		e := ParseEngineError(msg)
		if e.Code < 0 || e.Message != strings.TrimSpace(msg) {
			t.Fatalf("%q → %+v", msg, e)
		}
		if e.Name != "" && !strings.Contains(msg, "("+e.Name+")") {
			t.Fatalf("name %q not in %q", e.Name, msg)
		}
	})
}

func FuzzDecodeRows(f *testing.F) {
	f.Add([]byte("[\"a\",\"b\"]\n[\"UInt64\",\"Nullable(String)\"]\n[\"18446744073709551615\",null]\n"))
	f.Add([]byte("[\"x\"]\n[\"Float64\"]\n[1.5]\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := DecodeRows(data)
		if err != nil && rows != nil {
			t.Fatalf("rows %v alongside error %v", rows, err)
		}
	})
}
