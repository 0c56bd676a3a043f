package bench

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
)

// ErrInvalidOptions reports Options that cannot make a run.
var ErrInvalidOptions = errors.New("bench: invalid options")

// Stage names select what Run measures.
const (
	StageIngest  = "ingest"
	StageRouter  = "router"
	StageAuditor = "auditor"
	StageSweep   = "sweep"
	// StageSnapshot applies an inventory listing of SnapshotGrants grants through the
	// auditor and sweeps after it.
	StageSnapshot = "snapshot"
	StagePipeline = "pipeline"
)

// AllStages are the stages in the order Run measures them.
var AllStages = []string{StageIngest, StageRouter, StageAuditor, StageSweep, StageSnapshot, StagePipeline}

// Options size a run. QuickOptions and FullOptions are the two presets.
type Options struct {
	// Stages to run; empty means AllStages.
	Stages []string `json:"stages"`
	// Seed and ViolationRate fix the gen run behind every measurement.
	Seed          int64   `json:"seed"`
	ViolationRate float64 `json:"violation_rate"`
	// Events is the size of the end-to-end run and its detection check
	// (gen payloads).
	Events int `json:"events"`
	// Identities is the number of human identities of the gen runs; NHIs the
	// number of non-human ones.
	Identities int `json:"identities"`
	NHIs       int `json:"nhis"`
	// StageEvents is how many canonical events the router and auditor phases
	// move.
	StageEvents int `json:"stage_events"`
	// IngestEvents is how many events each ingest case posts.
	IngestEvents int `json:"ingest_events"`
	// Concurrency is the number of concurrent HTTP clients of the ingest and
	// end-to-end runs.
	Concurrency int `json:"concurrency"`
	// IngestRate is the paced request rate (requests/s) of the ingest
	// latency case; IngestSeconds how long it runs.
	IngestRate    int `json:"ingest_rate"`
	IngestSeconds int `json:"ingest_seconds"`
	// AuditorRate is the steady event rate of the auditor's event-to-visible
	// latency case; AuditorSeconds how long it runs.
	AuditorRate    int `json:"auditor_rate"`
	AuditorSeconds int `json:"auditor_seconds"`
	// Grants are the active-grant ledger sizes the sweep is measured at.
	Grants []int `json:"grants"`
	// SnapshotGrants are the sizes of the inventory listings the snapshot stage applies.
	SnapshotGrants []int `json:"snapshot_grants"`
	// Log receives the run's progress and the components' logs; nil discards
	// them.
	Log *slog.Logger `json:"-"`
	// Progress, when set, gets one line per finished phase.
	Progress io.Writer `json:"-"`
}

// QuickOptions finish in well under a minute on two cores: the CI smoke run.
func QuickOptions() Options {
	return Options{
		Seed: 7, ViolationRate: 0.06, Events: 3000, Identities: 200, NHIs: 40,
		StageEvents: 5000, IngestEvents: 2000, Concurrency: 8, IngestRate: 500, IngestSeconds: 1,
		AuditorRate: 2000, AuditorSeconds: 2, Grants: []int{10_000}, SnapshotGrants: []int{10_000},
	}
}

// FullOptions are the sizes of the published figures.
func FullOptions() Options {
	return Options{
		Seed: 7, ViolationRate: 0.02, Events: 100_000, Identities: 10_000, NHIs: 1_000,
		StageEvents: 100_000, IngestEvents: 50_000, Concurrency: 16, IngestRate: 1000, IngestSeconds: 10,
		AuditorRate: 5000, AuditorSeconds: 10, Grants: []int{10_000, 100_000, 1_000_000}, SnapshotGrants: []int{100_000, 1_000_000},
	}
}

func (o *Options) validate() error {
	for _, s := range o.Stages {
		if !slices.Contains(AllStages, s) {
			return fmt.Errorf("%w: unknown stage %q (want one of %v)", ErrInvalidOptions, s, AllStages)
		}
	}
	switch {
	case o.Events < 1 || o.StageEvents < 1 || o.IngestEvents < 100:
		return fmt.Errorf("%w: events %d, stage events %d must be positive and ingest events %d at least 100", ErrInvalidOptions, o.Events, o.StageEvents, o.IngestEvents)
	case o.Identities < 20 || o.NHIs < 1:
		return fmt.Errorf("%w: at least 20 identities and 1 NHI, got %d and %d", ErrInvalidOptions, o.Identities, o.NHIs)
	case o.Concurrency < 1 || o.IngestRate < 1 || o.IngestSeconds < 1 || o.AuditorRate < 100 || o.AuditorSeconds < 1:
		return fmt.Errorf("%w: concurrency, rates and durations must be positive (auditor rate at least 100)", ErrInvalidOptions)
	}
	for _, g := range append(slices.Clone(o.Grants), o.SnapshotGrants...) {
		if g < 1 {
			return fmt.Errorf("%w: grant count %d", ErrInvalidOptions, g)
		}
	}
	return nil
}

func (o *Options) runs(stage string) bool {
	return len(o.Stages) == 0 || slices.Contains(o.Stages, stage)
}
