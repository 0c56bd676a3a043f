package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/schemas"
)

// Producer delivers a batch of events to Kafka. Produce must return nil only after every
// event of the batch was acknowledged (acks=all); on error the caller acknowledges nothing
// to the sender, which retries the whole batch (duplicates keep their event_id). Errors
// wrapping ErrUnavailable mean "Kafka cannot take it now" and become 503 with Retry-After.
type Producer interface {
	Produce(ctx context.Context, events []schemas.IdentityEvent) error
}

// RetryAfterSeconds is the Retry-After of a 503 when Kafka is unavailable.
const RetryAfterSeconds = 5

// Reject reasons, the values of the reason label of tollgate_ingest_rejects_total.
const (
	reasonMalformed    = "malformed"
	reasonShape        = "shape"
	reasonMissing      = "missing_field"
	reasonEmpty        = "empty"
	reasonTooLarge     = "too_large"
	reasonContentType  = "content_type"
	reasonUnauthorized = "unauthorized"
	reasonUnknown      = "unknown_source"
	reasonUnavailable  = "kafka_unavailable"
	reasonInternal     = "internal"
)

// errorBody is the JSON body of every 4xx/5xx answer.
type errorBody struct {
	Error string `json:"error"`
	Index *int   `json:"index,omitempty"`
}

// acceptedBody is the JSON body of a successful ingest.
type acceptedBody struct {
	Accepted int `json:"accepted"`
}

type handler struct {
	cfg     Config
	parsers map[string]Parser
	prod    Producer
	m       *metrics
	log     *slog.Logger
	now     func() time.Time
}

