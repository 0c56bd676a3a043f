package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tollgate-io/tollgate/internal/gen"
)

// Figures are one measured phase. Rates are per wall second and per CPU
// second of the whole process; latencies are zero when not measured.
type Figures struct {
	Events               int     `json:"events"`
	Seconds              float64 `json:"seconds"`
	CPUSeconds           float64 `json:"cpu_seconds"`
	EventsPerSec         float64 `json:"events_per_sec"`
	EventsPerCoreSec     float64 `json:"events_per_core_sec"`
	CPUSecondsPerMillion float64 `json:"cpu_seconds_per_million"`
	P50Ms                float64 `json:"p50_ms,omitempty"`
	P99Ms                float64 `json:"p99_ms,omitempty"`
	Samples              int     `json:"latency_samples,omitempty"`
}

// Row is one line of the report: a measurement and, when it has one, the
// baseline measured in the same run and the ratio of their events/s.
type Row struct {
	Stage    string   `json:"stage"`
	Case     string   `json:"case"`
	Measured Figures  `json:"measured"`
	Baseline *Figures `json:"baseline,omitempty"`
	// BaselineCase names what the baseline did.
	BaselineCase string `json:"baseline_case,omitempty"`
	// Ratio is Measured.EventsPerSec / Baseline.EventsPerSec.
	Ratio float64 `json:"ratio,omitempty"`
	// HeapInuseMiB is the Go heap in use after the phase, after a GC.
	HeapInuseMiB float64 `json:"heap_inuse_mib"`
}

// SweepResult is one auditor sweep over a seeded grants ledger.
type SweepResult struct {
	Grants         int     `json:"grants"`
	SeedSeconds    float64 `json:"seed_seconds"`
	FirstSeconds   float64 `json:"first_sweep_seconds"`
	SteadySeconds  float64 `json:"steady_sweep_seconds"`
	FindingsOpened int     `json:"findings_opened"`
	PeakRSSMiB     float64 `json:"peak_rss_mib"`
}

// Detection is the detection check: the end-to-end run's open findings
// against the gen manifest.
type Detection struct {
	Events  int        `json:"events"`
	Planted int        `json:"planted"`
	Perfect bool       `json:"perfect"`
	Report  gen.Report `json:"report"`
}

// Machine describes where the run happened.
type Machine struct {
	NumCPU     int        `json:"num_cpu"`
	CPUModel   string     `json:"cpu_model"`
	MemTotalMB int        `json:"mem_total_mib"`
	GoVersion  string     `json:"go_version"`
	LoadAvg    [2]float64 `json:"load_avg_1m_start_end"`
}

// Report is a whole run.
type Report struct {
	Mode       string           `json:"mode"`
	Options    Options          `json:"options"`
	Machine    Machine          `json:"machine"`
	Rows       []Row            `json:"rows"`
	Sweeps     []SweepResult    `json:"sweeps,omitempty"`
	Snapshots  []SnapshotResult `json:"snapshots,omitempty"`
	Detection  *Detection       `json:"detection,omitempty"`
	PeakRSSMiB float64          `json:"peak_rss_mib"`
	Seconds    float64          `json:"seconds"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	return nil
}

// WriteTable writes the report as aligned text: one line per measurement
// and one per baseline under it.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "tollgate bench (%s): %d CPUs (%s), %d MiB, %s, load %.2f → %.2f, %.1fs, peak RSS %.0f MiB\n\n",
		r.Mode, m.NumCPU, m.CPUModel, m.MemTotalMB, m.GoVersion, m.LoadAvg[0], m.LoadAvg[1], r.Seconds, r.PeakRSSMiB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tcase\tevents\tevents/s\tevents/s/core\tCPU s/M events\tp50 ms\tp99 ms\tratio\theap MiB\t")
	line := func(stage, name string, f Figures, ratio string, heap string) {
		lat := func(v float64) string {
			if f.Samples == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f", v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.1f\t%s\t%s\t%s\t%s\t\n", stage, name, f.Events, f.EventsPerSec,
			f.EventsPerCoreSec, f.CPUSecondsPerMillion, lat(f.P50Ms), lat(f.P99Ms), ratio, heap)
	}
	for _, row := range r.Rows {
		ratio := "-"
		if row.Baseline != nil {
			ratio = fmt.Sprintf("%.2f", row.Ratio)
		}
		line(row.Stage, row.Case, row.Measured, ratio, fmt.Sprintf("%.0f", row.HeapInuseMiB))
		if row.Baseline != nil {
			line("", "  baseline: "+row.BaselineCase, *row.Baseline, "", "")
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: write table: %w", err)
	}
	if len(r.Sweeps) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "sweep\tactive grants\tseed s\tfirst sweep s\tsteady sweep s\tfindings opened\tpeak RSS MiB\t")
		for _, s := range r.Sweeps {
			fmt.Fprintf(tw, "\t%d\t%.2f\t%.3f\t%.3f\t%d\t%.0f\t\n", s.Grants, s.SeedSeconds, s.FirstSeconds, s.SteadySeconds, s.FindingsOpened, s.PeakRSSMiB)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("bench: write table: %w", err)
		}
	}
	if len(r.Snapshots) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "snapshot\tgrants\tholders\tseconds\tgrants/s\tbulk insert grants/s\tratio\tCPU s\theap MiB\tpeak RSS MiB\tsweep after s\tfindings open\t")
		for _, s := range r.Snapshots {
			fmt.Fprintf(tw, "\t%d\t%d\t%.1f\t%.0f\t%.0f\t%.2f\t%.1f\t%.0f\t%.0f\t%.2f\t%d\t\n", s.Grants, s.Holders, s.Seconds, s.GrantsPerSec,
				s.BulkPerSec, s.Ratio, s.CPUSeconds, s.HeapInuseMiB, s.PeakRSSMiB, s.SweepSeconds, s.FindingsOpen)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("bench: write table: %w", err)
		}
	}
	if d := r.Detection; d != nil {
		fmt.Fprintf(w, "\ndetection check over %d events: %d planted, perfect=%t (missed %d, unexpected %d)\n",
			d.Events, d.Planted, d.Perfect, len(d.Report.Missed), len(d.Report.Unexpected))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "kind\tplanted\tfound\tprecision\trecall\t")
		for _, k := range gen.AllKinds {
			s := d.Report.Kinds[k]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t\n", k, s.Planted, s.Found, s.Precision, s.Recall)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("bench: write table: %w", err)
		}
		for _, e := range d.Report.Missed {
			fmt.Fprintf(w, "  missed %s %s %s %s\n", e.Kind, e.Principal, e.Entitlement, e.Ticket)
		}
		for _, f := range d.Report.Unexpected {
			fmt.Fprintf(w, "  unexpected %s %s: %s\n", f.Kind, f.Principal, strings.TrimSpace(f.Summary))
		}
	}
	return nil
}
