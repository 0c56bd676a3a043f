package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// maxBodyBytes bounds a request body, as srfake does for registrations.
const maxBodyBytes = 1 << 20

// handler validates, checks and journals what srfake would accept blindly,
// and hands everything else to srfake unchanged.
type handler struct {
	inner   http.Handler // srfake's REST API
	mux     *http.ServeMux
	journal *journal // nil when memory only
	log     *slog.Logger

	// mu serializes state changes so that each check sees the state it
	// guards and the journal order is the order srfake applied them.
	mu sync.Mutex
}

// NewHandler returns the registry's REST API as an http.Handler, for serving
// on a listener of the caller's choosing. With a non-empty dataDir, state is
// restored from and persisted under dataDir/registry; empty keeps it in memory.
func NewHandler(dataDir string) (http.Handler, error) {
	return newHandler(dataDir, slog.Default())
}

func newHandler(dataDir string, log *slog.Logger) (*handler, error) {
	h := &handler{
		inner: srfake.NewRegistry().Handler(),
		log:   log,
	}
	if dataDir != "" {
		j, err := openJournal(dataDir)
		if err != nil {
			return nil, err
		}
		if err := h.replay(j.entries); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrJournal, j.path, err)
		}
		h.journal = j
		log.Info("schema registry state restored", "path", j.path, "changes", len(j.entries))
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /subjects/{subject}/versions", h.register)
	mux.Handle("POST /subjects/{subject}", h.inner) // lookup only, changes nothing
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", h.checkCompatibility)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions", h.checkCompatibility)
	mux.HandleFunc("PUT /config", h.putConfig)
	mux.HandleFunc("PUT /config/{subject}", h.putConfig)
	mux.HandleFunc("/contexts/", h.contexts)
	mux.HandleFunc("/", h.passthrough)
	h.mux = mux
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// registration is the body of POST /subjects/{subject}/versions. Confluent
// clients may send an id and version, which only IMPORT mode honours.
type registration struct {
	sr.Schema
	ID      int `json:"id"`
	Version int `json:"version"`
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	var req registration
	if err := decodeBody(w, r, &req); err != nil {
		writeAPIError(w, err)
		return
	}
	if req.ID > 0 || req.Version > 0 {
		writeAPIError(w, &apiError{status: http.StatusUnprocessableEntity, code: codeOperationNotAllowed,
			message: "registering with an explicit id or version needs IMPORT mode, which this registry does not support"})
		return
	}
	body, err := json.Marshal(req.Schema)
	if err != nil {
		writeAPIError(w, invalidSchema("%v", err))
		return
	}
	subjectURI := "/subjects/" + url.PathEscape(subject)

	h.mu.Lock()
	defer h.mu.Unlock()

	// A schema already registered under the subject keeps its id and is not
	// checked again, as in Confluent's registry: re-registering on every
	// start must not fail after the compatibility level was tightened.
	var existing sr.SubjectSchema
	if h.query(http.MethodPost, subjectURI, body, &existing) == http.StatusOK {
		writeJSON(w, http.StatusOK, map[string]int{"id": existing.ID})
		return
	}
	if req.Type == sr.TypeAvro {
		candidate, err := h.parseSchema(req.Schema)
		if err != nil {
			writeAPIError(w, err)
			return
		}
		versions, err := h.versions(subject)
		if err != nil {
			writeAPIError(w, err)
			return
		}
		level := h.level(subject)
		if msgs := incompatibilities(level, candidate, versions); len(msgs) > 0 {
			writeAPIError(w, &apiError{status: http.StatusConflict, code: codeIncompatibleSchema, message: fmt.Sprintf(
				"Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]",
				subject, strings.Join(msgs, "; "))})
			return
		}
	}

	uri := subjectURI + "/versions"
	rec := h.do(http.MethodPost, uri, body)
	if rec.Code == http.StatusOK {
		var out struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			writeAPIError(w, fmt.Errorf("decode srfake registration answer: %w", err))
			return
		}
		if err := h.record(entry{Method: http.MethodPost, URI: uri, Body: string(body), ID: out.ID}); err != nil {
			writeAPIError(w, err)
			return
		}
		h.log.Info("schema registered", "subject", subject, "id", out.ID)
	}
	copyResponse(w, rec)
}

