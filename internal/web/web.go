// Package web is tollgate's web console: open findings by severity with filters, a
// finding's page (evidence events with their redacted raw payloads, the ticket, the grant
// row, a timeline, what it means and what to do) with the triage actions, a principal's
// page, lane volume over time, and the TRIAGE and dead-letter queues. Pages are Go
// templates rendered on the server from files embedded in the binary; they need no script
// and fetch nothing from elsewhere. Every read goes through the read-only query path.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	tkafka "github.com/tollgate-io/tollgate/internal/kafka"
	"github.com/tollgate-io/tollgate/schemas"
)

//go:embed templates/*.html static/*
var files embed.FS

// Auditor is what the console reads findings and triage from and records decisions with
// (*auditor.Auditor).
type Auditor interface {
	Findings(ctx context.Context, f auditor.FindingFilter) ([]schemas.Finding, error)
	Triages(ctx context.Context, ids []string) (map[string]auditor.TriageState, error)
	Triage(ctx context.Context, d auditor.TriageDecision) (auditor.TriageDecision, error)
	Principals(ctx context.Context, account string) ([]auditor.Principal, error)
	Now() time.Time
}

// Options are a console's dependencies.
type Options struct {
	Auditor Auditor
	// Query runs one read-only statement (the same check and settings as tollgate query).
	Query func(ctx context.Context, sql string) (*clickhouse.QueryResult, error)
	// DeadLetters returns up to n of the newest dead letters; nil when the console has
	// no Kafka to read them from.
	DeadLetters func(ctx context.Context, n int) ([]kafka.Message, error)
	// Auth authenticates; nil is a loopback console.
	Auth *Auth
	// DefaultActor prefills who decides on a loopback console (e.g. $USER).
	DefaultActor string
	Log          *slog.Logger
}

// Server serves the console's pages under /ui/.
type Server struct {
	o     Options
	pages map[string]*template.Template
}

// severities in the order the console lists them.
var severities = []schemas.Severity{schemas.SeverityCritical, schemas.SeverityHigh, schemas.SeverityMedium, schemas.SeverityLow}

var pageNames = []string{"findings", "finding", "principal", "queues", "login"}

var funcs = template.FuncMap{
	"lower": strings.ToLower,
	"list":  func(s ...string) []string { return s },
	"short": func(s string) string { return s[:min(12, len(s))] },
	"when":  func(t any) string { return format(t) },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"sevclass":     func(s schemas.Severity) string { return "sev-" + strings.ToLower(string(s)) },
	"principalURL": func(p string) string { return "/ui/principal?id=" + url.QueryEscape(p) },
	"findingURL":   func(id string) string { return "/ui/findings/" + url.PathEscape(id) },
	"triageText": func(t auditor.TriageState) string {
		switch {
		case t.State == "" && t.Expired:
			return "risk acceptance expired"
		case t.Latest == nil || t.State == "":
			return ""
		}
		return decisionText(*t.Latest)
	},
}

// New parses the console's templates.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		s.pages[name] = t
	}
	return s, nil
}

// Mount adds the console's pages to mux.
func (s *Server) Mount(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/findings", http.StatusSeeOther) })
	mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/findings", http.StatusSeeOther) })
	mux.HandleFunc("GET /ui/findings", s.findings)
	mux.HandleFunc("GET /ui/findings/{id}", s.finding)
	mux.HandleFunc("POST /ui/findings/{id}/triage", s.triage)
	mux.HandleFunc("GET /ui/principal", s.principal)
	mux.HandleFunc("GET /ui/queues", s.queues)
	mux.HandleFunc("GET /ui/login", s.login)
	mux.HandleFunc("POST /ui/login", s.loginPost)
	mux.HandleFunc("GET /ui/oidc/callback", s.oidcCallback)
	mux.HandleFunc("POST /ui/logout", s.logout)
}

