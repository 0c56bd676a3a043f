package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Sink receives the events a connector made; it returns once they are on Kafka
// (ingest.KafkaProducer.Produce).
type Sink interface {
	Produce(ctx context.Context, events []schemas.IdentityEvent) error
}

// CursorStore keeps each puller's cursor where it survives a restart and a move to
// another replica.
type CursorStore interface {
	Load(ctx context.Context, name string) (string, error)
	Save(ctx context.Context, name, cursor string) error
}

// Progress is told how far a run got (the CLI's progress bar; metrics).
type Progress interface {
	Add(events int)
}

// SnapshotResult is what a snapshot run produced.
type SnapshotResult struct {
	Holders, Grants, Credentials, Events int
	Listing                              Listing
}

// snapshotBatch is how many events a snapshot hands the sink at once.
const snapshotBatch = 500

// RunSnapshot lists s's holdings now and produces their events to sink. The listing is
// complete only when it returns nil; a holder listed before an error has had its events
// (and its revocations) produced, which is harmless: each holder's events are the whole
// truth about that holder.
func RunSnapshot(ctx context.Context, s Snapshotter, sink Sink, now func() time.Time, prog Progress) (SnapshotResult, error) {
	l := NewListing(s.Source(), s.System(), schemas.OriginSnapshot, now())
	res := SnapshotResult{Listing: l}
	var buf []schemas.IdentityEvent
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := sink.Produce(ctx, buf); err != nil {
			return err
		}
		if prog != nil {
			prog.Add(len(buf))
		}
		res.Events += len(buf)
		buf = buf[:0]
		return nil
	}
	err := s.Snapshot(ctx, func(h Holding) error {
		res.Holders++
		res.Grants += len(h.Grants)
		res.Credentials += len(h.Credentials)
		buf = append(buf, l.Events(h, now())...)
		if len(buf) >= snapshotBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, fmt.Errorf("snapshot of %s (%s): %w", s.System(), s.Source(), err)
	}
	return res, nil
}

// PullOptions drive RunPull.
type PullOptions struct {
	// Name is the cursor's key in the CursorStore (e.g. "okta").
	Name string
	// Interval is how long to wait once caught up (default 1m); Once returns instead.
	Interval time.Duration
	Once     bool
	// RetryMin and RetryMax bound the backoff after a failed page (default 1s to 5m).
	RetryMin, RetryMax time.Duration
	Log                *slog.Logger
	// OnPage is called after each page is on Kafka and its cursor saved (metrics).
	OnPage func(p Page)
	Now    func() time.Time
	Prog   Progress
	// DeadLetter receives each record a page's parser refused, before the page's cursor is
	// saved; nil logs them instead.
	DeadLetter func(ctx context.Context, f Failed) error
}

// RunPull reads p from its saved cursor until ctx ends (or, with Once, until caught up):
// each page's events go to sink, and only then is the page's cursor saved, so a crash
// between the two delivers the page again (the auditor drops the duplicates by event id)
// and never leaves a gap. A failed page is retried with backoff; a CursorStore failure
// stops the run.
func RunPull(ctx context.Context, p Puller, store CursorStore, sink Sink, o PullOptions) error {
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(5*time.Minute, o.RetryMin)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cursor, err := store.Load(ctx, o.Name)
	if err != nil {
		return fmt.Errorf("connector %s: loading its cursor: %w", o.Name, err)
	}
	backoff := o.RetryMin
	for {
		page, err := p.Pull(ctx, cursor)
		if err == nil && len(page.Events) > 0 {
			err = sink.Produce(ctx, page.Events)
		}
		for _, f := range page.Failed {
			if err != nil {
				break
			}
			if o.DeadLetter == nil {
				o.Log.Warn("connector record refused by its parser", "connector", o.Name, "err", f.Err, "bytes", len(f.Raw))
				continue
			}
			err = o.DeadLetter(ctx, f)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrPermanent) {
				return fmt.Errorf("connector %s: %w", o.Name, err)
			}
			o.Log.Warn("connector page failed; retrying", "connector", o.Name, "err", err, "backoff", backoff.String())
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(backoff*2, o.RetryMax)
			continue
		}
		backoff = o.RetryMin
		if page.Cursor != cursor {
			if err := store.Save(ctx, o.Name, page.Cursor); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("connector %s: saving its cursor: %w", o.Name, err)
			}
			cursor = page.Cursor
		}
		if a, ok := p.(Acker); ok {
			if err := a.Ack(ctx, page.Cursor); err != nil && ctx.Err() == nil {
				// Not acknowledged: the source offers the page again, and the auditor
				// drops its events as duplicates.
				o.Log.Warn("connector could not acknowledge a page; it will be read again", "connector", o.Name, "err", err)
			}
		}
		if o.Prog != nil {
			o.Prog.Add(len(page.Events))
		}
		if o.OnPage != nil {
			o.OnPage(page)
		}
		if page.More {
			continue
		}
		if o.Once {
			return nil
		}
		if !sleep(ctx, o.Interval) {
			return nil
		}
	}
}

// ErrPermanent marks a failure retrying cannot fix (credentials refused, a scope missing):
// RunPull stops and returns it instead of retrying forever.
var ErrPermanent = errors.New("permanent failure")

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// MemoryCursors is a CursorStore in memory, for tests and one-shot runs.
type MemoryCursors struct{ m map[string]string }

// Load returns the saved cursor of name ("" if none).
func (c *MemoryCursors) Load(_ context.Context, name string) (string, error) { return c.m[name], nil }

// Save keeps cursor for name.
func (c *MemoryCursors) Save(_ context.Context, name, cursor string) error {
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[name] = cursor
	return nil
}
