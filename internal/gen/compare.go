package gen

import (
	"slices"
	"strings"

	"github.com/tollgate-io/tollgate/schemas"
)

// KindScore is the detection score of one finding kind.
type KindScore struct {
	Planted   int     `json:"planted"`
	Found     int     `json:"found"` // open findings of the kind
	Matched   int     `json:"matched"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// Report compares a manifest with the auditor's findings.
type Report struct {
	Kinds map[string]KindScore `json:"kinds"`
	// Missed are planted entries no open finding matches.
	Missed []Entry `json:"missed"`
	// Unexpected are open findings matching no planted entry.
	Unexpected []schemas.Finding `json:"unexpected"`
}

// Perfect reports precision and recall 1 for every kind.
func (r Report) Perfect() bool { return len(r.Missed) == 0 && len(r.Unexpected) == 0 }

// Compare scores findings against the manifest. An open finding matches an
// entry of the same kind and principal whose entitlement and ticket, when
// the entry names them, are the finding's. Resolved findings are ignored.
// Precision or recall of a kind with nothing planted and nothing found is 1.
func Compare(m *Manifest, findings []schemas.Finding) Report {
	r := Report{Kinds: map[string]KindScore{}, Missed: []Entry{}, Unexpected: []schemas.Finding{}}
	used := make([]bool, len(findings))
	for _, e := range m.Entries {
		s := r.Kinds[e.Kind]
		s.Planted++
		hit := slices.IndexFunc(findings, func(f schemas.Finding) bool {
			return f.Status == schemas.FindingOpen && matches(e, f)
		})
		if hit >= 0 {
			s.Matched++
			used[hit] = true
		} else {
			r.Missed = append(r.Missed, e)
		}
		r.Kinds[e.Kind] = s
	}
	for i, f := range findings {
		if f.Status != schemas.FindingOpen {
			continue
		}
		s := r.Kinds[f.Kind]
		s.Found++
		r.Kinds[f.Kind] = s
		if !used[i] && !slices.ContainsFunc(m.Entries, func(e Entry) bool { return matches(e, f) }) {
			r.Unexpected = append(r.Unexpected, f)
		}
	}
	for k, s := range r.Kinds {
		s.Precision, s.Recall = 1, 1
		if s.Found > 0 {
			s.Precision = float64(s.Found-countUnexpected(r.Unexpected, k)) / float64(s.Found)
		}
		if s.Planted > 0 {
			s.Recall = float64(s.Matched) / float64(s.Planted)
		}
		r.Kinds[k] = s
	}
	return r
}

func countUnexpected(fs []schemas.Finding, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

func matches(e Entry, f schemas.Finding) bool {
	if e.Kind != f.Kind || !strings.EqualFold(e.Principal, f.Principal) {
		return false
	}
	if e.Entitlement != "" && (f.Entitlement == nil || *f.Entitlement != e.Entitlement) {
		return false
	}
	if e.Ticket != "" && (f.TicketID == nil || *f.TicketID != e.Ticket) {
		return false
	}
	return true
}
