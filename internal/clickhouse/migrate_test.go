package clickhouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
)

func TestMigrateIdempotentAndRefusesNewer(t *testing.T) {
	ctx := context.Background()
	s := clickhousetest.Embedded(t)
	applied, err := clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{})
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(applied) == 0 || applied[len(applied)-1] != clickhouse.LatestVersion() {
		t.Fatalf("applied %v, want up to %d", applied, clickhouse.LatestVersion())
	}
	again, err := clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{})
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
	if got := rows[0].Int("n"); got != int64(clickhouse.LatestVersion()) {
		t.Fatalf("schema_migrations has %d rows, want %d", got, clickhouse.LatestVersion())
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
	_, err = clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{})
	if !errors.Is(err, clickhouse.ErrSchemaTooNew) {
		t.Fatalf("migrate on newer database: got %v, want clickhouse.ErrSchemaTooNew", err)
	}
}

func TestRawTTLApplied(t *testing.T) {
	ctx := context.Background()
	s := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, s, clickhouse.MigrateOptions{RawTTLDays: 7}); err != nil {
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
