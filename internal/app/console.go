package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/internal/web"
	"github.com/tollgate-io/tollgate/schemas"
)

// The console is how `tollgate findings` and `tollgate query` reach the embedded engine
// while `tollgate up` runs: the engine locks its data directory, so a second process cannot
// open it, and the running process answers for it instead. It has a listener of its own,
// bound to loopback (console.listen), never the ingest listener: a reverse proxy in front
// of ingest cannot reach it, and a request that carries proxy headers is refused anyway.
const (
	consoleFindingsPath = "/v1/console/findings"
	consoleQueryPath    = "/v1/console/query"
	consoleTriagePath   = "/v1/console/triage"
	consoleIdentityPath = "/v1/console/identities"
)

// ConsoleTokenEnv names the environment variable holding the token the CLI sends to a
// console that authenticates (console.auth.tokens).
const ConsoleTokenEnv = "TOLLGATE_CONSOLE_TOKEN"

// QueryResult is a read-only query's answer: columns in order and rows as maps.
type QueryResult = clickhouse.QueryResult

// ConsoleOptions are what a console needs beside its stores.
type ConsoleOptions struct {
	// Auth authenticates (ConsoleAuth); nil is a loopback console.
	Auth *web.Auth
	// DeadLetters reads the newest dead letters (nil: the queues page says it cannot).
	DeadLetters func(ctx context.Context, n int) ([]kafkago.Message, error)
	// DefaultActor prefills "who decides" on a loopback console.
	DefaultActor string
	Log          *slog.Logger
}

// ConsoleHandler serves the console for the auditor a and the query store q (opened with
// OpenQueryStore): the web pages under /ui/ and the CLI's JSON API under /v1/console/, both
// behind o.Auth. Engine errors are logged in full and answered in short.
func ConsoleHandler(q *Store, a *auditor.Auditor, o ConsoleOptions) (http.Handler, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "console")
	mux := http.NewServeMux()
	ui, err := web.New(web.Options{Auditor: a, Auth: o.Auth, DeadLetters: o.DeadLetters, DefaultActor: o.DefaultActor, Log: log,
		Query: func(ctx context.Context, sql string) (*clickhouse.QueryResult, error) {
			return ReadOnlyQuery(ctx, q, sql, log)
		}})
	if err != nil {
		return nil, err
	}
	ui.Mount(mux)
	mux.HandleFunc("GET "+consoleFindingsPath, func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		for _, key := range []string{"id", "status", "kind", "principal"} {
			if !web.ValidValue(v.Get(key)) {
				writeJSONError(w, http.StatusBadRequest, key+": not valid UTF-8 text without control characters")
				return
			}
		}
		f := auditor.FindingFilter{ID: v.Get("id"), Status: schemas.FindingStatus(v.Get("status")), Kind: v.Get("kind"), Principal: v.Get("principal")}
		f.Limit, _ = strconv.Atoi(v.Get("limit"))
		if s := v.Get("since"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				writeJSONError(w, http.StatusBadRequest, "since: "+err.Error())
				return
			}
			f.Since = t
		}
		fs, err := a.Findings(r.Context(), f)
		if err != nil {
			log.Error("findings query failed", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "findings are not readable right now; the server log has the details")
			return
		}
		writeJSON(w, fs)
	})
	mux.HandleFunc("POST "+consoleQueryPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			writeJSONError(w, http.StatusRequestEntityTooLarge, "the query is larger than 1 MiB")
			return
		}
		res, err := ReadOnlyQuery(r.Context(), q, string(body), log)
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, clickhouse.ErrUnavailable) {
				status = http.StatusServiceUnavailable
			}
			writeJSONError(w, status, err.Error())
			return
		}
		writeJSON(w, res)
	})
	mux.HandleFunc("GET "+consoleTriagePath, func(w http.ResponseWriter, r *http.Request) {
		ids := r.URL.Query()["id"]
		if len(ids) == 0 || len(ids) > 1000 {
			writeJSONError(w, http.StatusBadRequest, "give 1 to 1000 finding ids as ?id=")
			return
		}
		for _, id := range ids {
			if !web.ValidValue(id) {
				writeJSONError(w, http.StatusBadRequest, "id: not valid UTF-8 text without control characters")
				return
			}
		}
		st, err := a.Triages(r.Context(), ids)
		if err != nil {
			log.Error("triage query failed", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "triage decisions are not readable right now; the server log has the details")
			return
		}
		writeJSON(w, st)
	})
	mux.HandleFunc("POST "+consoleTriagePath, func(w http.ResponseWriter, r *http.Request) {
		var d auditor.TriageDecision
		if !decodeJSONPost(w, r, "triage decision", &d) {
			return
		}
		if actor := web.ActorFrom(r.Context()); actor != "" {
			d.Actor = actor // an authenticated client decides as whom it signed in
		}
		stored, err := a.Triage(r.Context(), d)
		switch {
		case errors.Is(err, auditor.ErrInvalidTriage):
			writeJSONError(w, http.StatusBadRequest, err.Error())
		case errors.Is(err, auditor.ErrUnknownFinding):
			writeJSONError(w, http.StatusNotFound, err.Error())
		case err != nil:
			log.Error("triage write failed", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "the decision was not recorded; the server log has the details")
		default:
			writeJSON(w, stored)
		}
	})
	mux.HandleFunc("GET "+consoleIdentityPath, func(w http.ResponseWriter, r *http.Request) {
		account := r.URL.Query().Get("account")
		if !web.ValidValue(account) {
			writeJSONError(w, http.StatusBadRequest, "account: not valid UTF-8 text without control characters")
			return
		}
		ps, err := a.Principals(r.Context(), account)
		if err != nil {
			log.Error("identity query failed", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "identities are not readable right now; the server log has the details")
			return
		}
		writeJSON(w, ps)
	})
	mux.HandleFunc("POST "+consoleIdentityPath, func(w http.ResponseWriter, r *http.Request) {
		var c auditor.IdentityChange
		if !decodeJSONPost(w, r, "identity correction", &c) {
			return
		}
		if actor := web.ActorFrom(r.Context()); actor != "" {
			c.Actor = actor
		}
		stored, err := a.ChangeIdentity(r.Context(), c)
		switch {
		case errors.Is(err, auditor.ErrInvalidIdentityChange):
			writeJSONError(w, http.StatusBadRequest, err.Error())
		case err != nil:
			log.Error("identity correction failed", "err", err)
			writeJSONError(w, http.StatusServiceUnavailable, "the correction was not recorded; the server log has the details")
		default:
			writeJSON(w, stored)
		}
	})
	return o.Auth.Wrap(mux), nil
}