// page is what every template receives.
type page struct {
	Title    string
	Nav      string
	Actor    string // the signed-in name; "" on a loopback console
	Loopback bool
	OIDC     bool
	Flash    string
	Error    string
	Data     any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	p.Actor = ActorFrom(r.Context())
	p.Loopback = s.o.Auth.Loopback()
	p.OIDC = s.o.Auth != nil && s.o.Auth.oidc != nil
	if p.Flash == "" {
		p.Flash = r.URL.Query().Get("done")
	}
	var b strings.Builder
	if err := s.pages[name].Execute(&b, p); err != nil {
		s.o.Log.Error("console page failed to render", "page", name, "err", err)
		refuse(w, r, http.StatusInternalServerError, "the page failed to render; the server log has the details")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// ValidValue reports a value a page or the console's JSON API can look up: valid UTF-8 without control characters.
// Ids of every vendor are printable; anything else is a bad request, not a lookup.
func ValidValue(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// badValue answers a request whose value cannot be an id.
func (s *Server) badValue(w http.ResponseWriter, r *http.Request, what string) {
	s.render(w, r, http.StatusBadRequest, "queues", page{Title: "Bad request", Error: what + " is not valid UTF-8 text without control characters"})
}

// unavailable answers a failed read: the store is down or the query failed. A query the
// read-only check refused is the request's fault, not the store's.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, clickhouse.ErrNotReadOnly) || errors.Is(err, clickhouse.ErrBadSQL) {
		s.o.Log.Warn("console read refused", "what", what, "err", err)
		s.render(w, r, http.StatusBadRequest, "queues", page{Title: "Bad request", Error: what + " cannot be looked up for this request"})
		return
	}
	s.o.Log.Error("console read failed", "what", what, "err", err)
	s.render(w, r, http.StatusServiceUnavailable, "queues", page{Title: "Unavailable", Error: what + " cannot be read right now; the server log has the details"})
}

type findingsData struct {
	Findings   []listed
	Counts     map[schemas.Severity]int
	Severities []schemas.Severity
	Kinds      []string
	Filter     findingsFilter
	Chart      laneChart
	Truncated  bool
}

type findingsFilter struct {
	Status, Severity, Kind, Principal, Triage string
}

const listLimit = 1000

func (s *Server) findings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := findingsFilter{Status: strings.ToUpper(q.Get("status")), Severity: strings.ToUpper(q.Get("severity")),
		Kind: strings.ToUpper(q.Get("kind")), Principal: q.Get("principal"), Triage: strings.ToUpper(q.Get("triage"))}
	if f.Status == "" {
		f.Status = "OPEN"
	}
	for _, v := range []string{f.Status, f.Severity, f.Kind, f.Principal, f.Triage} {
		if !ValidValue(v) {
			s.badValue(w, r, "a filter")
			return
		}
	}
	var problems []string
	filter := auditor.FindingFilter{Kind: f.Kind, Principal: f.Principal, Limit: listLimit}
	switch f.Status {
	case "OPEN", "RESOLVED":
		filter.Status = schemas.FindingStatus(f.Status)
	case "ALL":
	default:
		problems = append(problems, "status "+strconv.Quote(f.Status)+" is not OPEN, RESOLVED or ALL")
		f.Status = "OPEN"
		filter.Status = schemas.FindingOpen
	}
	if f.Kind != "" && !slices.Contains(auditor.Kinds(), f.Kind) {
		problems = append(problems, "kind "+strconv.Quote(f.Kind)+" is not a finding kind")
		filter.Kind, f.Kind = "", ""
	}
	if f.Severity != "" && !slices.Contains(severities, schemas.Severity(f.Severity)) {
		problems = append(problems, "severity "+strconv.Quote(f.Severity)+" is not a severity")
		f.Severity = ""
	}
	if f.Triage != "" && f.Triage != "UNTRIAGED" && !slices.Contains(auditor.TriageActions, auditor.TriageAction(f.Triage)) {
		problems = append(problems, "triage "+strconv.Quote(f.Triage)+" is not a triage state")
		f.Triage = ""
	}
	fs, err := s.o.Auditor.Findings(r.Context(), filter)
	if err != nil {
		s.unavailable(w, r, "findings", err)
		return
	}
	all, err := s.withTriage(r.Context(), fs)
	if err != nil {
		s.unavailable(w, r, "triage decisions", err)
		return
	}
	d := findingsData{Counts: map[schemas.Severity]int{}, Severities: severities, Kinds: auditor.Kinds(), Filter: f, Truncated: len(fs) == listLimit}
	for _, l := range all {
		d.Counts[l.Severity]++
		if f.Severity != "" && string(l.Severity) != f.Severity {
			continue
		}
		if f.Triage == "UNTRIAGED" && l.Triage.State != "" || f.Triage != "" && f.Triage != "UNTRIAGED" && string(l.Triage.State) != f.Triage {
			continue
		}
		d.Findings = append(d.Findings, l)
	}
	volume, err := s.rows(r.Context(), laneVolumeSQL)
	if err != nil {
		s.unavailable(w, r, "lane volume", err)
		return
	}
	d.Chart = buildLaneChart(volume)
	s.render(w, r, http.StatusOK, "findings", page{Title: "Findings", Nav: "findings", Error: strings.Join(problems, "; "), Data: d})
}

