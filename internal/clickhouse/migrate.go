package clickhouse

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	chddl "github.com/tollgate-io/tollgate/deploy/clickhouse"
)

// DefaultRawTTLDays is how long raw vendor payloads are kept when the
// migration options do not say.
const DefaultRawTTLDays = 30

// MigrateOptions tune Migrate.
type MigrateOptions struct {
	// Cluster selects the cluster form (Replicated + Distributed, ON CLUSTER).
	Cluster bool
	// RawTTLDays is the retention of events.raw in days; 0 means DefaultRawTTLDays.
	// It applies when the events table is created.
	RawTTLDays int
	// UpTo stops after this version; 0 applies every migration. Tests use it to build an
	// older schema and upgrade it.
	UpTo int
}

// Migration is one versioned DDL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of one form, in version order.
func Migrations(cluster bool) ([]Migration, error) {
	dir := "single"
	if cluster {
		dir = "cluster"
	}
	entries, err := fs.ReadDir(chddl.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read migrations %s: %w", dir, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("clickhouse: migration %s/%s: name must be NNNN_name.sql", dir, name)
		}
		b, err := fs.ReadFile(chddl.FS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("clickhouse: read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("clickhouse: two migrations with version %d", out[i].Version)
		}
	}
	return out, nil
}

// LatestVersion is the newest schema version this build knows.
func LatestVersion() int {
	ms, err := Migrations(false)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrate applies the pending migrations in order and records each applied
// version in schema_migrations. It is idempotent: applied versions are
// skipped, and every statement is CREATE … IF NOT EXISTS so a migration
// interrupted half-way can run again. A database whose recorded version is
// newer than this build knows is refused with ErrSchemaTooNew, before any
// statement runs. It returns the versions it applied.
func Migrate(ctx context.Context, s Store, opts MigrateOptions) ([]int, error) {
	ms, err := Migrations(opts.Cluster)
	if err != nil {
		return nil, err
	}
	ttl := opts.RawTTLDays
	if ttl == 0 {
		ttl = DefaultRawTTLDays
	}
	if ttl < 0 {
		return nil, fmt.Errorf("%w: raw_ttl_days must be positive, got %d", ErrInvalidConfig, ttl)
	}
	// schema_migrations is a plain MergeTree: a rerun of one version inserts
	// a second row and max(version) is unaffected.
	ddl := "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')) ENGINE = MergeTree ORDER BY version"
	if opts.Cluster {
		ddl = "CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER '{cluster}' (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{database}/schema_migrations', '{replica}') ORDER BY version"
	}
	if err := s.Exec(ctx, ddl); err != nil {
		return nil, fmt.Errorf("clickhouse: create schema_migrations: %w", err)
	}
	current, err := SchemaVersion(ctx, s)
	if err != nil {
		return nil, err
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return nil, fmt.Errorf("%w: database is at version %d, this build knows up to %d; upgrade tollgate", ErrSchemaTooNew, current, latest)
	}
	var applied []int
	for _, m := range ms {
		if m.Version <= current || opts.UpTo > 0 && m.Version > opts.UpTo {
			continue
		}
		if err := runMigration(ctx, s, m, strings.ReplaceAll(m.SQL, "{raw_ttl_days}", strconv.Itoa(ttl)), opts.Cluster); err != nil {
			return applied, err
		}
		if err := s.Exec(ctx, fmt.Sprintf("INSERT INTO schema_migrations (version, name) SETTINGS async_insert = 0 VALUES (%d, %s)", m.Version, Quote(m.Name))); err != nil {
			return applied, fmt.Errorf("clickhouse: record migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// SchemaVersion returns the newest version recorded in schema_migrations, 0
// for a fresh database.
func SchemaVersion(ctx context.Context, s Store) (int, error) {
	rows, err := s.Query(ctx, "SELECT toInt64(max(version)) AS v FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("clickhouse: read schema version: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return int(rows[0].Int("v")), nil
}

// runMigration runs one migration's statements in order, and at each directive line
// ("-- tollgate:swap …") the step it names.
func runMigration(ctx context.Context, s Store, m Migration, sql string, cluster bool) error {
	n := 0
	run := func(text string) error {
		stmts, err := SplitStatements(text)
		if err != nil {
			return fmt.Errorf("clickhouse: migration %s: %w", m.Name, err)
		}
		for _, st := range stmts {
			n++
			if err := s.Exec(ctx, st); err != nil {
				return fmt.Errorf("clickhouse: migration %s statement %d: %w", m.Name, n, err)
			}
		}
		return nil
	}
	var chunk strings.Builder
	for _, line := range strings.SplitAfter(sql, "\n") {
		d, ok := strings.CutPrefix(strings.TrimSpace(line), "-- tollgate:")
		if !ok {
			chunk.WriteString(line)
			continue
		}
		if err := run(chunk.String()); err != nil {
			return err
		}
		chunk.Reset()
		sw, err := parseSwap(d)
		if err != nil {
			return fmt.Errorf("clickhouse: migration %s: %w", m.Name, err)
		}
		if err := sw.run(ctx, s, cluster); err != nil {
			return fmt.Errorf("clickhouse: migration %s: %w", m.Name, err)
		}
	}
	return run(chunk.String())
}

// swapStep rebuilds table old with the layout of table new (same columns, another sorting
// key), keeping its rows: copy old's rows into new, exchange the two, drop the old layout.
// It can run again after a crash at any point: when old already has the new sorting key the
// exchange happened and only the drop is left; otherwise new is emptied and filled afresh.
// In the cluster form the copy reads and writes through Distributed tables (copyFrom,
// copyTo), so rows are re-sharded by the new table's sharding key, and the DDL runs ON
// CLUSTER.
type swapStep struct {
	old, new, key    string
	copyFrom, copyTo string
}

// parseSwap reads "swap <old> <new> <sorting key> [copy <from> <to>]".
func parseSwap(d string) (swapStep, error) {
	f := strings.Fields(d)
	switch {
	case len(f) == 4 && f[0] == "swap":
		return swapStep{old: f[1], new: f[2], key: f[3], copyFrom: f[1], copyTo: f[2]}, nil
	case len(f) == 7 && f[0] == "swap" && f[4] == "copy":
		return swapStep{old: f[1], new: f[2], key: f[3], copyFrom: f[5], copyTo: f[6]}, nil
	}
	return swapStep{}, fmt.Errorf("unknown directive %q (want swap <old> <new> <sorting key> [copy <from> <to>])", d)
}

func (w swapStep) run(ctx context.Context, s Store, cluster bool) error {
	on, from, to := "", w.old, w.new
	if cluster {
		on, from, to = " ON CLUSTER '{cluster}'", w.copyFrom, w.copyTo
	}
	rows, err := s.Query(ctx, "SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = "+Quote(w.old))
	if err != nil {
		return fmt.Errorf("read the sorting key of %s: %w", w.old, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("table %s does not exist", w.old)
	}
	if rows[0].String("sorting_key") != w.key {
		for _, st := range []string{
			"TRUNCATE TABLE IF EXISTS " + w.new + on,
			"INSERT INTO " + to + " SELECT * FROM " + from + " SETTINGS async_insert = 0, distributed_foreground_insert = 1",
			"EXCHANGE TABLES " + w.old + " AND " + w.new + on,
		} {
			if err := s.Exec(ctx, st); err != nil {
				return fmt.Errorf("rebuild %s: %s: %w", w.old, st, err)
			}
		}
	}
	if err := s.Exec(ctx, "DROP TABLE IF EXISTS "+w.new+on+" SYNC"); err != nil {
		return fmt.Errorf("rebuild %s: drop the old layout: %w", w.old, err)
	}
	return nil
}
