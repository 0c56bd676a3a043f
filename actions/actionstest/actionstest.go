// Package actionstest serves, for tests, the vendor APIs the ticket sinks call: a ServiceNow
// Table API and a Jira Service Management site, on httptest servers, with the request and
// answer shapes (errors and rate limits included) the vendors document. Faults lets a test
// script the next answers: a 429 with Retry-After, a 5xx, a 401.
package actionstest

import (
	"net/http"
	"sync"
)

// Fault is one scripted answer.
type Fault struct {
	Status int
	Header http.Header
	Body   string
}

// Faults is a queue of scripted answers served before the API's own.
type Faults struct {
	mu    sync.Mutex
	queue []Fault
	// Requests counts every request, faulted or not.
	requests int
}

// Next queues answers.
func (f *Faults) Next(fs ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, fs...)
}

// Requests returns how many requests arrived.
func (f *Faults) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// serve answers with the next queued fault and reports whether there was one.
func (f *Faults) serve(w http.ResponseWriter) bool {
	f.mu.Lock()
	f.requests++
	if len(f.queue) == 0 {
		f.mu.Unlock()
		return false
	}
	ft := f.queue[0]
	f.queue = f.queue[1:]
	f.mu.Unlock()
	for k, vs := range ft.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(ft.Status)
	_, _ = w.Write([]byte(ft.Body))
	return true
}

// RateLimited is a 429 asking to wait retryAfter seconds.
func RateLimited(retryAfter string) Fault {
	return Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {retryAfter}}, Body: `{"error":{"message":"Rate limit exceeded"}}`}
}
