package gen

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
	"github.com/tollgate-io/tollgate/ingest"
)

// ErrInvalidOptions reports Options that cannot produce a run.
var ErrInvalidOptions = errors.New("gen: invalid options")

// DefaultSpan is how much event time a run covers when Options.Span is zero.
// It is longer than the 90-day review and rotation ages so that time-based
// findings (long-lived secrets) can occur inside one run.
const DefaultSpan = 120 * 24 * time.Hour

// Options fix a run. The same Options, with Now set, give byte-identical output.
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
	// Now is where the run's event time ends and when the manifest's findings
	// hold (Manifest.Now); the first scenario starts at Now-Span. Zero means the
	// wall clock at New, so that an auditor running at today's time (tollgate up)
	// sees the run as it was planted; pin it for reproducible runs (tollgate bench).
	Now time.Time
	// Span is the event time the run covers; zero means DefaultSpan.
	Span time.Duration
	// Detections is the auditor configuration the run will be scored against:
	// SOD_CONFLICT is planted with its SoD pairs (not at all without any), and
	// MFA_RESET_THEN_PRIVILEGE with its privileged entitlements, or, without any,
	// with an administrator grant that is also planted as an OVER_BROAD_GRANT.
	// Nil means auditor.DefaultConfig(), what tollgate up runs with.
	Detections *auditor.Config
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

// wallClock is the clock a run without Options.Now is dated by; tests replace it.
var wallClock = time.Now

// Progress reports how far a Run is.
type Progress struct {
	Sent, Target int
	Elapsed      time.Duration
}

func (o *Options) applyDefaults() {
	if o.Now.IsZero() {
		o.Now = wallClock().Truncate(time.Second)
	}
	o.Now = o.Now.UTC()
	if o.Span == 0 {
		o.Span = DefaultSpan
	}
	if o.Detections == nil {
		c := auditor.DefaultConfig()
		o.Detections = &c
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
