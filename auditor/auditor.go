package auditor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-io/tollgate/schemas"
)

// ErrInvalidEvent reports an event WriteBatch cannot store; see InvalidEventError.
var ErrInvalidEvent = errors.New("auditor: invalid event")

// InvalidEventError names the event of a batch that cannot be stored, so the
// caller can dead-letter that one record and retry the rest. Nothing of the
// batch was written.
type InvalidEventError struct {
	Index   int
	EventID string
	Reason  string
}

// Error describes the event and why it was refused.
func (e *InvalidEventError) Error() string {
	return fmt.Sprintf("auditor: event %d (%q) in batch: %s", e.Index, e.EventID, e.Reason)
}

// Unwrap returns ErrInvalidEvent.
func (e *InvalidEventError) Unwrap() error { return ErrInvalidEvent }

// Options are the optional collaborators of an Auditor.
type Options struct {
	// Clock returns the current time; time.Now when nil. Tests inject one.
	Clock func() time.Time
	// Logger receives structured logs; slog.Default when nil.
	Logger *slog.Logger
	// Registerer receives the auditor's metrics; none are registered when nil.
	Registerer prometheus.Registerer
}

// Auditor writes routed events to ClickHouse, keeps the ledgers and raises
// findings. Everything it knows is in the Store, so replicas sharing one database
// agree; it caches the checkpoints it wrote, and uses one only while it is still
// the stored version.
type Auditor struct {
	store   Store
	cfg     Config
	clock   func() time.Time
	log     *slog.Logger
	metrics *metrics
	// states caches the checkpoints this auditor wrote or read, facts and tickets the
	// ledger events and tickets of the principals it refreshed (see state.go).
	states  stateCache
	facts   memo[fact]
	tickets memo[ticket]
	// replayAll turns the incremental path off: every touched principal is
	// rebuilt from its whole history. Tests compare the two paths with it.
	replayAll bool
	// ids resolves accounts to identities (identity.go); idMu serialises its loads.
	ids      *identities
	idMu     sync.Mutex
	idLoaded bool
	// idPending are accounts the first read of the mappings moved, which the next sweep
	// checks against their checkpoints (the first batch does not wait for that).
	idPending []string
	// keyUses are the days this auditor recorded a use of each long-term key.
	keyUses keyUseMemo
}

type metrics struct {
	events   prometheus.Counter
	findings *prometheus.CounterVec
	batch    prometheus.Histogram
	sweep    prometheus.Histogram
	refresh  *prometheus.CounterVec
	tickets  *prometheus.CounterVec
	replays  *prometheus.CounterVec
}

// New returns an Auditor over store. cfg must pass Validate.
func New(store Store, cfg Config, opts Options) (*Auditor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Auditor{store: store, cfg: cfg, clock: opts.Clock, log: opts.Logger, ids: newIdentities(cfg.Identities)}
	if a.clock == nil {
		a.clock = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.metrics = &metrics{
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_auditor_events_written_total",
			Help: "Routed events written to the events table (duplicates included)."}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_findings_changed_total",
			Help: "Findings opened or resolved, by kind and new status."}, []string{"kind", "status"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tollgate_auditor_batch_duration_seconds",
			Help: "Time to write one batch including ledgers and detections.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
		sweep: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tollgate_auditor_sweep_duration_seconds",
			Help: "Time of one sweep of time-based detections.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		refresh: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_principal_refreshes_total",
			Help: "Principals whose ledgers a batch rewrote, by mode: incremental (on top of the stored ledgers) or full (replayed from history)."},
			[]string{"mode"}),
		replays: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_replay_sources_total",
			Help: "Principals replayed from their ledger events, by where the events came from: memory (this auditor's own copy at the checkpoint's version) or store (ledger_facts)."},
			[]string{"source"}),
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tollgate_auditor_ticket_changes_total",
			Help: "Ticket changes merged, by effect: audited (the principals they concern were refreshed) or unchanged (no field an audit result reads changed, or a request still waiting for its approval)."},
			[]string{"effect"}),
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{a.metrics.events, a.metrics.findings, a.metrics.batch, a.metrics.sweep, a.metrics.refresh, a.metrics.tickets, a.metrics.replays} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("auditor: register metrics: %w", err)
			}
		}
	}
	return a, nil
}

