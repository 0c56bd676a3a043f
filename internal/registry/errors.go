package registry

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/twmb/franz-go/pkg/sr"
)

// ErrDataDir reports that the registry's data directory cannot be created,
// read or written.
var ErrDataDir = errors.New("registry data directory unusable")

// ErrJournal reports that the persisted journal is corrupt or does not replay
// to the state it recorded.
var ErrJournal = errors.New("registry journal unusable")

// ErrListen reports that the registry could not listen on its address.
var ErrListen = errors.New("registry cannot listen")

// apiError is an error answered to a REST client in Confluent's shape.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

// Confluent's error codes that this package answers itself; srfake answers
// the rest.
const (
	codeBadRequest          = 400
	codeIncompatibleSchema  = 409
	codeSubjectNotFound     = 40401
	codeVersionNotFound     = 40402
	codeInvalidSchema       = 42201
	codeInvalidVersion      = 42202
	codeInvalidCompat       = 42203
	codeOperationNotAllowed = 42205
	codeStoreError          = 50001
)

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, code: codeStoreError, message: err.Error()}
	}
	writeJSON(w, ae.status, sr.ResponseError{ErrorCode: ae.code, Message: ae.message})
}
