package auditor

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/router"
)

// TestHistoryReplaysLikeTheOriginal: events read back from the table decide exactly as the
// events the router saw, under the default policy, and come back once each in time order.
func TestHistoryReplaysLikeTheOriginal(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	store, a := h.s, h.a
	evs := auditortest.Scenario()
	if _, err := a.WriteBatch(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteBatch(ctx, evs); err != nil { // a duplicate delivery is read once
		t.Fatal(err)
	}
	policy, err := router.DefaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range evs {
		d, err := policy.Decide(&evs[i].Event, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want[evs[i].Event.EventID] = string(d.Lane) + " " + string(d.Impact) + " " + d.RuleID
	}
	var got []string
	var last time.Time
	for ev, err := range History(ctx, store, time.Time{}, time.Time{}, 7) { // small pages cross page boundaries
		if err != nil {
			t.Fatal(err)
		}
		if ev.OccurredAt.Before(last) {
			t.Fatalf("%s out of order", ev.EventID)
		}
		last = ev.OccurredAt
		d, err := policy.Decide(ev, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", ev.EventID, err)
		}
		if g := string(d.Lane) + " " + string(d.Impact) + " " + d.RuleID; g != want[ev.EventID] {
			t.Errorf("%s decided %q from history, %q originally", ev.EventID, g, want[ev.EventID])
		}
		got = append(got, ev.EventID)
	}
	if len(got) != len(want) {
		sort.Strings(got)
		t.Fatalf("history yielded %d events, want %d distinct: %v", len(got), len(want), got)
	}
	// A time range selects by occurred_at.
	times := make([]time.Time, len(evs))
	for i := range evs {
		times[i] = evs[i].Event.OccurredAt
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	mid := times[len(times)/2]
	n := 0
	for ev, err := range History(ctx, store, mid, time.Time{}, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.OccurredAt.Before(mid) {
			t.Fatalf("%s occurred before the range", ev.EventID)
		}
		n++
	}
	if n == 0 || n >= len(want) {
		t.Fatalf("range from %s yielded %d of %d events", mid, n, len(want))
	}
}
