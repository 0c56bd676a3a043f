package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-io/tollgate/internal/gen"
)

// TestQuick runs the quick mode (what `tollgate bench --quick` runs in CI)
// and checks the report's shape and a perfect detection check.
func TestQuick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := QuickOptions()
	var progress bytes.Buffer
	opts.Progress = &progress
	rep, err := Run(ctx, "quick", opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())

	want := map[string]int{StageIngest: 3, StageRouter: 1, StageAuditor: 2, StagePipeline: 1}
	got := map[string]int{}
	for _, row := range rep.Rows {
		got[row.Stage]++
		f := row.Measured
		if f.Events <= 0 || f.EventsPerSec <= 0 || f.CPUSeconds <= 0 || f.EventsPerCoreSec <= 0 {
			t.Errorf("%s %s: empty figures %+v", row.Stage, row.Case, f)
		}
		if row.Baseline != nil && (row.Baseline.EventsPerSec <= 0 || row.Ratio <= 0) {
			t.Errorf("%s %s: empty baseline %+v ratio %v", row.Stage, row.Case, row.Baseline, row.Ratio)
		}
		if (row.Stage == StageIngest || row.Stage == StageRouter) && row.Baseline == nil {
			t.Errorf("%s %s: no baseline", row.Stage, row.Case)
		}
		if (row.Stage == StageIngest || row.Stage == StagePipeline) && (f.Samples == 0 || f.P99Ms < f.P50Ms) {
			t.Errorf("%s %s: latency p50 %v p99 %v over %d samples", row.Stage, row.Case, f.P50Ms, f.P99Ms, f.Samples)
		}
	}
	for stage, n := range want {
		if got[stage] != n {
			t.Errorf("%d %s rows, want %d", got[stage], stage, n)
		}
	}
	if len(rep.Sweeps) != len(opts.Grants) || rep.Sweeps[0].FindingsOpened == 0 {
		t.Errorf("sweeps %+v", rep.Sweeps)
	}
	if rep.PeakRSSMiB <= 0 || rep.Machine.NumCPU <= 0 {
		t.Errorf("peak RSS %v, machine %+v", rep.PeakRSSMiB, rep.Machine)
	}

	d := rep.Detection
	if d == nil {
		t.Fatal("no detection check")
	}
	if !d.Perfect || d.Planted == 0 {
		t.Errorf("detection check over %d events with %d planted is not perfect: missed %+v unexpected %d", d.Events, d.Planted, d.Report.Missed, len(d.Report.Unexpected))
	}
	for _, k := range gen.AllKinds {
		if s := d.Report.Kinds[k]; s.Precision != 1 || s.Recall != 1 {
			t.Errorf("%s: precision %v recall %v", k, s.Precision, s.Recall)
		}
	}
	for _, k := range []string{"detection check over", "sweep", "baseline: passthrough", "baseline: bare handler", "baseline: engine bulk insert"} {
		if !strings.Contains(table.String(), k) {
			t.Errorf("table lacks %q", k)
		}
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("report JSON does not read back: %v", err)
	}
	if len(back.Rows) != len(rep.Rows) || back.Detection == nil || back.Detection.Perfect != d.Perfect {
		t.Errorf("JSON round trip lost rows or detection: %d rows, detection %v", len(back.Rows), back.Detection)
	}
}

// TestOptionsRefused: a run with an unknown stage or impossible sizes is
// refused before anything starts.
func TestOptionsRefused(t *testing.T) {
	for name, mutate := range map[string]func(*Options){
		"stage":       func(o *Options) { o.Stages = []string{"ingestt"} },
		"events":      func(o *Options) { o.Events = 0 },
		"identities":  func(o *Options) { o.Identities = 3 },
		"grants":      func(o *Options) { o.Grants = []int{0} },
		"concurrency": func(o *Options) { o.Concurrency = 0 },
	} {
		o := QuickOptions()
		mutate(&o)
		if _, err := Run(context.Background(), "quick", o); err == nil || !strings.Contains(err.Error(), "invalid options") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
