package clickhouse_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
)

// The cluster form cannot run here (no Keeper, no remote_servers), so this test checks what
// can be checked on one engine: every statement parses as ClickHouse SQL with its ON
// CLUSTER clause, Replicated engines and macros; and, with the cluster parts rewritten to
// their single-node equivalents (Replicated*MergeTree → *MergeTree, Distributed → Merge over
// the local table), the statements run and give every canonical table exactly the columns
// of the single-node form, and every view answers.
func TestClusterMigrationMatchesSingleNode(t *testing.T) {
	ctx := context.Background()
	single := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, single, clickhouse.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	ms, err := clickhouse.Migrations(true)
	if err != nil {
		t.Fatal(err)
	}
	cluster := clickhousetest.Embedded(t)
	onCluster := regexp.MustCompile(`\s+ON CLUSTER '\{cluster\}'`)
	replicated := regexp.MustCompile(`Replicated(\w*MergeTree)\('[^']*',\s*'\{replica\}'(?:,\s*)?`)
	lineComment := regexp.MustCompile(`--[^\n]*`)
	distributed := regexp.MustCompile(`Distributed\('\{cluster\}',\s*currentDatabase\(\),\s*(\w+),[^;]*\)\s*$`)
	// A Merge stand-in cannot be written to: a backfill writes its local table instead.
	insert := regexp.MustCompile(`(?m)^INSERT INTO (\w+) \(`)
	for _, m := range ms {
		// Directive lines ("-- tollgate:swap …") split the file; each runs, on one node, where
		// it stands, as clickhouse.Migrate runs it.
		var segments, directives []string
		var seg strings.Builder
		for _, line := range strings.SplitAfter(strings.ReplaceAll(m.SQL, "{raw_ttl_days}", "30"), "\n") {
			if d, ok := strings.CutPrefix(strings.TrimSpace(line), "-- tollgate:"); ok {
				segments, directives = append(segments, seg.String()), append(directives, d)
				seg.Reset()
				continue
			}
			seg.WriteString(line)
		}
		segments = append(segments, seg.String())
		n := 0
		for si, text := range segments {
			stmts, err := clickhouse.SplitStatements(text)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range stmts {
				n++
				if _, err := cluster.Query(ctx, "EXPLAIN AST "+st); err != nil {
					t.Fatalf("%s statement %d does not parse: %v\n%s", m.Name, n, err, st)
				}
				local := onCluster.ReplaceAllString(st, "")
				local = replicated.ReplaceAllString(local, "$1(")
				local = distributed.ReplaceAllString(local, "Merge(currentDatabase(), '^$1$$')")
				local = insert.ReplaceAllString(local, "INSERT INTO ${1}_local (")
				code := lineComment.ReplaceAllString(local, "")
				if strings.Contains(code, "Replicated") || strings.Contains(code, "Distributed(") || strings.Contains(code, "{cluster}") {
					t.Fatalf("%s statement %d: rewrite left cluster parts:\n%s", m.Name, n, local)
				}
				if err := cluster.Exec(ctx, local); err != nil {
					t.Fatalf("%s statement %d (rewritten for one node) fails: %v\n%s", m.Name, n, err, local)
				}
			}
			if si < len(directives) {
				old, new, copyFrom, copyTo, err := clickhouse.ParseSwap(directives[si])
				if err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
				if copyFrom == old || copyTo == new {
					t.Errorf("%s: the cluster form's swap of %s must copy through Distributed tables", m.Name, old)
				}
				if err := clickhouse.RunSwap(ctx, cluster, directives[si], false); err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
			}
		}
	}
	for _, table := range []string{"events", "grants", "tickets", "credentials", "findings", "principal_state", "ticket_keys", "principal_keys", "ledger_facts"} {
		want := columnsOf(ctx, t, single, table)
		got := columnsOf(ctx, t, cluster, table)
		if want != got {
			t.Errorf("%s: cluster form columns differ from single node\n single:  %s\n cluster: %s", table, want, got)
		}
		if _, err := cluster.Query(ctx, "SELECT count() AS n FROM "+table+" FINAL"); err != nil {
			t.Errorf("%s FINAL through the Distributed stand-in: %v", table, err)
		}
	}
	for _, view := range []string{"open_findings", "grants_review_overdue", "lane_volume", "help_desk_access_changes", "breakglass_timeline", "nhi_secret_age"} {
		if want, got := columnsOf(ctx, t, single, view), columnsOf(ctx, t, cluster, view); want != got {
			t.Errorf("view %s: cluster form columns differ\n single:  %s\n cluster: %s", view, want, got)
		}
	}
}

func columnsOf(ctx context.Context, t *testing.T, s clickhouse.Store, table string) string {
	t.Helper()
	rows, err := s.Query(ctx, "DESCRIBE TABLE "+table)
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s, ", r.String("name"), r.String("type"))
	}
	return b.String()
}
