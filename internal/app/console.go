package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/schemas"
)

// The console is how `tollgate findings` and `tollgate query` reach the embedded engine
// while `tollgate up` runs: the engine locks its data directory, so a second process cannot
// open it, and the running process answers for it instead. It serves loopback clients only.
const (
	consoleFindingsPath = "/v1/console/findings"
	consoleQueryPath    = "/v1/console/query"
)

// QueryResult is a read-only query's answer: columns in order and rows as maps.
type QueryResult struct {
	Columns []string      `json:"columns"`
	Rows    []auditor.Row `json:"rows"`
}

// MountConsole serves the console on mux for the store the process runs.
func MountConsole(mux *http.ServeMux, store auditor.Store, a *auditor.Auditor) {
	mux.HandleFunc("GET "+consoleFindingsPath, loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := auditor.FindingFilter{Status: schemas.FindingStatus(q.Get("status")), Kind: q.Get("kind"), Principal: q.Get("principal")}
		f.Limit, _ = strconv.Atoi(q.Get("limit"))
		if s := q.Get("since"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				writeJSONError(w, http.StatusBadRequest, "since: "+err.Error())
				return
			}
			f.Since = t
		}
		fs, err := a.Findings(r.Context(), f)
		if err != nil {
			writeJSONError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, fs)
	}))
	mux.HandleFunc("POST "+consoleQueryPath, loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, err.Error())
			return
		}
		res, err := ReadOnlyQuery(r.Context(), store, string(body))
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, res)
	}))
}

// ReadOnlyQuery checks and runs one SELECT, returning its columns in order (store rows are
// maps, so DESCRIBE supplies the order).
func ReadOnlyQuery(ctx context.Context, s auditor.Store, sql string) (*QueryResult, error) {
	if err := auditor.CheckReadOnly(sql); err != nil {
		return nil, err
	}
	desc, err := s.Query(ctx, "DESCRIBE (SELECT * FROM (\n"+strings.TrimRight(strings.TrimSpace(sql), ";")+"\n))")
	if err != nil {
		return nil, err
	}
	res := &QueryResult{Columns: make([]string, len(desc))}
	for i, r := range desc {
		res.Columns[i] = r.String("name")
	}
	if res.Rows, err = auditor.RunReadOnly(ctx, s, sql); err != nil {
		return nil, err
	}
	return res, nil
}

func loopbackOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			writeJSONError(w, http.StatusForbidden, "the console answers loopback clients only")
			return
		}
		h(w, r)
	}
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
	base string
	hc   *http.Client
}

// FindConsole returns a client when a tollgate up answers at the configured ingest address
// of this machine, else nil.
func FindConsole(ctx context.Context, cfg *Config) *Console {
	_, port, err := net.SplitHostPort(cfg.Ingest.Listen)
	if err != nil || cfg.ClickHouse.Mode != "embedded" {
		return nil
	}
	c := &Console{base: "http://127.0.0.1:" + port, hc: &http.Client{Timeout: 60 * time.Second}}
	pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(pctx, http.MethodGet, c.base+consoleFindingsPath+"?limit=1", nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return c
}

// Findings asks the running process for findings.
func (c *Console) Findings(ctx context.Context, f auditor.FindingFilter) ([]schemas.Finding, error) {
	q := url.Values{}
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

func (c *Console) do(ctx context.Context, method, path string, body []byte, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("tollgate up console: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s", e.Error)
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	return dec.Decode(into)
}
