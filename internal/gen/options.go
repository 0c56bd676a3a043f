package gen

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

// ErrInvalidOptions reports Options that cannot produce a run.
var ErrInvalidOptions = errors.New("gen: invalid options")

// DefaultSpan is how much event time a run covers when Options.Span is zero.
// It is longer than the 90-day review and rotation ages so that time-based
// findings (long-lived secrets) can occur inside one run.
const DefaultSpan = 120 * 24 * time.Hour

// Options fix a run. The same Options give byte-identical output.
type Options struct {
	// Seed selects the run; different seeds give different but equally
	// shaped traffic.
	Seed int64
	// Humans is the size of the steady workforce (including IT admins,
	// help-desk agents and approving managers). Joiners, leavers and the
	// identity each planted violation gets are added on top.
	Humans int
	// NHIs is the number of service accounts, API clients and service principals.
	NHIs int
	// Events is the number of payloads to emit (approximately: the last
	// scenarios finish, and follow-ups that would fall after the run's end
	// are dropped).
	Events int
	// ViolationRate is the probability that a scenario plants a violation.
	ViolationRate float64
	// Start is the event time of the first scenario; zero means 2025-01-06 00:00 UTC.
	Start time.Time
	// Span is the event time the run covers; zero means DefaultSpan. The
	// auditor sweep for the manifest runs at Start+Span (Manifest.Now).
	Span time.Duration
	// Sources restricts the sources payloads come from (ingest source
	// names); empty means all six. Scenarios and violation kinds that need a
	// missing source are not generated.
	Sources []string
	// Rate limits Run to this many payloads per second; zero means no limit.
	Rate float64
	// Progress, when set, is called by Run after every ProgressEvery payloads
	// and once at the end.
	Progress func(Progress)
	// ProgressEvery is the payload interval between Progress calls; zero means 1000.
	ProgressEvery int
}

// Progress reports how far a Run is.
type Progress struct {
	Sent, Target int
	Elapsed      time.Duration
}

func (o *Options) applyDefaults() {
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	}
	o.Start = o.Start.UTC()
	if o.Span == 0 {
		o.Span = DefaultSpan
	}
	if len(o.Sources) == 0 {
		o.Sources = ingest.SourceNames()
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
}

func (o *Options) validate() error {
	switch {
	case o.Humans < 20:
		return fmt.Errorf("%w: humans must be at least 20, got %d", ErrInvalidOptions, o.Humans)
	case o.NHIs < 1:
		return fmt.Errorf("%w: nhis must be at least 1, got %d", ErrInvalidOptions, o.NHIs)
	case o.Events < 1:
		return fmt.Errorf("%w: events must be positive, got %d", ErrInvalidOptions, o.Events)
	case o.ViolationRate < 0 || o.ViolationRate > 1:
		return fmt.Errorf("%w: violation rate must be within [0,1], got %g", ErrInvalidOptions, o.ViolationRate)
	case o.Span < 24*time.Hour:
		return fmt.Errorf("%w: span must be at least 24h, got %s", ErrInvalidOptions, o.Span)
	case o.Rate < 0:
		return fmt.Errorf("%w: rate must not be negative, got %g", ErrInvalidOptions, o.Rate)
	}
	known := ingest.SourceNames()
	for _, s := range o.Sources {
		if !slices.Contains(known, s) {
			return fmt.Errorf("%w: unknown source %q (want one of %v)", ErrInvalidOptions, s, known)
		}
	}
	return nil
}