// decodeJSONPost decodes the JSON body of a console POST into v (unknown fields refused,
// 64 KiB at most), answering 403 or 400 itself when it cannot. A page of another site can
// make a browser on this host post a form here, but not with a JSON body (that needs a
// CORS preflight, which the console never grants).
func decodeJSONPost(w http.ResponseWriter, r *http.Request, what string, v any) bool {
	if mt := r.Header.Get("Content-Type"); mt != "application/json" || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		writeJSONError(w, http.StatusForbidden, what+": send it as a JSON body (Content-Type: application/json) from this host")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSONError(w, http.StatusBadRequest, what+": "+err.Error())
		return false
	}
	return true
}

// NewConsole is the console of cfg over the auditor a and the query store q: its
// authenticator from console.auth, the dead letters read from cfg's Kafka, and $USER as
// the loopback console's default actor.
func NewConsole(ctx context.Context, cfg *Config, q *Store, a *auditor.Auditor, log *slog.Logger) (http.Handler, error) {
	auth, err := ConsoleAuth(ctx, &cfg.Console)
	if err != nil {
		return nil, err
	}
	topics := kafka.TopicNames(cfg.Kafka.TopicPrefix)
	actor := os.Getenv("USER")
	if u, err := user.Current(); actor == "" && err == nil {
		actor = u.Username
	}
	return ConsoleHandler(q, a, ConsoleOptions{Auth: auth, DefaultActor: actor, Log: log,
		DeadLetters: func(ctx context.Context, n int) ([]kafkago.Message, error) {
			return kafka.Tail(ctx, cfg.Kafka, topics.DLQ, n)
		}})
}