type findingData struct {
	Finding   schemas.Finding
	Triage    auditor.TriageState
	Advice    string
	Evidence  []row
	Missing   []string
	Ticket    row
	Grant     row
	Timeline  []timelineEntry
	Actions   []auditor.TriageAction
	Actor     string
	Truncated bool
}

func (s *Server) finding(w http.ResponseWriter, r *http.Request) {
	s.renderFinding(w, r, http.StatusOK, "")
}

func (s *Server) renderFinding(w http.ResponseWriter, r *http.Request, code int, problem string) {
	id := r.PathValue("id")
	if !ValidValue(id) {
		s.badValue(w, r, "the finding id")
		return
	}
	fs, err := s.o.Auditor.Findings(r.Context(), auditor.FindingFilter{ID: id, Limit: 2})
	if err != nil {
		s.unavailable(w, r, "the finding", err)
		return
	}
	var f *schemas.Finding
	for i := range fs {
		if fs[i].FindingID == id {
			f = &fs[i]
		}
	}
	if f == nil {
		s.render(w, r, http.StatusNotFound, "queues", page{Title: "No such finding", Error: "no finding " + strconv.Quote(id)})
		return
	}
	ts, err := s.o.Auditor.Triages(r.Context(), []string{f.FindingID})
	if err != nil {
		s.unavailable(w, r, "triage decisions", err)
		return
	}
	d := findingData{Finding: *f, Triage: ts[f.FindingID], Advice: auditor.Advice(f.Kind), Actions: auditor.TriageActions, Actor: s.o.DefaultActor}
	ids := f.EventIDs[:min(maxEvidence, len(f.EventIDs))]
	d.Truncated = len(ids) < len(f.EventIDs)
	if len(ids) > 0 {
		if d.Evidence, err = s.rows(r.Context(), evidenceSQL(ids)); err != nil {
			s.unavailable(w, r, "evidence events", err)
			return
		}
		for _, id := range ids {
			if !slices.ContainsFunc(d.Evidence, func(e row) bool { return e.Str("event_id") == id }) && id != "" {
				d.Missing = append(d.Missing, id)
			}
		}
	}
	if f.TicketID != nil && *f.TicketID != "" {
		t, err := s.rows(r.Context(), ticketSQL(*f.TicketID))
		if err != nil {
			s.unavailable(w, r, "the ticket", err)
			return
		}
		if len(t) > 0 {
			d.Ticket = t[0]
		}
	}
	if f.Entitlement != nil && *f.Entitlement != "" {
		g, err := s.rows(r.Context(), grantSQL(f.Principal, *f.Entitlement))
		if err != nil {
			s.unavailable(w, r, "the grant", err)
			return
		}
		if len(g) > 0 {
			d.Grant = g[0]
		}
	}
	d.Timeline = timeline(*f, d.Evidence, d.Triage)
	s.render(w, r, code, "finding", page{Title: f.Kind + " · " + f.Principal, Nav: "findings", Error: problem, Data: d})
}

