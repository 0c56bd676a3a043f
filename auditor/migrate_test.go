package auditor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/internal/chdb/chdbtest"
)

func newStore(t testing.TB) *EmbeddedStore {
	t.Helper()
	return NewEmbeddedStore(chdbtest.OpenForTest(t))
}

func TestMigrateIdempotentAndRefusesNewer(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	applied, err := Migrate(ctx, s, MigrateOptions{})
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(applied) == 0 || applied[len(applied)-1] != LatestVersion() {
		t.Fatalf("applied %v, want up to %d", applied, LatestVersion())
	}
	again, err := Migrate(ctx, s, MigrateOptions{})
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", again)
	}
	rows, err := s.Query(ctx, "SELECT count() AS n FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0].Int("n"); got != int64(LatestVersion()) {
		t.Fatalf("schema_migrations has %d rows, want %d", got, LatestVersion())
	}
	for _, obj := range []string{"events", "grants", "tickets", "credentials", "findings", "open_findings",
		"grants_review_overdue", "lane_volume", "help_desk_access_changes", "breakglass_timeline", "nhi_secret_age"} {
		if _, err := s.Query(ctx, "SELECT count() AS n FROM "+obj); err != nil {
			t.Errorf("query %s: %v", obj, err)
		}
	}

	if err := s.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')"); err != nil {
		t.Fatal(err)
	}
	_, err = Migrate(ctx, s, MigrateOptions{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("migrate on newer database: got %v, want ErrSchemaTooNew", err)
	}
}

func TestRawTTLApplied(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := Migrate(ctx, s, MigrateOptions{RawTTLDays: 7}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Query(ctx, "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'events'")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("events table: %d rows", len(rows))
	}
	if q := rows[0].String("q"); !strings.Contains(q, "toIntervalDay(7)") {
		t.Fatalf("events DDL carries no 7-day TTL on raw:\n%s", q)
	}
}
