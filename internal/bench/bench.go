package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// runner holds one Run's stack, options and growing report.
type runner struct {
	opts   Options
	stack  *Stack
	log    *slog.Logger
	report *Report
	// lanes is the Env whose lane topics hold the routed stage events, once
	// the router stage (or the auditor stage's preparation) has run.
	lanes *Env
}

// Run starts the in-process stack, measures the selected stages and returns
// the report. mode names the preset for the report ("quick", "full").
func Run(ctx context.Context, mode string, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	began := time.Now()
	rep := &Report{Mode: mode, Options: opts, Machine: machine()}
	stack, err := StartStack(log)
	if err != nil {
		return nil, err
	}
	defer stack.Close()
	r := &runner{opts: opts, stack: stack, log: log, report: rep}
	defer func() {
		if r.lanes != nil {
			r.lanes.Close()
		}
	}()
	steps := []struct {
		stage string
		run   func(context.Context) error
	}{
		{StageIngest, r.benchIngest},
		{StageRouter, func(ctx context.Context) error { _, err := r.stageEnv(ctx, true); return err }},
		{StageAuditor, r.benchAuditor},
		{StageSweep, r.benchSweep},
		{StageSnapshot, r.benchSnapshot},
		{StagePipeline, r.benchPipeline},
	}
	for _, s := range steps {
		if !opts.runs(s.stage) {
			continue
		}
		if err := s.run(ctx); err != nil {
			return rep, fmt.Errorf("bench %s: %w", s.stage, err)
		}
	}
	rep.Machine.LoadAvg[1] = loadAvg()
	rep.PeakRSSMiB = peakRSSMiB()
	rep.Seconds = time.Since(began).Seconds()
	return rep, nil
}

// add appends a row with the heap after it and reports progress.
func (r *runner) add(row Row) {
	if row.Baseline != nil && row.Baseline.EventsPerSec > 0 {
		row.Ratio = row.Measured.EventsPerSec / row.Baseline.EventsPerSec
	}
	row.HeapInuseMiB = heapInuseMiB()
	r.report.Rows = append(r.report.Rows, row)
	r.progress("%s %s: %.0f events/s (%.0f/core), p99 %.1f ms, ratio %.2f", row.Stage, row.Case,
		row.Measured.EventsPerSec, row.Measured.EventsPerCoreSec, row.Measured.P99Ms, row.Ratio)
}

func (r *runner) progress(format string, args ...any) {
	if r.opts.Progress != nil {
		fmt.Fprintf(r.opts.Progress, "bench: "+format+"\n", args...)
	}
}

// machine describes this machine from /proc (fields stay empty elsewhere).
func machine() Machine {
	m := Machine{NumCPU: runtime.NumCPU(), GoVersion: runtime.Version()}
	m.LoadAvg[0] = loadAvg()
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.Atoi(f[1])
				m.MemTotalMB = kb / 1024
			}
		}
	}
	return m
}

// loadAvg is the one-minute load average, or 0 where /proc has none.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
