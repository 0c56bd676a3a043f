package connectors

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tollgate-io/tollgate/schemas"
)

type scriptedPuller struct {
	pages []Page
	acked []string
}

func (p *scriptedPuller) Source() schemas.Source { return schemas.SourceOkta }

func (p *scriptedPuller) Pull(_ context.Context, cursor string) (Page, error) {
	for i, pg := range p.pages {
		if (i == 0 && cursor == "") || (i > 0 && p.pages[i-1].Cursor == cursor) {
			return pg, nil
		}
	}
	return Page{Cursor: cursor}, nil
}

func (p *scriptedPuller) Ack(_ context.Context, cursor string) error {
	p.acked = append(p.acked, cursor)
	return nil
}

type recordingSink struct{ ids []string }

func (s *recordingSink) Produce(_ context.Context, evs []schemas.IdentityEvent) error {
	for _, e := range evs {
		s.ids = append(s.ids, e.EventID)
	}
	return nil
}

// TestRunPullDeadLettersRefusedRecordsAndAcknowledgesPages: a record the parser refused
// is dead-lettered before the page's cursor is saved (a crash in between reads the page
// again, never skips the record), and each page is acknowledged once it is on Kafka.
func TestRunPullDeadLettersRefusedRecordsAndAcknowledgesPages(t *testing.T) {
	p := &scriptedPuller{pages: []Page{
		{Events: []schemas.IdentityEvent{{EventID: "a"}}, Failed: []Failed{{Raw: []byte(`{"bad":`), Err: errors.New("unexpected end")}}, Cursor: "c1", More: true},
		{Events: []schemas.IdentityEvent{{EventID: "b"}}, Cursor: "c2"},
	}}
	store := &MemoryCursors{}
	sink := &recordingSink{}
	var dead []string
	err := RunPull(context.Background(), p, store, sink, PullOptions{Name: "okta", Once: true, DeadLetter: func(ctx context.Context, f Failed) error {
		saved, _ := store.Load(ctx, "okta")
		if saved != "" || !slices.Equal(sink.ids, []string{"a"}) {
			t.Errorf("dead letter after the cursor %q was saved, or before the page's events %v", saved, sink.ids)
		}
		dead = append(dead, string(f.Raw))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dead, []string{`{"bad":`}) || !slices.Equal(sink.ids, []string{"a", "b"}) || !slices.Equal(p.acked, []string{"c1", "c2"}) {
		t.Fatalf("dead %v, produced %v, acknowledged %v", dead, sink.ids, p.acked)
	}
	if c, _ := store.Load(context.Background(), "okta"); c != "c2" {
		t.Fatalf("cursor %q", c)
	}
	// A dead letter that cannot be written stops the page: its cursor is not saved.
	p2 := &scriptedPuller{pages: p.pages[:1]}
	store2 := &MemoryCursors{}
	ctx, cancel := context.WithCancel(context.Background())
	_ = RunPull(ctx, p2, store2, &recordingSink{}, PullOptions{Name: "okta", Once: true, RetryMin: 1, DeadLetter: func(context.Context, Failed) error {
		cancel()
		return errors.New("kafka down")
	}})
	if c, _ := store2.Load(context.Background(), "okta"); c != "" || len(p2.acked) != 0 {
		t.Fatalf("cursor %q saved and %v acknowledged although the dead letter failed", c, p2.acked)
	}
}