// WriteBatch stores the batch and everything that follows from it: the
// events, the ticket, grant and credential ledgers of the principals and
// tickets it touches, their findings and checkpoints. It returns the findings it
// opened, re-opened or resolved, for publishing to tollgate.findings. Writing the
// same batch again returns no findings and changes no count. An error means
// the batch must be retried (or, for InvalidEventError, that one event
// dead-lettered); a partial write is harmless because every write is
// idempotent and ordered so that a retry redoes what depends on it (see state.go).
func (a *Auditor) WriteBatch(ctx context.Context, batch []schemas.RoutedEvent) ([]schemas.Finding, error) {
	return a.writeBatch(ctx, batch, nil)
}

// writeBatch is WriteBatch, replaying forced too: principals whose identity changed
// outside the batch (an analyst's mapping, another replica's).
func (a *Auditor) writeBatch(ctx context.Context, batch []schemas.RoutedEvent, forced []string) (_ []schemas.Finding, err error) {
	start := time.Now()
	defer func() { a.metrics.batch.Observe(time.Since(start).Seconds()) }()
	rows := make([][]any, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	principals := map[string]bool{}
	ticketIDs := map[string]bool{}
	uses := map[int]bool{}
	usedToday := map[keyDay]bool{}
	for i := range batch {
		e := &batch[i].Event
		switch {
		case e.EventID == "":
			return nil, &InvalidEventError{Index: i, Reason: "event_id is empty"}
		case e.OccurredAt.IsZero():
			return nil, &InvalidEventError{Index: i, EventID: e.EventID, Reason: "occurred_at is missing"}
		case e.Category == schemas.CategoryTicket && (e.Ticket == nil || e.Ticket.ID == ""):
			return nil, &InvalidEventError{Index: i, EventID: e.EventID, Reason: "ticket event without ticket id"}
		}
		if seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		rows = append(rows, eventRow(&batch[i]))
		if e.Category == schemas.CategoryTicket {
			ticketIDs[e.Ticket.ID] = true
			continue
		}
		p := principalOf(e)
		ledger := p != "" && ledgerRecord(&batch[i], &a.cfg)
		if ledger {
			principals[p] = true
		}
		// The first use of a credential in a day is a ledger event of its holder, the
		// actor: the credential's last use, which NHI_UNUSED_CREDENTIAL reads. Later ones
		// that day add nothing. (A ledger event of the actor itself carries the use.)
		if key, ok := keyUse(&batch[i]); ok && !(ledger && p == e.Actor.ID) && !usedToday[keyDay{key, day(e.OccurredAt)}] && a.keyUses.fresh(key, e.OccurredAt) {
			principals[e.Actor.ID], uses[i] = true, true
			usedToday[keyDay{key, day(e.OccurredAt)}] = true
		}
	}
	defer func() {
		if err == nil {
			a.keyUses.mark(usedToday)
		}
	}()
	// First the checkpoints of the principals the IAM events touch, and the tickets the
	// ticket events change with the principals those concern: all keyed reads.
	iam := keys(principals)
	newFacts := batchFacts(batch, principals, &a.cfg, uses)
	var factRows [][]any
	for _, p := range iam {
		for i := range newFacts[p] {
			factRows = append(factRows, factRow(&newFacts[p][i]))
		}
	}
	// The identities the batch teaches are stored before anything is derived from them.
	if !a.identitiesLoaded() {
		moved, err := a.loadIdentities(ctx)
		if err != nil {
			return nil, err
		}
		a.idMu.Lock()
		a.idPending = append(a.idPending, moved...) // compared at the next sweep
		a.idMu.Unlock()
	}
	learned := a.learnAliases(batch, principals)
	if err := a.writeAliases(ctx, learned); err != nil {
		return nil, err
	}
	forced = append(forced, a.ids.add(learned...)...)
	peers := map[string][]alias{}
	others := map[string]bool{} // peers and forced accounts outside the batch
	for _, p := range iam {
		if ps := a.ids.peers(p); len(ps) > 0 {
			peers[p] = ps
			for _, q := range ps {
				if !principals[q.Account] {
					others[q.Account] = true
				}
			}
		}
	}
	for _, q := range forced {
		if !principals[q] {
			others[q] = true
		}
	}
	var states map[string]*ledgerBase
	var tk ticketChanges
	err = parallel(func() error {
		var err error
		read := append(slices.Clone(iam), keys(others)...)
		states, err = a.loadStates(ctx, read)
		markRead(states, read)
		return err
	}, func() error {
		if len(ticketIDs) == 0 {
			return nil
		}
		var err error
		tk, err = a.refreshTickets(ctx, keys(ticketIDs), batch)
		return err
	})
	if err != nil {
		return nil, err
	}
	full := map[string]bool{}
	var unloaded []string
	for _, p := range tk.principals {
		full[p] = true
		if _, read := states[p]; !read {
			unloaded = append(unloaded, p)
		}
	}
	// A peer of a principal whose resets or access changed is replayed, since its findings
	// read them, and so is an account whose identity changed (if it is a principal).
	for _, p := range iam {
		if !slices.ContainsFunc(newFacts[p], peerRelevant) {
			continue
		}
		for _, q := range peers[p] {
			if !principals[q.Account] && states[q.Account] != nil {
				full[q.Account] = true
			}
		}
	}
	for _, q := range forced {
		if principals[q] || states[q] != nil {
			full[q] = true
		}
	}
	incr := map[string]*ledgerBase{}
	for _, p := range iam {
		if b := states[p]; !a.replayAll && !full[p] && b != nil && b.incremental(newFacts[p]) && slices.Equal(b.Aliases, accounts(peers[p])) {
			incr[p] = b
		} else {
			full[p] = true
		}
	}
	// Then the events are written while the ledger events of the principals that are
	// replayed are read. The batch's own are merged in from memory, so it does not
	// matter whether a query sees them.
	// A replayed principal whose ledger events this auditor holds at the version of its
	// checkpoint is replayed from memory; one touched only by a ticket is checked once its
	// checkpoint is read below.
	extra := batchFacts(batch, full, &a.cfg, uses)
	cached := map[string]memoEntry[fact]{}
	var toRead []string
	for _, p := range keys(full) {
		e, ok := a.facts.get(p)
		if b := states[p]; ok && !a.replayAll && ((b != nil && b.Version == e.version) || (b == nil && !principals[p])) {
			cached[p] = e
			continue
		}
		toRead = append(toRead, p)
	}
	var history map[string][]fact
	var more map[string]*ledgerBase
	err = parallel(func() error {
		if err := a.store.Insert(ctx, "events", eventColumns, rows); err != nil {
			return fmt.Errorf("auditor: write %d events: %w", len(rows), err)
		}
		return nil
	}, func() error {
		if err := a.store.Insert(ctx, "ledger_facts", ledgerFactColumns, factRows); err != nil {
			return fmt.Errorf("auditor: write %d ledger facts: %w", len(factRows), err)
		}
		return nil
	}, func() error {
		if len(toRead) == 0 {
			return nil
		}
		var err error
		history, err = a.loadHistory(ctx, toRead, extra)
		return err
	}, func() error {
		var err error
		more, err = a.loadStates(ctx, unloaded)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.metrics.events.Add(float64(len(rows)))
	maps.Copy(states, more)
	markRead(states, unloaded)
	if history == nil {
		history = map[string][]fact{}
	}
	var stale []string
	for p, e := range cached {
		if b := states[p]; b == nil || b.Version != e.version {
			stale = append(stale, p) // another replica refreshed it since
			continue
		}
		history[p] = withFacts(e.items, extra[p])
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		reread, err := a.loadHistory(ctx, stale, extra)
		if err != nil {
			return nil, err
		}
		maps.Copy(history, reread)
	}
	a.metrics.replays.WithLabelValues("memory").Add(float64(len(cached) - len(stale)))
	a.metrics.replays.WithLabelValues("store").Add(float64(len(toRead) + len(stale)))
	for p := range incr {
		history[p] = newFacts[p]
	}
	a.metrics.refresh.WithLabelValues("incremental").Add(float64(len(incr)))
	a.metrics.refresh.WithLabelValues("full").Add(float64(len(full)))
	all := keys(full)
	all = append(all, keys(incr)...)
	slices.Sort(all)
	for _, p := range all {
		if _, ok := peers[p]; !ok && !principals[p] { // the batch's own were resolved above
			if ps := a.ids.peers(p); len(ps) > 0 {
				peers[p] = ps
			}
		}
	}
	changed, err := a.refreshPrincipals(ctx, all, history, incr, states, tk.merged, peers)
	if err != nil {
		return nil, err
	}
	// Last the tickets: until their rows are stored a retry sees their events as new
	// and refreshes the principals they concern again.
	if err := a.store.Insert(ctx, "tickets", ticketColumns, tk.rows()); err != nil {
		return nil, fmt.Errorf("auditor: write %d tickets: %w", len(tk.merged), err)
	}
	return changed, nil
}

// ticketChanges are the tickets a batch changed and the principals they concern.
type ticketChanges struct {
	merged     map[string]ticket
	principals []string
}

func (tk *ticketChanges) rows() [][]any {
	out := make([][]any, 0, len(tk.merged))
	for _, id := range keys(tk.merged) {
		t := tk.merged[id]
		out = append(out, t.row())
	}
	return out
}

// refreshTickets merges the batch's ticket events into the stored tickets ids and
// returns those that changed with the principals whose correlation they may change. A
// ticket's events later than its stored state are applied on top of it; an older one
// merges all of its events again (read by the ticket_id skip index). The ticket rows are
// not written here (see WriteBatch); their keys are.
func (a *Auditor) refreshTickets(ctx context.Context, ids []string, batch []schemas.RoutedEvent) (ticketChanges, error) {
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	byID := map[string][]fact{}
	seen := map[string]bool{}
	for i := range batch {
		e := &batch[i].Event
		if e.Category != schemas.CategoryTicket || !wanted[e.Ticket.ID] || seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		byID[e.Ticket.ID] = append(byID[e.Ticket.ID], ticketFactFromEvent(&batch[i]))
	}
	rows, err := a.queryIn(ctx, sqlTicketsByID, ids)
	if err != nil {
		return ticketChanges{}, fmt.Errorf("auditor: load tickets: %w", err)
	}
	stored := make(map[string]ticket, len(rows))
	for _, r := range rows {
		t := ticketFromRow(r)
		stored[t.ID] = t
	}
	tk := ticketChanges{merged: map[string]ticket{}}
	var replay []string
	for _, id := range ids {
		t, ok := stored[id]
		fresh := slices.DeleteFunc(slices.Clone(byID[id]), func(f fact) bool { return slices.Contains(t.EventIDs, f.EventID) })
		switch {
		case len(fresh) == 0:
			continue // every event merged already: a redelivery
		case ok && !t.appendable(fresh):
			replay = append(replay, id)
		default:
			t.apply(fresh)
			tk.merged[id] = t
		}
	}
	if len(replay) > 0 {
		rows, err := a.queryIn(ctx, sqlTicketEventsByID, replay)
		if err != nil {
			return ticketChanges{}, fmt.Errorf("auditor: load ticket events: %w", err)
		}
		evs := map[string][]fact{}
		for _, r := range rows {
			if f := factFromRow(r); !seen[f.EventID] {
				seen[f.EventID] = true // the batch's copy is already in byID
				evs[f.Ticket.ID] = append(evs[f.Ticket.ID], f)
			}
		}
		for _, id := range replay {
			tk.merged[id] = mergeTicket(append(evs[id], byID[id]...))
		}
	}
	if len(tk.merged) == 0 {
		return tk, nil
	}
	principals := map[string]bool{}
	var keyRows [][]any
	var lookup []string
	audited := map[string]bool{} // tickets whose change can change an audit result
	for _, id := range keys(tk.merged) {
		t := tk.merged[id]
		for _, k := range ticketKeys(&t) {
			keyRows = append(keyRows, []any{k, t.ID})
		}
		if old, ok := stored[id]; !a.replayAll && ((ok && sameForAudit(&old, &t)) || (t.inert() && (!ok || old.inert()))) {
			a.metrics.tickets.WithLabelValues("unchanged").Inc()
			continue
		}
		a.metrics.tickets.WithLabelValues("audited").Inc()
		audited[id] = true
		lookup = append(lookup, ticketPrincipalKeys(&t)...)
	}
	// The principal a ticket event is keyed by (its beneficiary, else requester, else the
	// ticket) is refreshed whether or not it has a checkpoint yet.
	for i := range batch {
		if e := &batch[i].Event; e.Category == schemas.CategoryTicket && audited[e.Ticket.ID] {
			principals[principalOf(e)] = true
		}
	}
	var found []Row
	err = parallel(func() error {
		if err := a.store.Insert(ctx, "ticket_keys", keyColumns["ticket_keys"], keyRows); err != nil {
			return fmt.Errorf("auditor: write %d ticket keys: %w", len(keyRows), err)
		}
		return nil
	}, func() error {
		var err error
		found, err = a.queryIn(ctx, sqlPrincipalsByKey, lookup)
		if err != nil {
			return fmt.Errorf("auditor: find principals of tickets: %w", err)
		}
		return nil
	})
	if err != nil {
		return ticketChanges{}, err
	}
	for _, r := range found {
		principals[r.String("principal")] = true
	}
	for i := range batch {
		e := &batch[i].Event
		if e.Category == schemas.CategoryTicket || !slices.ContainsFunc(e.TicketRefs, func(r string) bool { return audited[r] }) {
			continue
		}
		if p := principalOf(e); p != "" {
			principals[p] = true
		}
	}
	tk.principals = keys(principals)
	return tk, nil
}

// loadHistory reads the ledger events of principals (a range of ledger_facts'
// primary key each), merges extra (events not necessarily stored yet) and returns them per principal, each event
// once. Order is left to buildLedger.
func (a *Auditor) loadHistory(ctx context.Context, ids []string, extra map[string][]fact) (map[string][]fact, error) {
	rows, err := a.queryIn(ctx, sqlLedgerFactsOf, ids)
	if err != nil {
		return nil, fmt.Errorf("auditor: load principal history: %w", err)
	}
	out := make(map[string][]fact, len(ids))
	for _, id := range ids {
		out[id] = nil
	}
	seen := make(map[string]bool, len(rows))
	add := func(f fact) {
		evs, ok := out[f.Principal]
		// One event can be a ledger event of two principals (a call made with the actor's
		// key that changes someone else's access): seen is per principal.
		k := f.Principal + "\x00" + f.EventID
		if !ok || seen[k] {
			return // not asked for, or a duplicate delivery not merged away yet
		}
		seen[k] = true
		out[f.Principal] = append(evs, f)
	}
	for _, r := range rows {
		add(factFromRow(r))
	}
	for _, fs := range extra {
		for _, f := range fs {
			add(f)
		}
	}
	return out, nil
}

// loadPrincipals derives the ledgers of principals from their history (or, for those in
// incr, their checkpoint and new events: history holds both) and the tickets that concern
// them, found by key in ticket_keys; merged are the tickets the batch changed, not stored
// yet.
func (a *Auditor) loadPrincipals(ctx context.Context, ids []string, history map[string][]fact, incr, saved map[string]*ledgerBase, merged map[string]ticket, peers map[string][]alias, now time.Time) ([]*principalState, error) {
	states := map[string]*principalState{}
	lookup := map[string]bool{}
	var cachedTickets []ticket
	for _, id := range ids {
		ps := &principalState{ID: id, Events: history[id], Aliases: accounts(peers[id])}
		wanted := map[string]bool{whoKey(id): true}
		for _, al := range ps.Aliases {
			wanted[whoKey(al)] = true
		}
		if b := incr[id]; b != nil {
			ps.Base, ps.Emails = b, slices.Clone(b.Emails)
			for _, ref := range b.Refs {
				wanted[refKey(ref)] = true
			}
			for _, e := range b.Emails {
				wanted[whoKey(e)] = true
			}
		}
		for _, f := range ps.Events {
			for _, ref := range f.TicketRefs {
				wanted[refKey(ref)] = true
			}
			if f.SubjectMail != "" {
				wanted[whoKey(f.SubjectMail)] = true
			}
		}
		// The tickets of a principal refreshed at its checkpoint's version are in memory;
		// only keys the checkpoint did not have are looked up for it.
		if b := saved[id]; b != nil && !a.replayAll {
			if ts, ok := a.tickets.at(id, b.Version); ok {
				cachedTickets = append(cachedTickets, ts...)
				for _, k := range principalKeys(id, b) {
					delete(wanted, k)
				}
			}
		}
		maps.Copy(lookup, wanted)
		states[id] = ps
	}
	idRows, err := a.queryIn(ctx, sqlTicketIDsByKey, keys(lookup))
	if err != nil {
		return nil, fmt.Errorf("auditor: find tickets of principals: %w", err)
	}
	var ticketIDs []string
	for _, r := range idRows {
		if id := r.String("ticket_id"); merged[id].ID == "" {
			ticketIDs = append(ticketIDs, id) // the batch's own changes are in merged
		}
	}
	rows, err := a.queryIn(ctx, sqlTicketsByID, ticketIDs)
	if err != nil {
		return nil, fmt.Errorf("auditor: load tickets of principals: %w", err)
	}
	all := make(map[string]ticket, len(cachedTickets)+len(rows)+len(merged))
	for _, t := range cachedTickets {
		all[t.ID] = t
	}
	for _, r := range rows {
		t := ticketFromRow(r)
		all[t.ID] = t
	}
	for id, t := range merged {
		all[id] = t
	}
	index := newTicketIndex(all)
	out := make([]*principalState, 0, len(ids))
	for _, id := range ids {
		ps := states[id]
		sortFacts(ps.Events)
		psRefs := map[string]bool{}
		if ps.Base != nil {
			for _, ref := range ps.Base.Refs {
				psRefs[strings.ToUpper(ref)] = true
			}
		}
		for _, f := range ps.Events {
			for _, ref := range f.TicketRefs {
				psRefs[strings.ToUpper(ref)] = true
			}
			if f.SubjectMail != "" && !slices.Contains(ps.Emails, f.SubjectMail) {
				ps.Emails = append(ps.Emails, f.SubjectMail)
			}
		}
		for _, tid := range index.candidates(ps, psRefs) {
			t := all[tid]
			if ps.relevant(&t, psRefs) {
				ps.Tickets = append(ps.Tickets, t)
			}
		}
		ps.buildLedger(&a.cfg, nextVersion(ptrVersion(saved[id]), now))
		out = append(out, ps)
	}
	return out, nil
}

// scopedKinds are the kinds whose stored findings an incremental refresh
// re-decides for an older event: those that depend on held access.
var scopedKinds = append([]string{KindSoDConflict, KindOverBroadGrant, KindMFAResetThenPrivilege}, ledgerKinds...)

// refreshPrincipals rewrites the ledgers of principals, reconciles their findings
// and checkpoints them: all findings for a principal rebuilt from its history, and
// for one in incr (applied on top of its checkpoint) those of its new events and
// those that depend on the access it holds now. saved are the principals' stored
// checkpoints, merged the tickets the batch changed, peers the other accounts of each
// one's identity (identities.peers).
func (a *Auditor) refreshPrincipals(ctx context.Context, ids []string, history map[string][]fact, incr, saved map[string]*ledgerBase, merged map[string]ticket, peers map[string][]alias) ([]schemas.Finding, error) {
	// The stored findings of ids do not depend on the ledgers: read them
	// while the ledgers are derived.
	type storedResult struct {
		stored map[string]storedFinding
		err    error
	}
	storedCh := make(chan storedResult, 1)
	go func() {
		var full []string
		for _, id := range ids {
			if incr[id] == nil {
				full = append(full, id)
			}
		}
		stored := map[string]storedFinding{}
		var scoped map[string]storedFinding
		err := parallel(func() error {
			if len(full) == 0 {
				return nil
			}
			var err error
			stored, err = a.findingStates(ctx, "principal IN %s", full)
			return err
		}, func() error {
			if len(incr) == 0 {
				return nil
			}
			var err error
			scoped, err = a.loadFindings(ctx, findingStateSelect+", kind, principal, event_ids",
				"kind IN "+quoteList(scopedKinds)+" AND principal IN %s", keys(incr))
			return err
		})
		for id, f := range scoped {
			stored[id] = f
		}
		storedCh <- storedResult{stored, err}
	}()
	now := a.clock().UTC()
	states, err := a.loadPrincipals(ctx, ids, history, incr, saved, merged, peers, now)
	if err != nil {
		<-storedCh
		return nil, err
	}
	var grantRows, credRows, stateRows, keyRows [][]any
	checkpoints := make(map[string]*ledgerBase, len(states))
	for _, ps := range states {
		checkpoints[ps.ID] = ps.checkpoint(incr[ps.ID], nextVersion(ptrVersion(saved[ps.ID]), now))
	}
	if err := a.attachPeers(ctx, states, peers, checkpoints, saved); err != nil {
		<-storedCh
		return nil, err
	}
	var desired []schemas.Finding
	for _, ps := range states {
		prev := saved[ps.ID]
		cp := checkpoints[ps.ID]
		row, err := stateRow(ps.ID, cp, now)
		if err != nil {
			<-storedCh
			return nil, err
		}
		stateRows = append(stateRows, row)
		var had []string
		if prev != nil {
			had = principalKeys(ps.ID, prev)
		}
		keyRows = append(keyRows, newKeyRows(ps.ID, principalKeys(ps.ID, cp), had)...)
		grantRows = append(grantRows, changedRows(ps.Grants, prevGrants(prev), (*grant).row, grantKey)...)
		credRows = append(credRows, changedRows(ps.Creds, prevCreds(prev), (*credential).row, credentialKey)...)
		desired = append(desired, ps.eventFindings(&a.cfg)...)
		desired = append(desired, ledgerFindings(ps.Grants, ps.Creds, now, &a.cfg)...)
	}
	// The keys and the ledger rows that changed first: they are written by comparing with
	// the stored checkpoint, and a retry after the checkpoint is stored would compare with
	// the new one and not write them again.
	err = parallel(func() error {
		if err := a.store.Insert(ctx, "principal_keys", keyColumns["principal_keys"], keyRows); err != nil {
			return fmt.Errorf("auditor: write %d principal keys: %w", len(keyRows), err)
		}
		return nil
	}, func() error {
		if err := a.store.Insert(ctx, "grants", grantColumns, grantRows); err != nil {
			return fmt.Errorf("auditor: write %d grants: %w", len(grantRows), err)
		}
		return nil
	}, func() error {
		if err := a.store.Insert(ctx, "credentials", credentialColumns, credRows); err != nil {
			return fmt.Errorf("auditor: write %d credentials: %w", len(credRows), err)
		}
		return nil
	})
	if err != nil {
		<-storedCh
		return nil, err
	}
	var changed []schemas.Finding
	err = parallel(func() error {
		if err := a.store.Insert(ctx, "principal_state", principalStateColumns, stateRows); err != nil {
			return fmt.Errorf("auditor: write %d principal states: %w", len(stateRows), err)
		}
		for p, cp := range checkpoints {
			a.states.put(p, cp)
		}
		for _, ps := range states {
			cp := checkpoints[ps.ID]
			if incr[ps.ID] == nil {
				a.facts.put(ps.ID, memoEntry[fact]{cp.Version, ps.Events}) // the whole history
			} else if fs, ok := a.facts.at(ps.ID, incr[ps.ID].Version); ok {
				a.facts.put(ps.ID, memoEntry[fact]{cp.Version, withFacts(fs, ps.Events)})
			}
			a.tickets.put(ps.ID, memoEntry[ticket]{cp.Version, ps.Tickets})
		}
		return nil
	}, func() error {
		res := <-storedCh
		if res.err != nil {
			return res.err
		}
		outOfScope(res.stored, states)
		var err error
		changed, err = a.writeFindings(ctx, desired, res.stored, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// outOfScope drops from stored the findings an incremental refresh leaves as
// they are: those about access held before the batch and still held (their
// proving grant event is still an active grant), whose facts did not change.
func outOfScope(stored map[string]storedFinding, states []*principalState) {
	active := map[string]map[string]bool{}
	for _, ps := range states {
		if ps.Base == nil {
			continue
		}
		held := map[string]bool{}
		for i := range ps.Grants {
			if ps.Grants[i].active() {
				held[ps.Grants[i].GrantEvent] = true
			}
		}
		active[ps.ID] = held
	}
	for id, f := range stored {
		held, ok := active[f.Principal]
		if !ok || (f.Kind != KindOverBroadGrant && f.Kind != KindMFAResetThenPrivilege) {
			continue
		}
		if slices.ContainsFunc(f.EventIDs, func(e string) bool { return held[e] }) {
			delete(stored, id)
		}
	}
}

// parallel runs fns concurrently and returns the first error in fns' order.
// The writes and reads it combines are independent and idempotent, so one
// failing while others succeed leaves nothing a retry of the batch does not
// repair.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// findingStates loads id, status, detection time and version of the stored
// findings matching cond: all reconcile needs of a finding that is still
// implied. writeFindings loads the whole row only of those it resolves.
func (a *Auditor) findingStates(ctx context.Context, cond string, values []string) (map[string]storedFinding, error) {
	return a.loadFindings(ctx, findingStateSelect, cond, values)
}

func (a *Auditor) loadFindings(ctx context.Context, columns, cond string, values []string) (map[string]storedFinding, error) {
	rows, err := a.queryIn(ctx, sqlFindingsWhere(columns, cond), values)
	if err != nil {
		return nil, fmt.Errorf("auditor: load findings: %w", err)
	}
	out := make(map[string]storedFinding, len(rows))
	for _, r := range rows {
		f := findingFromRow(r)
		out[f.FindingID] = f
	}
	return out, nil
}

// writeFindings reconciles desired with stored (from findingStates) and
// writes the changes.
func (a *Auditor) writeFindings(ctx context.Context, desired []schemas.Finding, stored map[string]storedFinding, now time.Time) ([]schemas.Finding, error) {
	implied := make(map[string]bool, len(desired))
	for i := range desired {
		implied[desired[i].FindingID] = true
	}
	var stale []string
	for id, f := range stored {
		if !implied[id] && f.Status == schemas.FindingOpen {
			stale = append(stale, id)
		}
	}
	if len(stale) > 0 {
		full, err := a.loadFindings(ctx, findingSelect, "finding_id IN %s", stale)
		if err != nil {
			return nil, err
		}
		for id, f := range full {
			stored[id] = f
		}
	}
	rows, changed := reconcile(desired, stored, now)
	if err := a.store.Insert(ctx, "findings", findingColumns, rows); err != nil {
		return nil, fmt.Errorf("auditor: write %d findings: %w", len(rows), err)
	}
	for _, f := range changed {
		a.metrics.findings.WithLabelValues(f.Kind, string(f.Status)).Inc()
		a.log.Info("finding", "id", f.FindingID, "kind", f.Kind, "status", f.Status, "principal", f.Principal)
	}
	return changed, nil
}

// Sweep raises and resolves the time-based findings at now (REVIEW_OVERDUE,
// EXPIRED_NOT_REVOKED, BREAKGLASS_*, NHI_*, ORPHANED_GRANT). It reads only
// ledger rows that qualify at now and the open findings of those kinds, so
// its cost follows active grants and open problems, not event history.
func (a *Auditor) Sweep(ctx context.Context, now time.Time) ([]schemas.Finding, error) {
	start := time.Now()
	defer func() { a.metrics.sweep.Observe(time.Since(start).Seconds()) }()
	now = now.UTC()
	// Mappings stored since the last read (an analyst's, another replica's) re-audit the
	// principals whose identity they change.
	reaudited, err := a.reauditMoved(ctx)
	if err != nil {
		return nil, err
	}
	grows, err := a.store.Query(ctx, sweepGrantsSQL(now, &a.cfg))
	if err != nil {
		return nil, fmt.Errorf("auditor: sweep grants: %w", err)
	}
	crows, err := a.store.Query(ctx, sweepCredentialsSQL(now, &a.cfg))
	if err != nil {
		return nil, fmt.Errorf("auditor: sweep credentials: %w", err)
	}
	grants := make([]grant, len(grows))
	for i, r := range grows {
		grants[i] = grantFromRow(r)
	}
	creds := make([]credential, len(crows))
	for i, r := range crows {
		creds[i] = credentialFromRow(r)
	}
	desired := ledgerFindings(grants, creds, now, &a.cfg)
	stored, err := a.findingStates(ctx, "status = 'OPEN' AND kind IN %s", ledgerKinds)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, d := range desired {
		if _, ok := stored[d.FindingID]; !ok {
			unknown = append(unknown, d.FindingID)
		}
	}
	if len(unknown) > 0 {
		resolved, err := a.findingStates(ctx, "finding_id IN %s", unknown)
		if err != nil {
			return nil, err
		}
		for id, f := range resolved {
			stored[id] = f
		}
	}
	changed, err := a.writeFindings(ctx, desired, stored, now)
	return append(reaudited, changed...), err
}

// markRead gives each of ids that has no checkpoint a nil entry in states, so that what a
// batch has read is not read again (a present nil is "read: none").
func markRead(states map[string]*ledgerBase, ids []string) {
	for _, id := range ids {
		if _, ok := states[id]; !ok {
			states[id] = nil
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
