package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/tollgate-io/tollgate/connectors"
	"github.com/tollgate-io/tollgate/ingest"
	"github.com/tollgate-io/tollgate/schemas"
)

// logSpec is one Graph log: its collection and its time property.
type logSpec struct{ path, timeField string }

var logSpecs = map[string]logSpec{
	LogDirectoryAudits: {"auditLogs/directoryAudits", "activityDateTime"},
	LogSignIns:         {"auditLogs/signIns", "createdDateTime"},
}

// maxSeen bounds the ids a cursor remembers per log. Past it the oldest are forgotten and
// may be produced again after a restart, which the auditor's dedupe by event id absorbs.
const maxSeen = 20000

// Puller reads the directory audit and sign-in logs. Each poll of a log asks Graph for
// the records at or after its cursor minus the overlap, oldest first
// ($filter=<time> ge …&$orderby=<time> asc), and follows @odata.nextLink one page per
// Pull. A page's records go through ingest's Entra parser (the /v1/ingest/entra
// receiver's), so a pulled event is the pushed one, event id included.
//
// The cursor is JSON: per log, the newest record time read (records arrive in time
// order, so every earlier one has been read), the ids read since that time minus the
// overlap (the overlap's records are read again and skipped by id), and the nextLink of
// a poll under way. A nextLink Graph no longer honours restarts the poll from the time.
type Puller struct {
	g        *graph
	logs     []string
	pageSize int
	overlap  time.Duration
	start    time.Time
	// Now is the clock (tests set it).
	Now func() time.Time
	// Log hears of the records ingest could not parse; each is also in its page's Failed,
	// with its bytes and the reason, for RunPull to dead-letter.
	Log *slog.Logger
}

// NewPuller builds the Puller of c; hc carries every call (nil: the default client).
func NewPuller(ctx context.Context, c Config, hc *http.Client) (*Puller, error) {
	g, err := newGraph(ctx, c, hc)
	if err != nil {
		return nil, err
	}
	c = c.withDefaults()
	p := &Puller{g: g, logs: c.Logs, pageSize: c.PageSize, overlap: c.Overlap.D(), start: c.Start, Now: time.Now, Log: slog.Default()}
	if p.start.IsZero() {
		p.start = time.Now().Add(-c.Backfill.D())
	}
	return p, nil
}

// Client is the vendor HTTP client the Puller calls Graph with.
func (p *Puller) Client() *connectors.Client { return p.g.Client }

// Source is ENTRA.
func (p *Puller) Source() schemas.Source { return schemas.SourceEntra }

// cursor is the Puller's cursor.
type cursor struct {
	Logs map[string]*logCursor `json:"logs"`
	// Round are the logs still to read in this round; when it empties the Puller is
	// caught up.
	Round []string `json:"round,omitempty"`
}

type logCursor struct {
	Since time.Time            `json:"since"`
	Seen  map[string]time.Time `json:"seen,omitempty"`
	Next  string               `json:"next,omitempty"`
}

// parseCursor reads a saved cursor ("" is a new one).
func parseCursor(s string) (cursor, error) {
	c := cursor{Logs: map[string]*logCursor{}}
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return cursor{}, fmt.Errorf("entra cursor: %w: %w", err, connectors.ErrPermanent)
	}
	if c.Logs == nil {
		c.Logs = map[string]*logCursor{}
	}
	for name, lc := range c.Logs {
		if lc == nil {
			delete(c.Logs, name)
		}
	}
	return c, nil
}

// record is what the Puller reads of each log record itself: its id and time.
type record struct {
	ID               string `json:"id"`
	ActivityDateTime string `json:"activityDateTime"`
	CreatedDateTime  string `json:"createdDateTime"`
}

// Pull reads the next page of the log whose turn it is.
func (p *Puller) Pull(ctx context.Context, cur string) (connectors.Page, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return connectors.Page{}, err
	}
	if len(c.Round) == 0 {
		c.Round = append([]string(nil), p.logs...)
	}
	name := c.Round[0]
	spec, ok := logSpecs[name]
	if !ok { // a log the configuration no longer lists
		c.Round = c.Round[1:]
		return p.page(c, connectors.Page{})
	}
	lc := c.Logs[name]
	if lc == nil {
		lc = &logCursor{Since: p.start.UTC()}
		c.Logs[name] = lc
	}
	gp, err := p.fetch(ctx, spec, lc)
	if err != nil {
		return connectors.Page{}, fmt.Errorf("entra %s: %w", name, err)
	}
	page := p.take(gp.Value, spec, lc)
	lc.Next = gp.NextLink
	if lc.Next == "" {
		c.Round = c.Round[1:]
	}
	return p.page(c, page)
}

