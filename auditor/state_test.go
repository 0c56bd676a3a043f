package auditor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	migrations "github.com/tollgate-io/tollgate/deploy/clickhouse"
	"github.com/tollgate-io/tollgate/schemas"
)

func TestSeenFilter(t *testing.T) {
	const n = 5000
	f := newSeenFilter(n)
	for i := range n {
		f.add(fmt.Sprintf("OKTA:%d", i))
	}
	for i := range n {
		if !f.mayContain(fmt.Sprintf("OKTA:%d", i)) {
			t.Fatalf("OKTA:%d was added but is not seen", i)
		}
	}
	fp := 0
	for i := range n {
		if f.mayContain(fmt.Sprintf("ENTRA:%d", i)) {
			fp++
		}
	}
	// 16 bits an event and 7 hashes: about 0.05 % false positives.
	if fp > n/200 {
		t.Fatalf("%d of %d unseen ids look seen", fp, n)
	}
	if f.saturated(n) || !f.saturated(uint64(len(f.Bits))+1) {
		t.Fatalf("a filter of %d bytes sized for %d events: saturated at %d = %v, at %d = %v",
			len(f.Bits), n, n, f.saturated(n), len(f.Bits)+1, f.saturated(uint64(len(f.Bits))+1))
	}
	var empty seenFilter
	if !empty.saturated(0) {
		t.Fatal("a checkpoint without a filter must not be trusted")
	}
}

func TestNextVersionNeverRepeats(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	v1 := nextVersion(0, now)
	if v1 != uint64(now.UnixMicro()) {
		t.Fatalf("first version %d, want the clock's %d", v1, now.UnixMicro())
	}
	v2 := nextVersion(v1, now) // same clock: a retry in the same microsecond
	v3 := nextVersion(v2, now.Add(-time.Hour))
	if v2 <= v1 || v3 <= v2 {
		t.Fatalf("versions %d, %d, %d do not increase", v1, v2, v3)
	}
	// Schema v2 counted events in the upper bits of the version: a billion events would
	// have been needed to reach a clock version.
	if old := uint64(1_000_000) << 20; v1 <= old {
		t.Fatalf("clock version %d not above a v2 version %d", v1, old)
	}
}

// faultyStore fails the insert numbered failAt (counting from 1) once, then works.
type faultyStore struct {
	Store
	inserts atomic.Int64
	failAt  atomic.Int64
}

var errInjected = errors.New("injected: the process died here")

func (s *faultyStore) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if n := s.inserts.Add(1); n == s.failAt.Load() {
		return fmt.Errorf("insert into %s: %w", table, errInjected)
	}
	return s.Store.Insert(ctx, table, columns, rows)
}

// ledgerSnapshot is every ledger and finding row of s without versions (which count the
// checkpoints written, retries included).
func ledgerSnapshot(t *testing.T, s Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT * EXCEPT version FROM (SELECT " + grantSelect + " FROM grants FINAL) ORDER BY principal, entitlement_key",
		"SELECT * EXCEPT version FROM (SELECT " + credentialSelect + " FROM credentials FINAL) ORDER BY principal, credential_id",
		"SELECT * EXCEPT version FROM (SELECT " + findingSelect + " FROM findings FINAL) ORDER BY principal, finding_id",
		"SELECT * EXCEPT version FROM (SELECT " + ticketSelect + " FROM tickets FINAL) ORDER BY ticket_id",
	} {
		rows, err := s.Query(context.Background(), q+aliasSafe)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Fatalf("%s: no rows", q)
		}
		fmt.Fprintf(&b, "%d rows %v\n", len(rows), rows)
	}
	return b.String()
}

