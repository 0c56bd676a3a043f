package actionstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Incident is one record of the fake's table.
type Incident struct {
	SysID, Number, State, CorrelationID string
	ShortDescription, Description       string
	CloseCode, CloseNotes               string
	WorkNotes                           []string
}

// ServiceNow is a fake ServiceNow instance serving the Table API for one table:
// GET (sysparm_query correlation_id=…), POST, PATCH; basic auth (User, Password) or a bearer
// Token; ServiceNow's error answers ({"error":{"message","detail"},"status":"failure"}),
// including the data-policy refusal of a resolution without close_code and close_notes.
type ServiceNow struct {
	*httptest.Server
	Faults
	Table          string
	User, Password string
	Token          string
	mu             sync.Mutex
	incidents      []*Incident
	creates        int
}

// NewServiceNow starts a fake instance for table that accepts user:password.
func NewServiceNow(t testing.TB, table, user, password string) *ServiceNow {
	s := &ServiceNow{Table: table, User: user, Password: password}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.Close)
	return s
}

// Creates returns how many records POST created.
func (s *ServiceNow) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Incidents returns copies of the table's records.
func (s *ServiceNow) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, in := range s.incidents {
		out[i] = *in
		out[i].WorkNotes = slices.Clone(in.WorkNotes)
	}
	return out
}

func snowError(w http.ResponseWriter, status int, message, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": message, "detail": detail}, "status": "failure"})
}

func (s *ServiceNow) authorized(r *http.Request) bool {
	if s.Token != "" {
		return r.Header.Get("Authorization") == "Bearer "+s.Token
	}
	u, p, ok := r.BasicAuth()
	return ok && u == s.User && p == s.Password
}

func (in *Incident) record() map[string]string {
	return map[string]string{"sys_id": in.SysID, "number": in.Number, "state": in.State, "description": in.Description}
}

func (s *ServiceNow) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Faults.serve(w) {
		return
	}
	if !s.authorized(r) {
		snowError(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
		return
	}
	base := "/api/now/table/" + s.Table
	rest, ok := strings.CutPrefix(r.URL.Path, base)
	if !ok {
		snowError(w, http.StatusBadRequest, "Invalid table "+strings.TrimPrefix(r.URL.Path, "/api/now/table/"), "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && rest == "":
		q := r.URL.Query().Get("sysparm_query")
		id, ok := strings.CutPrefix(q, "correlation_id=")
		if !ok || strings.ContainsAny(id, "^=") {
			snowError(w, http.StatusBadRequest, "Invalid query", q)
			return
		}
		out := []map[string]string{}
		for _, in := range s.incidents {
			if in.CorrelationID == id {
				out = append(out, in.record())
				break
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": out})
	case r.Method == http.MethodPost && rest == "":
		var body map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			snowError(w, http.StatusBadRequest, "Exception while reading request", "The payload is not valid JSON.")
			return
		}
		s.creates++
		in := &Incident{SysID: fmt.Sprintf("%032x", s.creates), Number: fmt.Sprintf("INC%07d", 10000+s.creates), State: "1",
			CorrelationID: body["correlation_id"], ShortDescription: body["short_description"], Description: body["description"]}
		s.incidents = append(s.incidents, in)
		writeJSON(w, http.StatusCreated, map[string]any{"result": in.record()})
	case r.Method == http.MethodPatch && strings.HasPrefix(rest, "/"):
		var in *Incident
		for _, c := range s.incidents {
			if c.SysID == rest[1:] {
				in = c
			}
		}
		if in == nil {
			snowError(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
			return
		}
		var body map[string]string
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			snowError(w, http.StatusBadRequest, "Exception while reading request", "The payload is not valid JSON.")
			return
		}
		if body["state"] == "6" && (body["close_code"] == "" || body["close_notes"] == "") {
			snowError(w, http.StatusForbidden, "Operation Failed", "Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes")
			return
		}
		for k, v := range body {
			switch k {
			case "state":
				in.State = v
			case "close_code":
				in.CloseCode = v
			case "close_notes":
				in.CloseNotes = v
			case "description":
				in.Description = v
			case "work_notes", "comments":
				in.WorkNotes = append(in.WorkNotes, v)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": in.record()})
	default:
		snowError(w, http.StatusMethodNotAllowed, "Method not Supported", r.Method+" "+r.URL.Path)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
