package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-io/tollgate/internal/clickhouse"
	"github.com/tollgate-io/tollgate/internal/clickhouse/clickhousetest"
)

const dashboardFile = "grafana/dashboards/tollgate.json"

// dashboardQuery is one panel target's SQL.
type dashboardQuery struct {
	Panel string
	SQL   string
}

func dashboardQueries(t *testing.T) (uids map[string]bool, qs []dashboardQuery) {
	t.Helper()
	text, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type ds struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	var dash struct {
		Panels []struct {
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource *ds    `json:"datasource"`
			Targets    []struct {
				Datasource *ds    `json:"datasource"`
				RawSQL     string `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(text, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	uids = map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.RawSQL == "" {
				t.Errorf("panel %q has a target without rawSql", p.Title)
			}
			for _, d := range []*ds{p.Datasource, tg.Datasource} {
				if d == nil || d.Type != "grafana-clickhouse-datasource" {
					t.Errorf("panel %q: datasource %+v is not the ClickHouse plugin", p.Title, d)
					continue
				}
				uids[d.UID] = true
			}
			qs = append(qs, dashboardQuery{Panel: p.Title, SQL: tg.RawSQL})
		}
	}
	return uids, qs
}

// macro matches the ClickHouse data source's macros: $__name or $__name(args).
var macro = regexp.MustCompile(`\$__([A-Za-z_]+)(?:\(([^()]*)\))?`)

// expandMacros turns a dashboard query into the SQL the Grafana ClickHouse plugin
// sends for the range [from, to] and the given interval, following the plugin's
// documented macro expansions. An unknown macro, or any other $ variable, is an error:
// the test cannot vouch for SQL it cannot expand.
func expandMacros(sql string, from, to time.Time, interval time.Duration) (string, error) {
	dt := func(t time.Time) string { return fmt.Sprintf("toDateTime(%d)", t.Unix()) }
	dt64 := func(t time.Time) string { return fmt.Sprintf("fromUnixTimestamp64Milli(%d)", t.UnixMilli()) }
	day := func(t time.Time) string { return fmt.Sprintf("toDate('%s')", t.UTC().Format("2006-01-02")) }
	secs := max(int(interval.Seconds()), 1)
	var errs []string
	out := macro.ReplaceAllStringFunc(sql, func(m string) string {
		sub := macro.FindStringSubmatch(m)
		name, arg := sub[1], strings.TrimSpace(sub[2])
		withArg := func(f func(string) string) string {
			if arg == "" {
				errs = append(errs, "$__"+name+" needs a column argument")
				return m
			}
			return f(arg)
		}
		switch name {
		case "fromTime":
			return dt(from)
		case "toTime":
			return dt(to)
		case "fromTime_ms":
			return dt64(from)
		case "toTime_ms":
			return dt64(to)
		case "timeFilter":
			return withArg(func(c string) string { return fmt.Sprintf("%s >= %s AND %s <= %s", c, dt(from), c, dt(to)) })
		case "timeFilter_ms":
			return withArg(func(c string) string { return fmt.Sprintf("%s >= %s AND %s <= %s", c, dt64(from), c, dt64(to)) })
		case "dateFilter":
			return withArg(func(c string) string { return fmt.Sprintf("%s >= %s AND %s <= %s", c, day(from), c, day(to)) })
		case "timeInterval":
			return withArg(func(c string) string {
				return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", c, secs)
			})
		case "timeInterval_ms":
			return withArg(func(c string) string {
				return fmt.Sprintf("toStartOfInterval(toDateTime64(%s, 3), INTERVAL %d millisecond)", c, max(interval.Milliseconds(), 1))
			})
		case "interval_s":
			return fmt.Sprint(secs)
		}
		errs = append(errs, "unknown macro $__"+name)
		return m
	})
	if len(errs) > 0 {
		return "", fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	if strings.Contains(out, "$") {
		return "", fmt.Errorf("unexpanded variable left in %q", out)
	}
	return out, nil
}

// TestDashboardQueriesRunOnMigratedSchema runs every dashboard query, macros expanded,
// on the real ClickHouse engine after `tollgate migrate`: a view or column renamed in
// deploy/clickhouse breaks this test instead of the dashboard.
func TestDashboardQueriesRunOnMigratedSchema(t *testing.T) {
	_, qs := dashboardQueries(t)
	if len(qs) < 10 {
		t.Fatalf("dashboard has %d queries, want one per panel", len(qs))
	}
	ctx := context.Background()
	store := clickhousetest.Embedded(t)
	if _, err := clickhouse.Migrate(ctx, store, clickhouse.MigrateOptions{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	to := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	from := to.Add(-7 * 24 * time.Hour)
	views := map[string]bool{}
	for _, q := range qs {
		sql, err := expandMacros(q.SQL, from, to, time.Hour)
		if err != nil {
			t.Errorf("panel %q: %v", q.Panel, err)
			continue
		}
		if _, err := store.Query(ctx, sql); err != nil {
			t.Errorf("panel %q: ClickHouse refuses its query: %v\n%s", q.Panel, err, sql)
		}
		for _, v := range []string{"open_findings", "grants_review_overdue", "lane_volume", "help_desk_access_changes", "breakglass_timeline", "nhi_secret_age"} {
			if regexp.MustCompile(`\bFROM\s+` + v + `\b`).MatchString(sql) {
				views[v] = true
			}
		}
	}
	for _, v := range []string{"open_findings", "grants_review_overdue", "lane_volume", "help_desk_access_changes", "breakglass_timeline", "nhi_secret_age"} {
		if !views[v] {
			t.Errorf("no dashboard panel reads view %s", v)
		}
	}
	// The harness itself must be able to fail: a renamed column is refused.
	broken, err := expandMacros(strings.Replace(qs[0].SQL, "severity", "severity_renamed", 1), from, to, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Query(ctx, broken); err == nil {
		t.Errorf("a query on a renamed column ran: the check would not catch a renamed column")
	}
}

func TestExpandMacros(t *testing.T) {
	from := time.Unix(1700000000, 0)
	to := time.Unix(1700003600, 500_000_000)
	for _, tc := range []struct{ in, want string }{
		{"WHERE $__timeFilter(t)", "WHERE t >= toDateTime(1700000000) AND t <= toDateTime(1700003600)"},
		{"WHERE $__timeFilter_ms(t)", "WHERE t >= fromUnixTimestamp64Milli(1700000000000) AND t <= fromUnixTimestamp64Milli(1700003600500)"},
		{"SELECT $__timeInterval(hour)", "SELECT toStartOfInterval(toDateTime(hour), INTERVAL 60 second)"},
		{"x <= $__toTime AND y >= $__fromTime", "x <= toDateTime(1700003600) AND y >= toDateTime(1700000000)"},
		{"$__interval_s", "60"},
	} {
		got, err := expandMacros(tc.in, from, to, time.Minute)
		if err != nil || got != tc.want {
			t.Errorf("expandMacros(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"$__timeFilter", "$__nope(x)", "WHERE lane = '$lane'"} {
		if _, err := expandMacros(bad, from, to, time.Minute); err == nil {
			t.Errorf("expandMacros(%q) accepted it", bad)
		}
	}
}

// TestDashboardDatasourceProvisioned checks the dashboard's data source uid is the one
// the provisioning file creates, pointing at the database the services write.
func TestDashboardDatasourceProvisioned(t *testing.T) {
	uids, _ := dashboardQueries(t)
	text, err := os.ReadFile("grafana/provisioning/datasources/clickhouse.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var prov struct {
		Datasources []struct {
			UID      string         `yaml:"uid"`
			Type     string         `yaml:"type"`
			JSONData map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(text, &prov); err != nil {
		t.Fatalf("datasource provisioning: %v", err)
	}
	provided := map[string]bool{}
	for _, d := range prov.Datasources {
		if d.Type != "grafana-clickhouse-datasource" {
			continue
		}
		provided[d.UID] = true
		if db := d.JSONData["defaultDatabase"]; db != "tollgate" {
			t.Errorf("data source %s: defaultDatabase %v, want tollgate", d.UID, db)
		}
	}
	for uid := range uids {
		if !provided[uid] {
			t.Errorf("dashboard uses data source uid %q, which is not provisioned", uid)
		}
	}
}