func (h *handler) checkCompatibility(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	var req sr.Schema
	if err := decodeBody(w, r, &req); err != nil {
		writeAPIError(w, err)
		return
	}
	if req.Type != sr.TypeAvro {
		// Only Avro is checked; say so rather than pretend.
		writeJSON(w, http.StatusOK, sr.CheckCompatibilityResult{Is: true,
			Messages: []string{"only Avro schemas are checked by this registry"}})
		return
	}
	candidate, err := h.parseSchema(req)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	versions, err := h.versions(subject)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	level := h.level(subject)
	switch v := r.PathValue("version"); v {
	case "", "-2": // every version
		level = transitive(level)
	case "latest", "-1":
		if len(versions) == 0 {
			writeAPIError(w, &apiError{status: http.StatusNotFound, code: codeSubjectNotFound,
				message: fmt.Sprintf("Subject %q not found.", subject)})
			return
		}
		versions = versions[len(versions)-1:]
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeAPIError(w, &apiError{status: http.StatusUnprocessableEntity, code: codeInvalidVersion,
				message: fmt.Sprintf("The specified version %q is not a valid version id.", v)})
			return
		}
		i := sort.Search(len(versions), func(i int) bool { return versions[i].number >= n })
		if i == len(versions) || versions[i].number != n {
			writeAPIError(w, &apiError{status: http.StatusNotFound, code: codeVersionNotFound,
				message: fmt.Sprintf("Version %d not found for subject %q.", n, subject)})
			return
		}
		versions = versions[i : i+1]
	}
	msgs := incompatibilities(level, candidate, versions)
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, http.StatusOK, sr.CheckCompatibilityResult{Is: len(msgs) == 0, Messages: msgs})
}

func transitive(level sr.CompatibilityLevel) sr.CompatibilityLevel {
	switch level {
	case sr.CompatBackward:
		return sr.CompatBackwardTransitive
	case sr.CompatForward:
		return sr.CompatForwardTransitive
	case sr.CompatFull:
		return sr.CompatFullTransitive
	}
	return level
}

// compatibilityConfig is the body of PUT /config and PUT /config/{subject}.
type compatibilityConfig struct {
	Compatibility sr.CompatibilityLevel `json:"compatibility"`
}

func (h *handler) putConfig(w http.ResponseWriter, r *http.Request) {
	var req compatibilityConfig
	err := decodeBody(w, r, &req)
	if err == nil && req.Compatibility.String() == "" {
		err = errors.New("compatibility is missing")
	}
	if err != nil {
		writeAPIError(w, &apiError{status: http.StatusUnprocessableEntity, code: codeInvalidCompat,
			message: "Invalid compatibility level: " + err.Error()})
		return
	}
	uri, current := "/config", "/config"
	if subject := r.PathValue("subject"); subject != "" {
		uri = "/config/" + url.PathEscape(subject)
		current = uri + "?defaultToGlobal=false"
	}

	h.mu.Lock()
	defer h.mu.Unlock()

	var got struct {
		Level sr.CompatibilityLevel `json:"compatibilityLevel"`
	}
	if h.query(http.MethodGet, current, nil, &got) == http.StatusOK && got.Level == req.Compatibility {
		// Unchanged: answer without growing the journal on every start.
		writeJSON(w, http.StatusOK, req)
		return
	}
	body, err := json.Marshal(req)
	if err != nil {
		writeAPIError(w, fmt.Errorf("encode compatibility config: %w", err))
		return
	}
	rec := h.do(http.MethodPut, uri, body)
	if rec.Code == http.StatusOK {
		if err := h.record(entry{Method: http.MethodPut, URI: uri, Body: string(body)}); err != nil {
			writeAPIError(w, err)
			return
		}
		h.log.Info("schema compatibility set", "config", uri, "level", req.Compatibility.String())
	}
	copyResponse(w, rec)
}

// contexts serves the context-prefixed API read-only: writes through it would
// bypass validation, and tollgate does not use schema contexts.
func (h *handler) contexts(w http.ResponseWriter, r *http.Request) {
	readOnly := r.Method == http.MethodGet || r.Method == http.MethodHead
	deleteEmpty := r.Method == http.MethodDelete && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 1
	if readOnly || deleteEmpty {
		h.inner.ServeHTTP(w, r)
		return
	}
	writeAPIError(w, &apiError{status: http.StatusUnprocessableEntity, code: codeOperationNotAllowed,
		message: "changes through schema contexts are not supported by this registry"})
}