func (s *Server) triage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderFinding(w, r, http.StatusBadRequest, "the form did not parse: "+err.Error())
		return
	}
	dec := auditor.TriageDecision{FindingID: r.PathValue("id"), Action: auditor.TriageAction(r.PostForm.Get("action")),
		Actor: strings.TrimSpace(r.PostForm.Get("by")), Assignee: strings.TrimSpace(r.PostForm.Get("assignee")),
		Owner: strings.TrimSpace(r.PostForm.Get("owner")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	if actor := ActorFrom(r.Context()); actor != "" {
		dec.Actor = actor // a signed-in console records who signed in, whatever the form says
	}
	if u := strings.TrimSpace(r.PostForm.Get("until")); u != "" {
		t, err := parseUntil(u)
		if err != nil {
			s.renderFinding(w, r, http.StatusBadRequest, "until: "+err.Error())
			return
		}
		dec.Until = &t
	}
	stored, err := s.o.Auditor.Triage(r.Context(), dec)
	switch {
	case errors.Is(err, auditor.ErrInvalidTriage):
		s.renderFinding(w, r, http.StatusBadRequest, strings.TrimPrefix(err.Error(), auditor.ErrInvalidTriage.Error()+": "))
		return
	case errors.Is(err, auditor.ErrUnknownFinding):
		s.render(w, r, http.StatusNotFound, "queues", page{Title: "No such finding", Error: "no finding " + strconv.Quote(dec.FindingID)})
		return
	case err != nil:
		s.o.Log.Error("triage write failed", "err", err)
		s.renderFinding(w, r, http.StatusServiceUnavailable, "the decision was not recorded; the server log has the details")
		return
	}
	s.o.Log.Info("triage decision recorded", "finding", stored.FindingID, "action", stored.Action, "actor", stored.Actor)
	// Post/redirect/get: a reload does not post the decision twice.
	http.Redirect(w, r, "/ui/findings/"+url.PathEscape(stored.FindingID)+"?done="+url.QueryEscape(string(stored.Action)+" recorded"), http.StatusSeeOther)
}

// parseUntil reads an expiry: RFC 3339, a datetime-local value (UTC) or a date.
func parseUntil(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New(strconv.Quote(s) + " is not a date (2026-01-02) or a time (2026-01-02T15:04, RFC 3339)")
}

type principalData struct {
	ID string
	// Identities are the identity the resolver joins the principal into, with every
	// account and why it belongs (auditor.Principals).
	Identities  []auditor.Principal
	Findings    []listed
	Grants      []row
	Credentials []row
	Tickets     []row
	Events      []row
}

func (s *Server) principal(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		s.render(w, r, http.StatusBadRequest, "queues", page{Title: "Principal", Error: "give a principal id as ?id="})
		return
	}
	if !ValidValue(id) {
		s.badValue(w, r, "the principal id")
		return
	}
	d := principalData{ID: id}
	ids, err := s.o.Auditor.Principals(r.Context(), id)
	if err != nil {
		s.unavailable(w, r, "identities", err)
		return
	}
	d.Identities = ids
	fs, err := s.o.Auditor.Findings(r.Context(), auditor.FindingFilter{Principal: id, Limit: listLimit})
	if err != nil {
		s.unavailable(w, r, "findings", err)
		return
	}
	if d.Findings, err = s.withTriage(r.Context(), fs); err != nil {
		s.unavailable(w, r, "triage decisions", err)
		return
	}
	for _, q := range []struct {
		into *[]row
		sql  string
		what string
	}{{&d.Grants, principalGrantsSQL(id), "grants"}, {&d.Credentials, principalCredentialsSQL(id), "credentials"},
		{&d.Tickets, principalTicketsSQL(id), "tickets"}, {&d.Events, principalEventsSQL(id), "events"}} {
		if *q.into, err = s.rows(r.Context(), q.sql); err != nil {
			s.unavailable(w, r, q.what, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "principal", page{Title: id, Nav: "findings", Data: d})
}

type queuesData struct {
	Triage         []row
	DeadLetters    []deadLetter
	DLQUnavailable string
}

type deadLetter struct {
	Time      time.Time
	Stage     string
	Error     string
	Origin    string
	Key       string
	Value     string
	Truncated bool
}

const maxDeadLetters = 100

func (s *Server) queues(w http.ResponseWriter, r *http.Request) {
	var d queuesData
	var err error
	if d.Triage, err = s.rows(r.Context(), triageQueueSQL); err != nil {
		s.unavailable(w, r, "the TRIAGE queue", err)
		return
	}
	if s.o.DeadLetters == nil {
		d.DLQUnavailable = "this console has no Kafka to read the dead-letter topic from"
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		msgs, err := s.o.DeadLetters(ctx, maxDeadLetters)
		cancel()
		if err != nil {
			s.o.Log.Error("dead letters unreadable", "err", err)
			d.DLQUnavailable = "the dead-letter topic cannot be read right now; the server log has the details"
		}
		for _, m := range msgs {
			dl := deadLetter{Time: m.Time, Key: string(m.Key)}
			for _, h := range m.Headers {
				switch h.Key {
				case tkafka.DLQHeaderStage:
					dl.Stage = string(h.Value)
				case tkafka.DLQHeaderError:
					dl.Error = string(h.Value)
				case tkafka.DLQHeaderTopic:
					dl.Origin = string(h.Value) + dl.Origin
				case tkafka.DLQHeaderPartition:
					dl.Origin += "/" + string(h.Value)
				case tkafka.DLQHeaderOffset:
					dl.Origin += "@" + string(h.Value)
				}
			}
			dl.Value, dl.Truncated = printable(m.Value, 2000)
			d.DeadLetters = append(d.DeadLetters, dl)
		}
	}
	s.render(w, r, http.StatusOK, "queues", page{Title: "Queues", Nav: "queues", Data: d})
}

// printable is b as text for a page, cut at n bytes, with bytes that are not printable
// UTF-8 shown as U+FFFD (the dead letter's raw bytes stay untouched on the topic).
func printable(b []byte, n int) (string, bool) {
	cut := len(b) > n
	s := strings.ToValidUTF8(string(b[:min(n, len(b))]), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
	return s, cut
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s.o.Auth.Loopback() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if s.o.Auth.oidc != nil && len(s.o.Auth.tokens) == 0 {
		s.o.Auth.beginOIDC(w, r, next)
		return
	}
	if s.o.Auth.oidc != nil && r.URL.Query().Get("with") == "oidc" {
		s.o.Auth.beginOIDC(w, r, next)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: next})
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	if s.o.Auth.Loopback() || len(s.o.Auth.tokens) == 0 {
		refuse(w, r, http.StatusNotFound, "this console does not sign in with tokens")
		return
	}
	_ = r.ParseForm()
	next := safeNext(r.PostForm.Get("next"))
	name, ok := s.o.Auth.checkToken(r.PostForm.Get("token"))
	if !ok {
		s.o.Log.Warn("console sign-in refused: unknown token", "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Error: "that token is not one of this console's", Data: next})
		return
	}
	s.o.Auth.startSession(w, r, name)
	s.o.Log.Info("console sign-in", "actor", name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.o.Auth == nil || s.o.Auth.oidc == nil {
		refuse(w, r, http.StatusNotFound, "this console does not sign in with OpenID Connect")
		return
	}
	email, next, err := s.o.Auth.finishOIDC(w, r)
	if err != nil {
		s.o.Log.Warn("console sign-in refused", "err", err)
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Error: err.Error(), Data: "/ui/findings"})
		return
	}
	s.o.Auth.startSession(w, r, email)
	s.o.Log.Info("console sign-in", "actor", email)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.o.Auth.Loopback() {
		s.o.Auth.endSession(w, r)
	}
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