// NewHandler serves the ingest endpoints of DESIGN.md §7: POST /v1/ingest/{source} for
// okta, entra, cloudtrail, google_workspace, servicenow and jira_sm, GET /v1/ingest/okta for
// Okta's verification challenge, and POST /v1/events for canonical JSON and CloudEvents
// (structured and binary HTTP modes). cfg should have passed Validate (secret files are
// read there). A request is all-or-nothing: one bad event rejects it with the event's index,
// and 2xx is answered only after p acknowledged every event. This holds for every source,
// Okta included: Okta never retries a 4xx, so a hook batch holding one event tollgate cannot
// read is rejected whole and logged (with the index) rather than half-written; nothing in it
// reaches Kafka, and the operator sees the reject in logs and tollgate_ingest_rejects_total.
func NewHandler(cfg Config, p Producer, reg prometheus.Registerer, log *slog.Logger) http.Handler {
	cfg.ApplyDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{
		cfg:     cfg,
		parsers: Parsers(ParserOptions{JiraRequestTypeField: cfg.JiraRequestTypeField}),
		prod:    p,
		m:       newMetrics(reg),
		log:     log.With("component", "ingest"),
		now:     time.Now,
	}
	for _, s := range append(SourceNames(), SourceGeneric) {
		if h.auth(s).Mode == AuthNone {
			h.log.Warn("ingest source accepts unauthenticated requests; configure ingest.sources."+s, "source", s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ingest/okta", h.oktaVerify)
	mux.HandleFunc("POST /v1/ingest/{source}", func(w http.ResponseWriter, r *http.Request) {
		h.ingest(w, r, r.PathValue("source"))
	})
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) {
		h.ingest(w, r, SourceGeneric)
	})
	return h.recoverer(mux)
}

func (h *handler) auth(source string) SourceAuth {
	a, ok := h.cfg.Sources[source]
	if !ok || a.Mode == "" {
		return SourceAuth{Mode: AuthNone}
	}
	return a
}

// recoverer turns a panic into a 500 and a log line instead of a dropped connection; a
// panic is a bug, never the sender's fault, and the request was not acknowledged.
func (h *handler) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("ingest handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// oktaVerify answers Okta's one-time event-hook verification.
func (h *handler) oktaVerify(w http.ResponseWriter, r *http.Request) {
	a := h.auth(SourceOkta)
	if a.Mode == AuthSecret && !authenticate(a, r, nil) {
		h.reject(w, SourceOkta, http.StatusUnauthorized, reasonUnauthorized, "missing or wrong credentials", -1)
		return
	}
	challenge := r.Header.Get("X-Okta-Verification-Challenge")
	if challenge == "" {
		h.reject(w, SourceOkta, http.StatusBadRequest, reasonMissing, "missing x-okta-verification-challenge header", -1)
		return
	}
	h.m.requests.WithLabelValues(SourceOkta, "200").Inc()
	writeJSON(w, http.StatusOK, map[string]string{"verification": challenge})
}

func (h *handler) ingest(w http.ResponseWriter, r *http.Request, source string) {
	start := h.now()
	parser, ok := h.parsers[source]
	if !ok || (source == SourceGeneric && r.URL.Path != "/v1/events") {
		h.reject(w, "unknown", http.StatusNotFound, reasonUnknown, fmt.Sprintf("unknown source %q (want one of %s)", source, strings.Join(SourceNames(), ", ")), -1)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.reject(w, source, http.StatusRequestEntityTooLarge, reasonTooLarge, fmt.Sprintf("body larger than %d bytes", h.cfg.MaxBodyBytes), -1)
			return
		}
		h.reject(w, source, http.StatusBadRequest, reasonMalformed, "reading body: "+err.Error(), -1)
		return
	}
	a := h.auth(source)
	if a.Mode != AuthNone && (a.Secret == "" || !authenticate(a, r, body)) {
		h.log.Info("ingest request unauthorized", "source", source, "remote", r.RemoteAddr)
		h.reject(w, source, http.StatusUnauthorized, reasonUnauthorized, "missing or wrong credentials", -1)
		return
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		h.reject(w, source, http.StatusUnsupportedMediaType, reasonContentType, fmt.Sprintf("content type %q is not JSON", r.Header.Get("Content-Type")), -1)
		return
	}
	now := h.now().UTC()
	var events []schemas.IdentityEvent
	if source == SourceGeneric && r.Header.Get("Ce-Specversion") != "" {
		if v := r.Header.Get("Ce-Specversion"); v != "1.0" {
			h.reject(w, source, http.StatusBadRequest, reasonShape, fmt.Sprintf("ce-specversion %q (want 1.0)", v), -1)
			return
		}
		attrs := CloudEventAttrs{ID: r.Header.Get("Ce-Id"), Source: r.Header.Get("Ce-Source"), Type: r.Header.Get("Ce-Type"), Time: r.Header.Get("Ce-Time")}
		events, err = ParseCloudEventBinary(attrs, body, now)
	} else {
		events, err = parser.Parse(body, now)
	}
	if err != nil {
		status, reason := http.StatusBadRequest, reasonShape
		switch {
		case errors.Is(err, ErrMalformed):
			reason = reasonMalformed
		case errors.Is(err, ErrMissingField):
			reason = reasonMissing
		case errors.Is(err, ErrEmpty):
			reason = reasonEmpty
		}
		index := -1
		var ee *EventError
		if errors.As(err, &ee) {
			index = ee.Index
		}
		h.reject(w, source, status, reason, err.Error(), index)
		return
	}
	if err := h.prod.Produce(r.Context(), events); err != nil {
		if errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			h.log.Warn("ingest batch not acknowledged", "source", source, "events", len(events), "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
			h.reject(w, source, http.StatusServiceUnavailable, reasonUnavailable, "kafka unavailable; retry the whole request", -1)
			return
		}
		h.log.Error("ingest produce failed", "source", source, "events", len(events), "err", err)
		h.reject(w, source, http.StatusInternalServerError, reasonInternal, "internal error; nothing was acknowledged", -1)
		return
	}
	h.m.events.WithLabelValues(source).Add(float64(len(events)))
	h.m.requests.WithLabelValues(source, "200").Inc()
	h.m.latency.WithLabelValues(source).Observe(h.now().Sub(start).Seconds())
	if source == SourceOkta {
		w.WriteHeader(http.StatusOK) // Okta wants 200 or 204 with an empty body
		return
	}
	writeJSON(w, http.StatusOK, acceptedBody{Accepted: len(events)})
}

func (h *handler) reject(w http.ResponseWriter, source string, status int, reason, msg string, index int) {
	h.m.requests.WithLabelValues(source, strconv.Itoa(status)).Inc()
	h.m.rejects.WithLabelValues(source, reason).Inc()
	body := errorBody{Error: msg}
	if index >= 0 {
		body.Index = &index
	}
	writeJSON(w, status, body)
}

// jsonContentType accepts JSON media types (application/json, application/*+json such as
// application/cloudevents+json) and a missing header; anything else is 415.
func jsonContentType(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) || mt == "text/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