// page finishes page with c as its cursor.
func (p *Puller) page(c cursor, page connectors.Page) (connectors.Page, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return connectors.Page{}, err
	}
	page.Cursor, page.More = string(b), len(c.Round) > 0
	return page, nil
}

// fetch reads the poll's next page, or starts the poll.
func (p *Puller) fetch(ctx context.Context, spec logSpec, lc *logCursor) (graphPage, error) {
	if lc.Next != "" {
		gp, err := p.g.page(ctx, lc.Next)
		var st *connectors.StatusError
		if err == nil || !errors.As(err, &st) || st.Status != http.StatusBadRequest && st.Status != http.StatusNotFound && st.Status != http.StatusGone {
			return gp, err
		}
		// The skip token expired: poll again from the cursor's time.
		lc.Next = ""
	}
	from := lc.Since.Add(-p.overlap).UTC().Truncate(time.Second)
	q := url.Values{
		"$filter":  {spec.timeField + " ge " + from.Format(time.RFC3339)},
		"$orderby": {spec.timeField + " asc"},
		"$top":     {fmt.Sprint(p.pageSize)},
	}
	return p.g.page(ctx, p.g.url(spec.path, q))
}

// take parses a page's records not read before and advances lc: the page's events, the
// records ingest refused (Failed, each with its bytes as Graph sent them and the reason)
// and the newest record time. A refused record with an id and a time is remembered as
// read like any other, so the overlap does not dead-letter it twice.
func (p *Puller) take(items []json.RawMessage, spec logSpec, lc *logCursor) connectors.Page {
	if lc.Seen == nil {
		lc.Seen = map[string]time.Time{}
	}
	now := p.Now()
	var page connectors.Page
	for _, raw := range items {
		var r record
		if err := json.Unmarshal(raw, &r); err != nil {
			p.Log.Warn("entra: a log record that is not an object is dead-lettered", "log", spec.path, "err", err)
			page.Failed = append(page.Failed, connectors.Failed{Raw: raw,
				Err: fmt.Errorf("entra %s record: %w: %v", spec.path, ingest.ErrShape, err)})
			continue
		}
		ts := r.ActivityDateTime
		if spec.timeField == "createdDateTime" {
			ts = r.CreatedDateTime
		}
		t := graphTime(ts)
		if r.ID != "" {
			if _, dup := lc.Seen[r.ID]; dup {
				continue
			}
		}
		evs, err := ingest.ParseEntra(raw, now)
		if err != nil {
			var ee *ingest.EventError
			if errors.As(err, &ee) {
				err = ee.Err // the record is the whole batch here: its index says nothing
			}
			p.Log.Warn("entra: a log record ingest cannot parse is dead-lettered", "log", spec.path, "id", r.ID, "err", err)
			page.Failed = append(page.Failed, connectors.Failed{Raw: raw, Err: fmt.Errorf("entra %s record %q: %w", spec.path, r.ID, err)})
		}
		page.Events = append(page.Events, evs...)
		if t == nil {
			continue
		}
		if r.ID != "" {
			lc.Seen[r.ID] = *t
		}
		if t.After(page.Newest) {
			page.Newest = *t
		}
	}
	if page.Newest.After(lc.Since) {
		lc.Since = page.Newest
	}
	pruneSeen(lc, p.overlap)
	return page
}

// pruneSeen forgets ids older than the next poll's overlap, and the oldest past maxSeen.
func pruneSeen(lc *logCursor, overlap time.Duration) {
	floor := lc.Since.Add(-overlap - time.Second)
	for id, t := range lc.Seen {
		if t.Before(floor) {
			delete(lc.Seen, id)
		}
	}
	if len(lc.Seen) <= maxSeen {
		return
	}
	type e struct {
		id string
		t  time.Time
	}
	all := make([]e, 0, len(lc.Seen))
	for id, t := range lc.Seen {
		all = append(all, e{id, t})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	for _, x := range all[:len(all)-maxSeen] {
		delete(lc.Seen, x.id)
	}
}