// ReadOnlyQuery runs one analyst's SELECT on q through clickhouse.RunReadOnly: refused unless
// it reads only the database, run on read-only connections, errors short and sanitized.
func ReadOnlyQuery(ctx context.Context, q *Store, sql string, log *slog.Logger) (*QueryResult, error) {
	return clickhouse.RunReadOnly(ctx, q.ColumnQuerier, sql, log)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Console is a client of a running `tollgate up`'s console.
type Console struct {
	base  string
	token string // TOLLGATE_CONSOLE_TOKEN, for a console with console.auth
	hc    *http.Client
}

// FindConsole returns a client when a tollgate up answers at the configured console address
// of this machine, else nil.
func FindConsole(ctx context.Context, cfg *Config) *Console {
	host, port, err := net.SplitHostPort(cfg.Console.Listen)
	if err != nil || cfg.ClickHouse.Mode != "embedded" {
		return nil
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	c := NewConsoleClient("http://" + net.JoinHostPort(host, port))
	pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(pctx, http.MethodGet, c.base+consoleFindingsPath+"?limit=1", nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return nil
	}
	return c // a console asking for a token answers the next call with a 401 that says so
}

// NewConsoleClient is a client of the console at base (http://host:port).
func NewConsoleClient(base string) *Console {
	return &Console{base: base, token: os.Getenv(ConsoleTokenEnv), hc: &http.Client{Timeout: 60 * time.Second}}
}

// Findings asks the running process for findings.
func (c *Console) Findings(ctx context.Context, f auditor.FindingFilter) ([]schemas.Finding, error) {
	q := url.Values{}
	if f.ID != "" {
		q.Set("id", f.ID)
	}
	q.Set("status", string(f.Status))
	q.Set("kind", f.Kind)
	q.Set("principal", f.Principal)
	q.Set("limit", strconv.Itoa(f.Limit))
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	var out []schemas.Finding
	return out, c.do(ctx, http.MethodGet, consoleFindingsPath+"?"+q.Encode(), nil, &out)
}

// Query asks the running process to run a read-only query.
func (c *Console) Query(ctx context.Context, sql string) (*QueryResult, error) {
	var out QueryResult
	if err := c.do(ctx, http.MethodPost, consoleQueryPath, []byte(sql), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Triage asks the running process to record a triage decision.
func (c *Console) Triage(ctx context.Context, d auditor.TriageDecision) (auditor.TriageDecision, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return auditor.TriageDecision{}, err
	}
	var out auditor.TriageDecision
	return out, c.do(ctx, http.MethodPost, consoleTriagePath, body, &out)
}

// ChangeIdentity asks the running process to record an identity correction.
func (c *Console) ChangeIdentity(ctx context.Context, ch auditor.IdentityChange) (auditor.IdentityChange, error) {
	body, err := json.Marshal(ch)
	if err != nil {
		return auditor.IdentityChange{}, err
	}
	var out auditor.IdentityChange
	return out, c.do(ctx, http.MethodPost, consoleIdentityPath, body, &out)
}

// Principals asks the running process for the identities that join accounts (or the one
// holding account).
func (c *Console) Principals(ctx context.Context, account string) ([]auditor.Principal, error) {
	var out []auditor.Principal
	return out, c.do(ctx, http.MethodGet, consoleIdentityPath+"?"+url.Values{"account": {account}}.Encode(), nil, &out)
}

// Triages asks the running process for the triage state of findings.
func (c *Console) Triages(ctx context.Context, ids []string) (map[string]auditor.TriageState, error) {
	q := url.Values{"id": ids}
	out := map[string]auditor.TriageState{}
	return out, c.do(ctx, http.MethodGet, consoleTriagePath+"?"+q.Encode(), nil, &out)
}

func (c *Console) do(ctx context.Context, method, path string, body []byte, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if method == http.MethodPost && (path == consoleTriagePath || path == consoleIdentityPath) {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("tollgate up console: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("tollgate up console: %s (set %s to a console.auth.tokens token)", e.Error, ConsoleTokenEnv)
		}
		return fmt.Errorf("%s", e.Error)
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	return dec.Decode(into)
}
