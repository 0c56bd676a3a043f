package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
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

// BatchProducer is a Producer that also dead-letters. ProduceBatch must return nil only
// after the events and the dead-letter records of rejected were all acknowledged; an event
// that cannot become a record within the message limit is a *TooLargeError, returned before
// anything is produced. The handler uses it when its Producer has it (KafkaProducer does);
// with a plain Producer a request with one unreadable item is refused whole, as nothing
// could keep that item.
type BatchProducer interface {
	Producer
	ProduceBatch(ctx context.Context, events []schemas.IdentityEvent, rejected []Rejected) error
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
	reasonInvalid      = "invalid_field"
	reasonTimeout      = "timeout"
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

// answerBody is the JSON body of an ingest whose items were judged one by one: 200 when
// some events were accepted, 400 when none was (then Error and Index name the first
// rejected item). Every rejected item was dead-lettered before the answer.
type answerBody struct {
	Error           string          `json:"error,omitempty"`
	Index           *int            `json:"index,omitempty"`
	Accepted        int             `json:"accepted"`
	Rejected        int             `json:"rejected"`
	RejectedIndexes []int           `json:"rejected_indexes"`
	Errors          []itemErrorBody `json:"errors"`
}

// itemErrorBody names one rejected item of a batch.
type itemErrorBody struct {
	Index int    `json:"index"`
	Error string `json:"error"`
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
// read there).
//
// Every item of a request has exactly one fate. A good item's events go to the events
// topic; an item that cannot be read or fails validation (see validateEvent) goes to the
// DLQ (stage ingest) with its bytes as received, its index and the reason. The answer is
// 200 {"accepted","rejected","rejected_indexes","errors"} once Kafka acknowledged both
// (Okta too: a sender that never retries a 4xx, like Okta, loses nothing when one event of
// its delivery is bad), 400 with the same body when no item was good, and 503 with
// Retry-After, nothing acknowledged, when either produce failed. A body that is not JSON or
// not a batch shape at all is 400 for the whole request; a missing or wrong secret is 401
// before the body is read (HMAC, which needs the body, after reading it bounded by
// max_body_bytes); a body over max_body_bytes is 413, one slower than the read timeout
// 408. No input yields a 5xx: an event too large for a Kafka record has its raw payload
// truncated (attribute raw_truncated), and is dead-lettered when even that does not fit.
func NewHandler(cfg Config, p Producer, reg prometheus.Registerer, log *slog.Logger) http.Handler {
	cfg.ApplyDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{
		cfg:     cfg,
		parsers: Parsers(cfg.ParserOptions()),
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
	// Everything that can be refused without the body is refused before reading it, so an
	// unauthenticated or oversized request costs no more than its headers. A shared secret
	// is in a header; an HMAC needs the body, which is then read bounded by max_body_bytes
	// and within the server's read timeout.
	a := h.auth(source)
	if a.Mode != AuthNone && a.Secret == "" || a.Mode == AuthSecret && !authenticate(a, r, nil) {
		h.unauthorized(w, r, source)
		return
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		h.reject(w, source, http.StatusUnsupportedMediaType, reasonContentType, fmt.Sprintf("content type %q is not JSON", r.Header.Get("Content-Type")), -1)
		return
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		h.reject(w, source, http.StatusRequestEntityTooLarge, reasonTooLarge, fmt.Sprintf("body of %d bytes is larger than %d bytes (ingest.max_body_bytes)", r.ContentLength, h.cfg.MaxBodyBytes), -1)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		var nerr net.Error
		switch {
		case errors.As(err, &tooLarge):
			h.reject(w, source, http.StatusRequestEntityTooLarge, reasonTooLarge, fmt.Sprintf("body larger than %d bytes (ingest.max_body_bytes)", h.cfg.MaxBodyBytes), -1)
		case errors.As(err, &nerr) && nerr.Timeout():
			h.reject(w, source, http.StatusRequestTimeout, reasonTimeout, fmt.Sprintf("body not received within %s (ingest.read_timeout)", h.cfg.ReadTimeout.D()), -1)
		default:
			h.reject(w, source, http.StatusBadRequest, reasonMalformed, "reading body: "+err.Error(), -1)
		}
		return
	}
	if a.Mode == AuthHMAC && !authenticate(a, r, body) {
		h.unauthorized(w, r, source)
		return
	}
	now := h.now().UTC()
	var batch Batch
	if source == SourceGeneric && r.Header.Get("Ce-Specversion") != "" {
		if v := r.Header.Get("Ce-Specversion"); v != "1.0" {
			h.reject(w, source, http.StatusBadRequest, reasonShape, fmt.Sprintf("ce-specversion %q (want 1.0)", v), -1)
			return
		}
		attrs := CloudEventAttrs{ID: r.Header.Get("Ce-Id"), Source: r.Header.Get("Ce-Source"), Type: r.Header.Get("Ce-Type"), Time: r.Header.Get("Ce-Time")}
		batch, err = parseCloudEventBinaryBatch(attrs, body, now)
	} else {
		batch, err = parser.ParseBatch(body, now)
	}
	if err != nil {
		h.reject(w, source, http.StatusBadRequest, reasonOf(err), err.Error(), -1)
		return
	}
	dropReserved(batch.Events)
	if err := h.deliver(r.Context(), source, &batch); err != nil {
		var tooLarge *TooLargeError
		switch {
		case errors.As(err, &tooLarge):
			// Only without a DLQ: the item could not be dead-lettered.
			h.reject(w, source, http.StatusRequestEntityTooLarge, reasonTooLarge, tooLarge.Error(), batch.Origin[tooLarge.Event])
		case errors.Is(err, ErrTooLarge):
			h.reject(w, source, http.StatusRequestEntityTooLarge, reasonTooLarge, err.Error(), -1)
		case errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			h.log.Warn("ingest batch not acknowledged", "source", source, "events", len(batch.Events), "rejected", len(batch.Failed), "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
			h.reject(w, source, http.StatusServiceUnavailable, reasonUnavailable, "kafka unavailable; retry the whole request", -1)
		case errors.Is(err, errNoDeadLetters):
			// A Producer that cannot dead-letter: the old all-or-nothing answer.
			first := batch.Failed[0]
			h.reject(w, source, http.StatusBadRequest, reasonOf(first), first.Error(), first.Index)
		default:
			h.log.Error("ingest produce failed", "source", source, "events", len(batch.Events), "err", err)
			h.reject(w, source, http.StatusInternalServerError, reasonInternal, "internal error; nothing was acknowledged", -1)
		}
		return
	}
	ans := answerBody{Accepted: len(batch.Events), Rejected: len(batch.Failed), RejectedIndexes: []int{}, Errors: []itemErrorBody{}}
	for _, f := range batch.Failed {
		ans.RejectedIndexes = append(ans.RejectedIndexes, f.Index)
		ans.Errors = append(ans.Errors, itemErrorBody{Index: f.Index, Error: f.Err.Error()})
		h.m.deadLetters.WithLabelValues(source, reasonOf(f)).Inc()
	}
	if len(batch.Failed) > 0 {
		h.log.Warn("ingest items dead-lettered", "source", source, "accepted", len(batch.Events), "rejected", len(batch.Failed), "indexes", ans.RejectedIndexes, "first_error", batch.Failed[0].Error())
	}
	h.m.events.WithLabelValues(source).Add(float64(len(batch.Events)))
	h.m.latency.WithLabelValues(source).Observe(h.now().Sub(start).Seconds())
	status := http.StatusOK
	if len(batch.Events) == 0 {
		// Nothing in the request could be stored (every item is in the DLQ): tell the
		// sender, naming the first item.
		status = http.StatusBadRequest
		ans.Error, ans.Index = batch.Failed[0].Error(), &batch.Failed[0].Index
		h.m.rejects.WithLabelValues(source, reasonOf(batch.Failed[0])).Inc()
	}
	h.m.requests.WithLabelValues(source, strconv.Itoa(status)).Inc()
	writeJSON(w, status, ans)
}

// errNoDeadLetters means the Producer cannot dead-letter and the batch has failed items.
var errNoDeadLetters = errors.New("producer cannot dead-letter")

// deliver produces the batch's events and the dead-letter records of its failed items, all
// or nothing. An event whose record cannot fit the Kafka message limit even with raw
// truncated turns its item into a failed item, and the batch is delivered again (nothing
// was produced yet).
func (h *handler) deliver(ctx context.Context, source string, b *Batch) error {
	bp, ok := h.prod.(BatchProducer)
	if !ok {
		if len(b.Failed) > 0 {
			return errNoDeadLetters
		}
		return h.prod.Produce(ctx, b.Events)
	}
	for {
		rejected := make([]Rejected, len(b.Failed))
		for i, f := range b.Failed {
			rejected[i] = Rejected{Source: source, Index: f.Index, Raw: f.Raw, Err: f}
		}
		err := bp.ProduceBatch(ctx, b.Events, rejected)
		var tooLarge *TooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Event < 0 || tooLarge.Event >= len(b.Events) {
			return err
		}
		b.reject(b.Origin[tooLarge.Event], tooLarge)
	}
}

func (h *handler) unauthorized(w http.ResponseWriter, r *http.Request, source string) {
	h.log.Info("ingest request unauthorized", "source", source, "remote", r.RemoteAddr)
	h.reject(w, source, http.StatusUnauthorized, reasonUnauthorized, "missing or wrong credentials", -1)
}

// reasonOf is the reject reason of a parse or validation failure.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrMalformed):
		return reasonMalformed
	case errors.Is(err, ErrMissingField):
		return reasonMissing
	case errors.Is(err, ErrEmpty):
		return reasonEmpty
	case errors.Is(err, ErrInvalidField):
		return reasonInvalid
	case errors.Is(err, ErrTooLarge):
		return reasonTooLarge
	default:
		return reasonShape
	}
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
