package registry

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRegister posts arbitrary text to the registration endpoint, both as the
// schema inside a well-formed request and as the raw request body. Whatever
// it is, the registry must answer with a client-facing status, never 500.
func FuzzRegister(f *testing.F) {
	for _, seed := range []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
		`{"type":"enum","name":"E","symbols":["A","B"]}`,
		`{"type":"array","items":{"type":"map","values":"long"}}`,
		`["null","string"]`,
		`{"type":"fixed","name":"F","size":-1}`,
		`{"type":"record","name":"R","fields":[{"name":"r","type":"R"}]}`,
		`{"schema":"\"string\"","references":[{"name":"X","subject":"s","version":1}]}`,
		`{"schema":"\"string\"","schemaType":"PROTOBUF"}`,
		`"string"`, `{`, ``, `null`, `{"schema":1}`,
	} {
		f.Add(seed)
	}
	h, err := newHandler("", slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	allowed := map[int]bool{http.StatusOK: true, http.StatusConflict: true, http.StatusUnprocessableEntity: true, http.StatusBadRequest: true}
	f.Fuzz(func(t *testing.T, text string) {
		wrapped, err := json.Marshal(map[string]string{"schema": text})
		if err != nil {
			t.Fatalf("encode request: %v", err)
		}
		for _, body := range []string{string(wrapped), text} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/subjects/fuzz-value/versions", strings.NewReader(body)))
			if !allowed[rec.Code] {
				t.Fatalf("body %q answered %d: %s", body, rec.Code, rec.Body.String())
			}
			if rec.Code != http.StatusOK && !strings.Contains(rec.Body.String(), `"error_code"`) {
				t.Fatalf("body %q answered %d without a Confluent error: %s", body, rec.Code, rec.Body.String())
			}
		}
	})
}
