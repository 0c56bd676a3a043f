package service

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/auditor/auditortest"
	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/schemas"
)

// TestFindingEventIDPerStateChange: OPEN → RESOLVED → OPEN of one finding are three
// records with three ce_ids (a consumer deduplicating on ce_id keeps the resolution),
// while the same state published twice (a republish after a crash) has one.
func TestFindingEventIDPerStateChange(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	open := schemas.Finding{FindingID: "f1", Status: schemas.FindingOpen, DetectedAt: at}
	resolved := open
	resolved.Status, resolved.ResolvedAt = schemas.FindingResolved, new(at.Add(time.Hour))
	reopened := open
	reopened.DetectedAt = at.Add(2 * time.Hour)
	ids := map[string]bool{}
	for _, f := range []schemas.Finding{open, resolved, reopened} {
		ids[FindingEventID(&f)] = true
	}
	if len(ids) != 3 {
		t.Fatalf("ce_ids %v: want one per state change", ids)
	}
	again := open
	if FindingEventID(&again) != FindingEventID(&open) {
		t.Fatalf("the same state gave %q and %q", FindingEventID(&again), FindingEventID(&open))
	}
	if got, want := FindingEventID(&resolved), "f1.resolved.1772445600000"; got != want {
		t.Fatalf("ce_id %q, want %q", got, want)
	}
	if got := findingTime(&resolved); !got.Equal(at.Add(time.Hour)) {
		t.Fatalf("ce_time of the resolution %s", got)
	}
}

// TestGraceWithholdsFindingsALateTicketResolves: with a grace on UNTICKETED_ACCESS_CHANGE,
// a grant whose approved request arrives inside the grace is stored open and resolved but
// never announced, while one that stays unticketed is announced once its grace ends, by
// the sweep.
func TestGraceWithholdsFindingsALateTicketResolves(t *testing.T) {
	ctx := bounded(t)
	s := newStack(t, 1)
	store := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(auditortest.T0.Add(time.Minute).UnixNano())
	a, err := auditor.New(store, auditor.DefaultConfig(), auditor.Options{Clock: func() time.Time { return time.Unix(0, now.Load()).UTC() },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.serviceConfig("auditor")
	cfg.SweepInterval = 50 * time.Millisecond
	cfg.Grace = map[string]time.Duration{auditor.KindUnticketedAccessChange: 10 * time.Minute}
	svc := New(cfg, a, s.codec, s.producer, nil, nil)
	runningService(t, svc)

	var ev auditortest.Events
	carol, dan := auditortest.Human("carol@corp.example"), auditortest.Human("dan@corp.example")
	read := auditortest.Group("reporting", schemas.PrivilegeRead)
	s.produce(ctx,
		ev.IAM(schemas.ActionAccessGrant, auditortest.T0, schemas.LaneServiceDesk, auditortest.Admin, carol, read),
		ev.IAM(schemas.ActionAccessGrant, auditortest.T0, schemas.LaneServiceDesk, auditortest.Admin, dan, read))
	open := map[string]string{}
	eventually(ctx, t, "both grants unticketed", func() error {
		fs, err := a.Findings(ctx, auditor.FindingFilter{Status: schemas.FindingOpen, Kind: auditor.KindUnticketedAccessChange})
		if err != nil || len(fs) != 2 {
			return fmt.Errorf("%d open, %v", len(fs), err)
		}
		for _, f := range fs {
			open[f.Principal] = f.FindingID
		}
		return nil
	})
	// Dan's request, approved a minute after the grant, arrives inside the grace.
	now.Store(auditortest.T0.Add(3 * time.Minute).UnixNano())
	s.produce(ctx, ev.Ticket(schemas.ActionTicketApproved, auditortest.T0.Add(time.Minute), auditortest.ApprovedRequest("RITM9", dan, "reporting", auditortest.Admin)))
	eventually(ctx, t, "dan's finding resolved", func() error {
		fs, err := a.Findings(ctx, auditor.FindingFilter{ID: open[dan.ID]})
		if err != nil || len(fs) != 1 || fs[0].Status != schemas.FindingResolved {
			return fmt.Errorf("%+v %v", fs, err)
		}
		return nil
	})
	eventually(ctx, t, "the resolution withheld", func() error {
		if got := counterValue(svc.m.withheld.WithLabelValues(auditor.KindUnticketedAccessChange)); got != 1 {
			return fmt.Errorf("withheld %v", got)
		}
		return nil
	})
	if got := counterValue(svc.m.findings); got != 0 {
		t.Fatalf("%v findings announced inside the grace", got)
	}
	// Past carol's grace the sweep announces her finding, and only hers.
	now.Store(auditortest.T0.Add(20 * time.Minute).UnixNano())
	fs, err := a.Findings(ctx, auditor.FindingFilter{ID: open[carol.ID]})
	if err != nil || len(fs) != 1 {
		t.Fatalf("carol's finding: %v %v", fs, err)
	}
	n := s.readFindingsTopic(ctx, t, map[string]string{fs[0].FindingID: findingKey(fs[0])})
	if n != 1 || counterValue(svc.m.findings) != 1 {
		t.Fatalf("read %d findings records, %v published; want carol's only", n, counterValue(svc.m.findings))
	}
}

func TestSuppressionMatches(t *testing.T) {
	now := auditortest.T0
	ent := "okta:Finance"
	f := schemas.Finding{Kind: auditor.KindOverBroadGrant, Principal: "svc-backup", Entitlement: &ent, Status: schemas.FindingOpen, DetectedAt: now}
	noEnt := f
	noEnt.Entitlement = nil
	for _, c := range []struct {
		s    Suppression
		f    schemas.Finding
		want bool
	}{
		{Suppression{Kind: auditor.KindOverBroadGrant, Until: now.Add(time.Hour)}, f, true},
		{Suppression{Principal: "svc-*", Until: now.Add(time.Hour)}, f, true},
		{Suppression{Principal: "svc-*", Entitlement: "okta:*", Until: now.Add(time.Hour)}, f, true},
		{Suppression{Principal: "svc-*", Entitlement: "okta:*", Until: now.Add(time.Hour)}, noEnt, false},
		{Suppression{Principal: "svc-*", Entitlement: "*", Until: now.Add(time.Hour)}, noEnt, true},
		{Suppression{Kind: auditor.KindSoDConflict, Until: now.Add(time.Hour)}, f, false},
		{Suppression{Principal: "alice*", Until: now.Add(time.Hour)}, f, false},
		{Suppression{Kind: auditor.KindOverBroadGrant, Until: now}, f, false}, // expired
	} {
		if got := c.s.matches(&c.f, now); got != c.want {
			t.Errorf("%+v on %s/%s/%v: %v, want %v", c.s, c.f.Kind, c.f.Principal, c.f.Entitlement != nil, got, c.want)
		}
	}
	svc := &Service{cfg: Config{Suppress: []Suppression{{Principal: "svc-*", Until: now.Add(time.Hour)}}}, m: newServiceMetrics(nil, slog.New(slog.DiscardHandler))}
	other := f
	other.Principal = "alice@corp.example"
	if got := svc.announceable([]schemas.Finding{f, other}, now); len(got) != 1 || got[0].Principal != "alice@corp.example" {
		t.Fatalf("announced %+v, want alice's only", got)
	}
	if got := svc.announceable([]schemas.Finding{f}, now.Add(2*time.Hour)); len(got) != 1 {
		t.Fatalf("after the suppression's end %+v, want it announced", got)
	}
}
