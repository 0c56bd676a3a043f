package auditor

import (
	"context"
	"testing"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
	"github.com/tollgate-io/tollgate/internal/clickhouse/embedded"
)

// newStore returns the embedded store on a fresh, empty test database.
func newStore(t testing.TB) *embedded.Store {
	t.Helper()
	return clickhousetest.Embedded(t)
}

// MigrateOptions are clickhouse.MigrateOptions, so that the tests of this package read
// Migrate(ctx, s, MigrateOptions{}).
type MigrateOptions = clickhouse.MigrateOptions

// Migrate is clickhouse.Migrate, for the tests of this package.
func Migrate(ctx context.Context, s Store, opts MigrateOptions) ([]int, error) {
	return clickhouse.Migrate(ctx, s, opts)
}