// TestCrashAtEveryWriteGivesTheSameLedgers writes a random history (late events,
// redeliveries, tickets) once through one auditor, and through another whose store fails
// one write of every batch — a different write each batch, so the process "dies" before,
// between and after the events, ledger facts, keys, checkpoints, ledgers, findings and
// tickets — after which a new auditor (nothing in memory) redelivers the batch. Every
// third batch is also redelivered after it succeeded: the process died between the
// checkpoint and the Kafka commit. The ledgers, tickets and findings must end the same.
func TestCrashAtEveryWriteGivesTheSameLedgers(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.SoDPairs = [][2]string{{"ap-invoice-create", "ap-invoice-approve"}}
	cfg.BreakGlassAccounts = []string{"breakglass-01@corp.example"}
	clock := &fakeClock{now: t0}
	open := func(s Store) *Auditor {
		if _, err := Migrate(ctx, s, MigrateOptions{}); err != nil {
			t.Fatal(err)
		}
		a, err := New(s, cfg, Options{Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	once := open(newStore(t))
	faulty := &faultyStore{Store: newStore(t)}
	crashy := open(faulty)
	failures := 0
	for r, batch := range randomHistory(7, 36, 30) {
		clock.now = t0.Add(time.Duration(r)*3*time.Hour + 4*time.Hour)
		if _, err := once.WriteBatch(ctx, batch); err != nil {
			t.Fatalf("batch %d: %v", r, err)
		}
		faulty.inserts.Store(0)
		faulty.failAt.Store(int64(r%10) + 1)
		if _, err := crashy.WriteBatch(ctx, batch); err != nil {
			if !errors.Is(err, errInjected) {
				t.Fatalf("batch %d: %v", r, err)
			}
			failures++
			crashy = open(faulty) // a new process: the batch is redelivered
			if _, err := crashy.WriteBatch(ctx, batch); err != nil {
				t.Fatalf("batch %d redelivered: %v", r, err)
			}
		}
		faulty.failAt.Store(0)
		if r%3 == 2 {
			crashy = open(faulty)
			if _, err := crashy.WriteBatch(ctx, batch); err != nil {
				t.Fatalf("batch %d redelivered after its checkpoint: %v", r, err)
			}
		}
	}
	if failures < 20 {
		t.Fatalf("only %d batches failed; the history must crash at every kind of write", failures)
	}
	for _, a := range []*Auditor{once, crashy} {
		if _, err := a.Sweep(ctx, clock.now); err != nil {
			t.Fatal(err)
		}
	}
	if want, got := ledgerSnapshot(t, once.store), ledgerSnapshot(t, faulty.Store); got != want {
		t.Fatalf("after crashes and redeliveries the ledgers differ\n once:    %s\n crashed: %s", want, got)
	}
}

// TestSchemaV3BackfillsKeyedState stores a history as schema v2 held it (events and
// tickets, no keyed state), migrates to v3 and goes on writing: the late ticket that
// concerns a principal seen only before the migration must find it, and the ledgers end
// as they do for a history written entirely on v3.
func TestSchemaV3BackfillsKeyedState(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	clock := &fakeClock{now: t0.Add(time.Hour)}
	history := randomHistory(11, 24, 25)
	split := 12

	fresh := newStore(t)
	if _, err := Migrate(ctx, fresh, MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	ref, err := New(fresh, cfg, Options{Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}

	old := newStore(t)
	if _, err := Migrate(ctx, old, MigrateOptions{UpTo: 2}); err != nil {
		t.Fatal(err)
	}
	for r, batch := range history {
		clock.now = t0.Add(time.Duration(r)*3*time.Hour + 4*time.Hour)
		if _, err := ref.WriteBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if r >= split {
			continue
		}
		// What v2 stored: the events, and each ticket merged from its events.
		var rows [][]any
		tickets := map[string][]fact{}
		for i := range batch {
			rows = append(rows, eventRow(&batch[i]))
			if e := &batch[i].Event; e.Category == schemas.CategoryTicket {
				tickets[e.Ticket.ID] = append(tickets[e.Ticket.ID], ticketFactFromEvent(&batch[i]))
			}
		}
		if err := old.Insert(ctx, "events", eventColumns, rows); err != nil {
			t.Fatal(err)
		}
		rows = nil
		for id := range tickets {
			evs, err := old.Query(ctx, "SELECT "+ticketFactSelect+" FROM events WHERE ticket_id = "+quote(id))
			if err != nil {
				t.Fatal(err)
			}
			var fs []fact
			seen := map[string]bool{}
			for _, e := range evs {
				if f := factFromRow(e); !seen[f.EventID] {
					seen[f.EventID] = true
					fs = append(fs, f)
				}
			}
			tk := mergeTicket(fs)
			rows = append(rows, tk.row())
		}
		if err := old.Insert(ctx, "tickets", ticketColumns, rows); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := Migrate(ctx, old, MigrateOptions{})
	if err != nil || len(applied) == 0 || applied[0] != 3 {
		t.Fatalf("migrate to v3: applied %v, %v", applied, err)
	}
	for _, table := range []string{"ledger_facts", "ticket_keys", "principal_keys"} {
		rows, err := old.Query(ctx, "SELECT count() AS n FROM "+table)
		if err != nil || rows[0].Int("n") == 0 {
			t.Fatalf("%s not backfilled: %v %v", table, rows, err)
		}
	}
	migrated, err := New(old, cfg, Options{Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// The v2 part is replayed into the ledgers once (what the first batches after the
	// migration do for every principal they touch); here every principal is touched again.
	for r := split; r < len(history); r++ {
		clock.now = t0.Add(time.Duration(r)*3*time.Hour + 4*time.Hour)
		if _, err := migrated.WriteBatch(ctx, history[r]); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*Auditor{ref, migrated} {
		if _, err := a.Sweep(ctx, clock.now); err != nil {
			t.Fatal(err)
		}
	}
	// Principals the post-migration batches never touched hold no v3 ledger rows here;
	// compare the findings of those they touched.
	touched, err := old.Query(ctx, "SELECT DISTINCT principal FROM principal_state")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range touched {
		ids = append(ids, r.String("principal"))
	}
	// Findings opened and resolved before the migration were never raised on the v2 side
	// of this test (no auditor ran there); the open ones must agree.
	q := "SELECT finding_id, kind FROM findings FINAL WHERE status = 'OPEN' AND principal IN " + quoteList(ids) + " ORDER BY finding_id"
	want, err := fresh.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := old.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
		t.Fatalf("findings after the migration differ\n v3 throughout: %d %v\n migrated:      %d %v", len(want), want, len(got), got)
	}
}

// TestBackfillSelectsTheLedgerEvents keeps the v3 backfill's condition, written out in
// SQL, equal to ledgerEvent's list of actions.
func TestBackfillSelectsTheLedgerEvents(t *testing.T) {
	for _, form := range []string{"single", "cluster"} {
		sql, err := migrations.FS.ReadFile(form + "/0003_principal_state.sql")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(sql), ledgerEventSQL+";") {
			t.Errorf("%s/0003_principal_state.sql: the ledger_facts backfill does not select %s", form, ledgerEventSQL)
		}
	}
}

// TestReopenedFindingIsDetectedAgain: a finding raised again after it was resolved carries
// the time it was detected again, so each of its state changes has a time of its own (the
// findings topic's ce_id is built from it).
func TestReopenedFindingIsDetectedAgain(t *testing.T) {
	first, resolved, again := t0, t0.Add(time.Hour), t0.Add(2*time.Hour)
	f := schemas.Finding{FindingID: "f1", Kind: KindUnticketedAccessChange, Status: schemas.FindingOpen, Principal: "p",
		EventIDs: []string{"e"}, Controls: []string{}}
	_, opened := reconcile([]schemas.Finding{f}, map[string]storedFinding{}, first)
	stored := storedFinding{Finding: opened[0], Version: 1}
	_, closed := reconcile(nil, map[string]storedFinding{"f1": stored}, resolved)
	if closed[0].Status != schemas.FindingResolved || !closed[0].ResolvedAt.Equal(resolved) || !closed[0].DetectedAt.Equal(first) {
		t.Fatalf("resolved: %+v", closed[0])
	}
	_, reopened := reconcile([]schemas.Finding{f}, map[string]storedFinding{"f1": {Finding: closed[0], Version: 2}}, again)
	if len(reopened) != 1 || reopened[0].Status != schemas.FindingOpen || !reopened[0].DetectedAt.Equal(again) {
		t.Fatalf("re-opened: %+v, want OPEN detected at %s", reopened, again)
	}
}
