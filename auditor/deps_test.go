package auditor

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImportsNoDriver keeps the audit domain free of transports: no Kafka client,
// no Schema Registry client, no ClickHouse driver or engine binding. They belong to
// auditor/service and internal/clickhouse's backends.
func TestDomainImportsNoDriver(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{"github.com/segmentio/kafka-go", "github.com/twmb/franz-go", "github.com/ClickHouse/clickhouse-go",
		"github.com/tollgate-io/tollgate/internal/chdb", "github.com/tollgate-io/tollgate/internal/kafka"}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages: %q", len(deps), out)
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("the audit domain depends on %s", dep)
			}
		}
	}
}
