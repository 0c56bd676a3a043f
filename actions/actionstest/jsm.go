package actionstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Request is one request of the fake service desk.
type Request struct {
	Key, Summary, Description string
	Labels                    []string
	// Status is "Waiting for support", "Resolved" or "In progress" (after a reopen).
	Status   string
	Comments []string
}

// Done reports whether the request's status is in the done category.
func (r Request) Done() bool { return r.Status == "Resolved" }

// JSM is a fake Jira Service Management site: the JQL search (labels = "…"), request
// creation and comments through the Service Management API, and the platform API's
// transitions (Resolve from an open request, Reopen from a resolved one); basic auth with
// Email and Token; Atlassian's error answers ({"errorMessages":[…]} and {"errorMessage":…}).
type JSM struct {
	*httptest.Server
	Faults
	Email, Token                 string
	ServiceDeskID, RequestTypeID string
	mu                           sync.Mutex
	requests                     []*Request
	creates                      int
}

// NewJSM starts a fake site for service desk 1, request type 10.
func NewJSM(t testing.TB, email, token string) *JSM {
	j := &JSM{Email: email, Token: token, ServiceDeskID: "1", RequestTypeID: "10"}
	j.Server = httptest.NewServer(http.HandlerFunc(j.serveHTTP))
	t.Cleanup(j.Close)
	return j
}

// Creates returns how many requests were created.
func (j *JSM) Creates() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.creates
}

// Requests returns copies of the site's requests.
func (j *JSM) Requests() []Request {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Request, len(j.requests))
	for i, r := range j.requests {
		out[i] = *r
		out[i].Comments = slices.Clone(r.Comments)
	}
	return out
}

var (
	jqlLabel       = regexp.MustCompile(`^labels\s*=\s*"([^"\\]+)"$`)
	commentPath    = regexp.MustCompile(`^/rest/servicedeskapi/request/([A-Z]+-\d+)/comment$`)
	transitionPath = regexp.MustCompile(`^/rest/api/3/issue/([A-Z]+-\d+)/transitions$`)
)

func (j *JSM) find(key string) *Request {
	for _, r := range j.requests {
		if r.Key == key {
			return r
		}
	}
	return nil
}

func (j *JSM) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if j.Faults.serve(w) {
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != j.Email || p != j.Token {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Client must be authenticated to access this resource."))
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && p == "/rest/api/3/search/jql":
		m := jqlLabel.FindStringSubmatch(r.URL.Query().Get("jql"))
		if m == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"Error in the JQL Query: " + r.URL.Query().Get("jql")}, "errors": map[string]string{}})
			return
		}
		issues := []any{}
		for _, req := range j.requests {
			if slices.Contains(req.Labels, m[1]) {
				cat := "new"
				if req.Done() {
					cat = "done"
				}
				issues = append(issues, map[string]any{"id": strings.TrimPrefix(req.Key, "SD-"), "key": req.Key,
					"fields": map[string]any{"status": map[string]any{"name": req.Status, "statusCategory": map[string]string{"key": cat}}}})
				break
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"issues": issues, "isLast": true})
	case r.Method == http.MethodPost && p == "/rest/servicedeskapi/request":
		var body struct {
			ServiceDeskID      string         `json:"serviceDeskId"`
			RequestTypeID      string         `json:"requestTypeId"`
			RequestFieldValues map[string]any `json:"requestFieldValues"`
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessage": "Unexpected JSON.", "i18nErrorMessage": map[string]any{"i18nKey": "sd.request.invalid.json"}})
			return
		}
		if body.ServiceDeskID != j.ServiceDeskID || body.RequestTypeID != j.RequestTypeID {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessage": "The request type you are trying to use does not exist or you do not have permission to use it."})
			return
		}
		summary, _ := body.RequestFieldValues["summary"].(string)
		if summary == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessage": "Summary: You must specify a summary of the issue."})
			return
		}
		var labels []string
		if ls, ok := body.RequestFieldValues["labels"].([]any); ok {
			for _, l := range ls {
				if s, ok := l.(string); ok {
					labels = append(labels, s)
				}
			}
		}
		desc, _ := body.RequestFieldValues["description"].(string)
		j.creates++
		req := &Request{Key: fmt.Sprintf("SD-%d", j.creates), Summary: summary, Description: desc, Labels: labels, Status: "Waiting for support"}
		j.requests = append(j.requests, req)
		writeJSON(w, http.StatusCreated, map[string]any{"issueId": fmt.Sprint(10000 + j.creates), "issueKey": req.Key,
			"requestTypeId": body.RequestTypeID, "serviceDeskId": body.ServiceDeskID,
			"currentStatus": map[string]string{"status": req.Status, "statusCategory": "NEW"}})
	case r.Method == http.MethodPost && commentPath.MatchString(p):
		req := j.find(commentPath.FindStringSubmatch(p)[1])
		var body struct {
			Body   string `json:"body"`
			Public *bool  `json:"public"`
		}
		if req == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"errorMessage": "Request does not exist or you do not have permission to see it."})
			return
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Body == "" || body.Public == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessage": "Comment body and public are required."})
			return
		}
		req.Comments = append(req.Comments, body.Body)
		writeJSON(w, http.StatusCreated, map[string]any{"id": fmt.Sprint(len(req.Comments)), "body": body.Body, "public": *body.Public})
	case transitionPath.MatchString(p):
		req := j.find(transitionPath.FindStringSubmatch(p)[1])
		if req == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}, "errors": map[string]string{}})
			return
		}
		offered := []map[string]any{{"id": "761", "name": "Resolve", "to": map[string]any{"name": "Resolved", "statusCategory": map[string]string{"key": "done"}}},
			{"id": "751", "name": "Pending", "to": map[string]any{"name": "Pending", "statusCategory": map[string]string{"key": "indeterminate"}}}}
		if req.Done() {
			offered = []map[string]any{{"id": "781", "name": "Reopen", "to": map[string]any{"name": "In progress", "statusCategory": map[string]string{"key": "indeterminate"}}}}
		}
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, map[string]any{"expand": "transitions", "transitions": offered})
			return
		}
		var body struct {
			Transition struct {
				ID string `json:"id"`
			} `json:"transition"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		for _, t := range offered {
			if t["id"] == body.Transition.ID {
				req.Status = t["to"].(map[string]any)["name"].(string)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{fmt.Sprintf("Transition id '%s' is not valid for this issue.", body.Transition.ID)}, "errors": map[string]string{}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"null for uri: " + p}})
	}
}
