package actions

import (
	"fmt"
	"slices"
	"sync"
)

// ticketCache remembers finding_id → ticket, so a ticket sink looks a finding's ticket up
// on the vendor once per process, and finds the ticket it just created even when the
// vendor's search has not indexed it yet.
type ticketCache[T any] struct {
	mu  sync.Mutex
	m   map[string]T
	max int
}

func newTicketCache[T any](max int) *ticketCache[T] {
	if max <= 0 {
		max = DefaultTrackerSize
	}
	return &ticketCache[T]{m: map[string]T{}, max: max}
}

func (c *ticketCache[T]) get(id string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	return t, ok
}

func (c *ticketCache[T]) put(id string, t T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; !ok && len(c.m) >= c.max {
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= c.max/2 {
				break
			}
		}
	}
	c.m[id] = t
}

// checkID refuses a finding id that could change the meaning of a vendor query it is
// written into (a ServiceNow encoded query, a JQL string, a label): the auditor's ids are
// hex, so anything but letters, digits and ._:- did not come from it.
func checkID(sink, id string) error {
	if id == "" || len(id) > 128 {
		return &SinkError{Sink: sink, Op: "checking the finding id", Detail: fmt.Sprintf("finding id of %d bytes", len(id)), Err: ErrRefused}
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == ':' || r == '-') {
			return &SinkError{Sink: sink, Op: "checking the finding id", Detail: fmt.Sprintf("finding id %q has a character outside [A-Za-z0-9._:-]", id), Err: ErrRefused}
		}
	}
	return nil
}

func (c *ticketCache[T]) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
