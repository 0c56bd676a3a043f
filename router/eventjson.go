package router

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tollgate-io/tollgate/schemas"
)

// DecodeEventJSON decodes one IdentityEvent in canonical JSON (the json tags
// of schemas.IdentityEvent). Unknown keys are errors, so a misspelt field in a
// test case or explain input is reported instead of silently ignored.
func DecodeEventJSON(data []byte) (*schemas.IdentityEvent, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ev schemas.IdentityEvent
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decode canonical event: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decode canonical event: trailing data after the event")
	}
	return &ev, nil
}
