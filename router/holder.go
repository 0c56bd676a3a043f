package router

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/schemas"
)

// PolicyHolder holds the running policy and swaps it atomically on reload.
// Readers call Current (or Decide) per event and never block; a reload that
// fails leaves the running policy in place, logs why and counts the failure.
type PolicyHolder struct {
	current atomic.Pointer[running]
	log     *slog.Logger
	metrics *Metrics
}

// running is the policy in effect with its events counter per rule (the
// default last), each resolved from the lane/rule vector on the rule's first
// decision: a vector lookup hashes both labels under a lock, once per event.
type running struct {
	policy *Policy
	events []atomic.Value // prometheus.Counter
}

func newRunning(p *Policy) *running {
	return &running{policy: p, events: make([]atomic.Value, len(p.rules)+1)}
}

// counter returns the events counter of the i-th rule of the policy, which
// decided d.
func (r *running) counter(m *Metrics, i int, d *schemas.Decision) prometheus.Counter {
	if c, ok := r.events[i].Load().(prometheus.Counter); ok {
		return c
	}
	c := m.Events.WithLabelValues(string(d.Lane), d.RuleID)
	r.events[i].Store(c)
	return c
}

// NewPolicyHolder starts a holder with p running. logger and metrics may be
// nil.
func NewPolicyHolder(p *Policy, logger *slog.Logger, metrics *Metrics) *PolicyHolder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	h := &PolicyHolder{log: logger, metrics: metrics}
	h.current.Store(newRunning(p))
	metrics.PolicyInfo.WithLabelValues(p.Version()).Set(1)
	return h
}

// Current returns the running policy.
func (h *PolicyHolder) Current() *Policy { return h.current.Load().policy }

// Decide evaluates ev with the running policy and records metrics.
func (h *PolicyHolder) Decide(ev *schemas.IdentityEvent, now time.Time) (schemas.Decision, error) {
	return h.decideWith(h.current.Load(), ev, now)
}

// running returns the running policy with its counters, for a caller that
// must know the policy (what it reads) before deciding with decideWith.
func (h *PolicyHolder) running() *running { return h.current.Load() }

// decideWith is Decide with r, which running returned.
func (h *PolicyHolder) decideWith(r *running, ev *schemas.IdentityEvent, now time.Time) (schemas.Decision, error) {
	start := time.Now()
	d, i, err := r.policy.decide(ev, now)
	if err != nil {
		h.metrics.ObserveEvaluationError(time.Since(start))
		return d, err
	}
	r.counter(h.metrics, i, &d).Inc()
	h.metrics.EvaluationSeconds.Observe(time.Since(start).Seconds())
	return d, nil
}

// Reload loads text and, if it is a valid policy, makes it the running one.
// On error the old policy keeps running; the error wraps ErrInvalidPolicy.
func (h *PolicyHolder) Reload(text []byte) error {
	old := h.Current()
	p, err := LoadPolicy(text)
	if err != nil {
		h.metrics.PolicyReloadFailures.Inc()
		h.log.Error("policy reload refused; the running policy stays in effect",
			"running_version", old.Version(), "error", err)
		return err
	}
	if p.Version() == old.Version() {
		return nil
	}
	h.current.Store(newRunning(p))
	h.metrics.PolicyReloads.Inc()
	h.metrics.PolicyInfo.WithLabelValues(old.Version()).Set(0)
	h.metrics.PolicyInfo.WithLabelValues(p.Version()).Set(1)
	h.log.Info("policy reloaded", "old_version", old.Version(), "new_version", p.Version(), "rules", len(p.rules))
	return nil
}

// ReloadFile reads path and reloads it (the SIGHUP handler).
func (h *PolicyHolder) ReloadFile(path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		h.metrics.PolicyReloadFailures.Inc()
		h.log.Error("policy reload refused: cannot read the policy file; the running policy stays in effect",
			"path", path, "running_version", h.Current().Version(), "error", err)
		return fmt.Errorf("read policy %s: %w", path, err)
	}
	if err := h.Reload(text); err != nil {
		return fmt.Errorf("policy %s: %w", path, err)
	}
	return nil
}

// FileWatcher reloads a PolicyHolder when its policy file's content changes.
// It polls (no inotify dependency): each Check reads the file and compares its
// hash with the last one seen, so an editor's rename-into-place, a ConfigMap
// symlink swap and an in-place write are all noticed.
type FileWatcher struct {
	holder *PolicyHolder
	path   string
	last   [sha256.Size]byte
}

// NewFileWatcher watches path for h. The file's current content is taken as
// already loaded.
func NewFileWatcher(h *PolicyHolder, path string) *FileWatcher {
	w := &FileWatcher{holder: h, path: path}
	if text, err := os.ReadFile(path); err == nil {
		w.last = sha256.Sum256(text)
	}
	return w
}

// Check reloads the policy if the file changed since the last Check. It
// reports whether the file changed, and the reload error if any; a refused
// content is not retried until the file changes again.
func (w *FileWatcher) Check() (changed bool, err error) {
	text, err := os.ReadFile(w.path)
	if err != nil {
		w.holder.metrics.PolicyReloadFailures.Inc()
		w.holder.log.Error("policy file unreadable; the running policy stays in effect", "path", w.path, "error", err)
		return false, fmt.Errorf("read policy %s: %w", w.path, err)
	}
	sum := sha256.Sum256(text)
	if bytes.Equal(sum[:], w.last[:]) {
		return false, nil
	}
	w.last = sum
	if err := w.holder.Reload(text); err != nil {
		return true, fmt.Errorf("policy %s: %w", w.path, err)
	}
	return true, nil
}

// Run calls Check every interval until ctx is done. Errors are logged and
// counted by Check; Run returns only ctx's error.
func (w *FileWatcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			_, _ = w.Check()
		}
	}
}
