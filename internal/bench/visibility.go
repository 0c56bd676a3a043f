package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
)

// visibility measures event-to-visible latency: it polls the events table
// for sampled event ids and records, for each, the time from its send to the
// poll that first saw it. The poll interval (20 ms) bounds the resolution.
type visibility struct {
	store   clickhouse.Store
	mu      sync.Mutex
	waiting map[string]time.Time
	lat     []time.Duration
	err     error // the poll failure that ended run
}

func newVisibility(store clickhouse.Store) *visibility {
	return &visibility{store: store, waiting: map[string]time.Time{}}
}

// add starts the clock of event id at sent.
func (v *visibility) add(id string, sent time.Time) {
	v.mu.Lock()
	v.waiting[id] = sent
	v.mu.Unlock()
}

// pollChunk bounds the ids of one poll query.
const pollChunk = 2000

// poll looks for the waiting ids once.
func (v *visibility) poll(ctx context.Context) error {
	v.mu.Lock()
	ids := make([]string, 0, len(v.waiting))
	for id := range v.waiting {
		ids = append(ids, "'"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(id)+"'")
	}
	v.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	// In chunks, so a backlog of sampled events never exceeds the engine's max_query_size.
	var rows []clickhouse.Row
	for start := 0; start < len(ids); start += pollChunk {
		more, err := v.store.Query(ctx, "SELECT event_id FROM events WHERE event_id IN ("+strings.Join(ids[start:min(start+pollChunk, len(ids))], ",")+")")
		if err != nil {
			return fmt.Errorf("bench: visibility poll: %w", err)
		}
		rows = append(rows, more...)
	}
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range rows {
		id := r.String("event_id")
		if at, ok := v.waiting[id]; ok {
			v.lat = append(v.lat, now.Sub(at))
			delete(v.waiting, id)
		}
	}
	return nil
}

// run polls every 20 ms until ctx ends.
func (v *visibility) run(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := v.poll(ctx); err != nil && ctx.Err() == nil {
			v.mu.Lock()
			v.err = err
			v.mu.Unlock()
			return err
		}
	}
}

// pending is the number of sampled events not seen yet, or the error that
// stopped the polling.
func (v *visibility) pending() (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.waiting), v.err
}

// done reports whether every sampled event was seen.
func (v *visibility) done() (bool, error) {
	n, err := v.pending()
	return n == 0, err
}

// latencies returns the recorded latencies.
func (v *visibility) latencies() []time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]time.Duration(nil), v.lat...)
}

// task is a service running in the background.
type task struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	stop   func() error
}

// background runs f in a goroutine until its stop is called.
func background(ctx context.Context, name string, f func(context.Context) error) *task {
	ctx, cancel := context.WithCancel(ctx)
	t := &task{name: name, cancel: cancel, done: make(chan struct{})}
	go func() {
		t.err = f(ctx)
		close(t.done)
	}()
	t.stop = sync.OnceValue(func() error {
		cancel()
		<-t.done
		return t.err
	})
	return t
}

// alive fails when the task has ended before being stopped: a wait on its
// output would never finish.
func (t *task) alive() error {
	select {
	case <-t.done:
		return fmt.Errorf("bench: %s stopped early: %v", t.name, t.err)
	default:
		return nil
	}
}

// alive fails when any of tasks has ended.
func alive(tasks ...*task) error {
	for _, t := range tasks {
		if err := t.alive(); err != nil {
			return err
		}
	}
	return nil
}

// countRows is SELECT count() of table.
func countRows(ctx context.Context, s clickhouse.Store, table string) (int64, error) {
	rows, err := s.Query(ctx, "SELECT count() AS n FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("bench: count %s: %w", table, err)
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("bench: count %s: %d rows", table, len(rows))
	}
	return rows[0].Int("n"), nil
}
