package registry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// maxReferenceDepth bounds reference chains; srfake refuses cycles when it
// stores a schema, the bound guards the parse against anything it missed.
const maxReferenceDepth = 32

// invalidSchema builds the 422 Confluent answers for a schema it cannot parse.
func invalidSchema(format string, args ...any) *apiError {
	return &apiError{
		status:  http.StatusUnprocessableEntity,
		code:    codeInvalidSchema,
		message: "Invalid schema " + fmt.Sprintf(format, args...),
	}
}

// parseAvro parses one schema text into cache, which receives every named
// type it defines so that schemas referencing it can be parsed next.
func parseAvro(text string, cache *avro.SchemaCache) (s avro.Schema, err error) {
	// The parser is fed text from the network; a panic in it must become a
	// refusal, never a dead server.
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("parser panic: %v", p)
		}
	}()
	if !json.Valid([]byte(text)) {
		// hamba/avro would read non-JSON text as a bare type name; Confluent
		// requires JSON.
		return nil, fmt.Errorf("schema is not valid JSON")
	}
	return avro.ParseWithCache(text, "", cache)
}

// parseSchema parses an Avro schema together with the schemas its references
// name, fetched from the registry itself.
func (h *handler) parseSchema(s sr.Schema) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	if err := h.loadReferences(s.References, cache, 0); err != nil {
		return nil, err
	}
	parsed, err := parseAvro(s.Schema, cache)
	if err != nil {
		return nil, invalidSchema("%q: %v", truncate(s.Schema, 200), err)
	}
	return parsed, nil
}

func (h *handler) loadReferences(refs []sr.SchemaReference, cache *avro.SchemaCache, depth int) error {
	if depth > maxReferenceDepth {
		return invalidSchema("references nest deeper than %d", maxReferenceDepth)
	}
	for _, ref := range refs {
		var ss sr.SubjectSchema
		path := "/subjects/" + url.PathEscape(ref.Subject) + "/versions/" + strconv.Itoa(ref.Version)
		if status := h.query(http.MethodGet, path, nil, &ss); status != http.StatusOK {
			return invalidSchema("reference %q: subject %q version %d not found", ref.Name, ref.Subject, ref.Version)
		}
		if err := h.loadReferences(ss.References, cache, depth+1); err != nil {
			return err
		}
		if _, err := parseAvro(ss.Schema.Schema, cache); err != nil {
			return invalidSchema("reference %q (subject %q version %d): %v", ref.Name, ref.Subject, ref.Version, err)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