// passthrough hands requests to srfake and journals the state changes among
// them (deletes, mode changes).
func (h *handler) passthrough(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		h.inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeAPIError(w, &apiError{status: http.StatusBadRequest, code: codeBadRequest, message: "request body: " + err.Error()})
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	uri := r.URL.RequestURI()
	rec := h.do(r.Method, uri, body)
	if rec.Code/100 == 2 {
		if err := h.record(entry{Method: r.Method, URI: uri, Body: string(body)}); err != nil {
			writeAPIError(w, err)
			return
		}
	}
	copyResponse(w, rec)
}

// record journals an applied change. srfake has already applied it, so a
// failure leaves memory ahead of disk; the client is told with a 500.
func (h *handler) record(e entry) error {
	if h.journal == nil {
		return nil
	}
	if err := h.journal.append(e); err != nil {
		h.log.Error("schema registry change applied but not persisted", "method", e.Method, "uri", e.URI, "err", err)
		return fmt.Errorf("persist %s %s: %w", e.Method, e.URI, err)
	}
	return nil
}

// replay applies journaled changes to the fresh srfake, bypassing the checks
// they passed when they were made: a later config change must not undo them.
func (h *handler) replay(entries []entry) error {
	for i, e := range entries {
		rec := h.do(e.Method, e.URI, []byte(e.Body))
		if rec.Code/100 != 2 {
			return fmt.Errorf("change %d (%s %s) answered %d: %s", i, e.Method, e.URI, rec.Code, strings.TrimSpace(rec.Body.String()))
		}
		if e.ID == 0 {
			continue
		}
		var out struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.ID != e.ID {
			return fmt.Errorf("change %d (%s %s) got schema id %d, journal recorded %d", i, e.Method, e.URI, out.ID, e.ID)
		}
	}
	return nil
}

// versions returns the subject's live Avro versions, oldest first, parsed.
func (h *handler) versions(subject string) ([]version, error) {
	base := "/subjects/" + url.PathEscape(subject) + "/versions"
	var numbers []int
	switch status := h.query(http.MethodGet, base, nil, &numbers); status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil
	default:
		return nil, fmt.Errorf("list versions of %q: srfake answered %d", subject, status)
	}
	sort.Ints(numbers)
	out := make([]version, 0, len(numbers))
	for _, n := range numbers {
		var ss sr.SubjectSchema
		if status := h.query(http.MethodGet, base+"/"+strconv.Itoa(n), nil, &ss); status != http.StatusOK {
			return nil, fmt.Errorf("read %q version %d: srfake answered %d", subject, n, status)
		}
		if ss.Type != sr.TypeAvro {
			continue
		}
		parsed, err := h.parseSchema(ss.Schema)
		if err != nil {
			return nil, fmt.Errorf("stored schema %q version %d no longer parses: %w", subject, n, err)
		}
		out = append(out, version{number: n, schema: parsed})
	}
	return out, nil
}

// level returns the subject's compatibility level, falling back to the
// global one.
func (h *handler) level(subject string) sr.CompatibilityLevel {
	var cfg struct {
		Level sr.CompatibilityLevel `json:"compatibilityLevel"`
	}
	if h.query(http.MethodGet, "/config/"+url.PathEscape(subject), nil, &cfg) != http.StatusOK || cfg.Level == 0 {
		return sr.CompatBackward
	}
	return cfg.Level
}

// do sends one request to srfake in-process.
func (h *handler) do(method, uri string, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req, err := http.NewRequest(method, "http://registry.invalid"+uri, bytes.NewReader(body))
	if err != nil {
		rec.Code = http.StatusBadRequest
		return rec
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	h.inner.ServeHTTP(rec, req)
	return rec
}

// query sends one request to srfake and decodes a 200 answer into out. It
// returns the status; an undecodable answer counts as 500.
func (h *handler) query(method, uri string, body []byte, out any) int {
	rec := h.do(method, uri, body)
	if rec.Code == http.StatusOK && out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			return http.StatusInternalServerError
		}
	}
	return rec.Code
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// decodeBody reads one JSON object from the request body into v. Unknown
// fields are ignored, as Confluent's registry ignores them, so that newer
// clients keep working.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		return &apiError{status: http.StatusBadRequest, code: codeBadRequest, message: "request body: " + err.Error()}
	}
	if dec.More() {
		return &apiError{status: http.StatusBadRequest, code: codeBadRequest, message: "request body: more than one JSON value"}
	}
	return nil
}
