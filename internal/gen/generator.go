package gen

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tollgate-io/tollgate/ingest"
)

const (
	day = 24 * time.Hour
	// recentAge bounds how old a review or grant may be at the sweep and stay
	// clean without further events (the review and rotation ages are 90 days).
	recentAge = 85 * day
)

// Generator yields the payloads of a run in event-time order. It is not
// safe for concurrent use.
type Generator struct {
	opts Options
	rng  *rand.Rand
	now  time.Time
	src  map[string]bool

	workforce, admins, agents, approvers []person
	nhis                                 []*nhi
	extra                                int // identities added beyond Humans

	h         itemHeap
	pushed    int // payloads scheduled
	emitted   int
	done      bool
	seq       uint64
	snSeq     int
	jiraSeq   int
	cur       time.Time // anchor of the scenario being built
	manifest  Manifest
	planted   map[string]int
	nhiLongTo int
}

// New returns a generator for opts.
func New(opts Options) (*Generator, error) {
	opts.applyDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	g := &Generator{
		opts: opts, rng: rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15)),
		now: opts.Now, src: map[string]bool{}, planted: map[string]int{},
	}
	for _, s := range opts.Sources {
		g.src[s] = true
	}
	staff := max(2, opts.Humans/40)
	i := 0
	take := func(n int) []person {
		out := make([]person, n)
		for k := range out {
			out[k] = newPerson(i)
			i++
		}
		return out
	}
	g.admins, g.agents, g.approvers = take(staff), take(staff), take(2*staff)
	g.workforce = take(opts.Humans - 4*staff)
	g.extra = opts.Humans
	kinds := g.nhiKinds()
	for k := range opts.NHIs {
		g.nhis = append(g.nhis, newNHI(k, kinds[k%len(kinds)]))
	}
	g.manifest = Manifest{Seed: opts.Seed, Start: opts.Now.Add(-opts.Span), Now: g.now, Sources: slices.Clone(opts.Sources),
		ViolationRate: opts.ViolationRate, Entries: []Entry{}}
	// Long-lived secrets can only be planted in the first Span-95d of the
	// run; reserve their share of plants there.
	expectedPlants := float64(opts.Events) / 2.6 * opts.ViolationRate
	if g.opts.Span > 96*day && opts.ViolationRate > 0 {
		g.nhiLongTo = max(1, int(expectedPlants/float64(len(AllKinds))+0.5))
	}
	return g, nil
}

func (g *Generator) nhiKinds() []nhiKind {
	var ks []nhiKind
	if g.src[ingest.SourceCloudTrail] {
		ks = append(ks, nhiAWS)
	}
	if g.src[ingest.SourceOkta] {
		ks = append(ks, nhiOkta)
	}
	if g.src[ingest.SourceEntra] {
		ks = append(ks, nhiEntra)
	}
	if len(ks) == 0 {
		ks = []nhiKind{nhiAWS} // no source can show them: they stay idle
	}
	return ks
}

// Now is the time at which the manifest's findings hold (Options.Now).
func (g *Generator) Now() time.Time { return g.now }

// Manifest is what the run planted so far; complete once Next reports the end.
func (g *Generator) Manifest() *Manifest {
	m := g.manifest
	m.Events = g.emitted
	m.Entries = slices.Clone(g.manifest.Entries)
	return &m
}

// Next returns the next payload in event-time order, or false at the end.
func (g *Generator) Next() (Payload, bool) {
	for {
		if !g.done && (g.h.Len() == 0 || g.h[0].at.After(g.anchor())) {
			g.cur = g.anchor()
			g.scenario()
			if g.pushed >= g.opts.Events {
				g.done = true
			}
			continue
		}
		if g.h.Len() == 0 {
			return Payload{}, false
		}
		it := heap.Pop(&g.h).(*item)
		if it.then != nil {
			it.then()
		}
		g.emitted++
		return it.p, true
	}
}

// anchor is where the next scenario starts: event time advances with the
// share of the payload budget already scheduled.
func (g *Generator) anchor() time.Time {
	frac := float64(g.pushed) / float64(g.opts.Events)
	return g.now.Add(-g.opts.Span).Add(time.Duration(frac * float64(g.opts.Span-time.Hour))).Truncate(time.Second)
}

// emit schedules p; payloads after Now are dropped (the run ends there).
func (g *Generator) emit(p Payload) bool {
	return g.emitThen(p, nil)
}

func (g *Generator) emitThen(p Payload, then func()) bool {
	if p.Time.After(g.now) {
		return false
	}
	g.seq++
	heap.Push(&g.h, &item{at: p.Time, seq: g.seq, p: p, then: then})
	g.pushed++
	return true
}

func (g *Generator) uuid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
}

func (g *Generator) ip() string {
	v := g.rng.Uint32()
	return fmt.Sprintf("203.0.%d.%d", v>>8&0x3f, v&0xff|1)
}

// jitter is a random duration in [lo, hi), whole seconds.
func (g *Generator) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64((hi-lo)/time.Second)))*time.Second
}

func pick[T any](g *Generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

func (g *Generator) recent(t time.Time) bool { return g.now.Sub(t) < recentAge }

// newIdentity is a person who exists only for one scenario: a joiner, or
// the holder of a planted violation (so no other traffic can hide or add to it).
func (g *Generator) newIdentity() person {
	p := newPerson(g.extra)
	g.extra++
	return p
}

type item struct {
	at   time.Time
	seq  uint64
	p    Payload
	then func()
}

type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(*item)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
