package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/tollgate-io/tollgate/auditor"
)

// AllKinds are the finding kinds of DESIGN.md §5, in catalogue order.
var AllKinds = []string{
	auditor.KindUnticketedAccessChange, auditor.KindHelpdeskPathAccess, auditor.KindSelfApproved,
	auditor.KindMissingLifecycle, auditor.KindReviewOverdue, auditor.KindExpiredNotRevoked,
	auditor.KindOverBroadGrant, auditor.KindBreakglassNoReview, auditor.KindBreakglassNotRevoked,
	auditor.KindMFAResetThenPrivilege, auditor.KindRecoveryWithoutProofing, auditor.KindNHILongLivedSecret,
	auditor.KindNHINoOwner, auditor.KindOrphanedGrant, auditor.KindSoDConflict,
	auditor.KindSelfReviewed, auditor.KindReviewNotEnforced, auditor.KindNHIUnusedCredential, auditor.KindBreakglassUseNoReview,
	auditor.KindBreakglassNotRotated, auditor.KindNHIInteractiveSignIn,
}

// Entry is one planted violation: the finding the auditor must raise.
type Entry struct {
	Kind string `json:"kind"`
	// Principal is the canonical id ingest computes for the identity.
	Principal string `json:"principal"`
	// Entitlement is as the finding labels it (system:name, credential:<id>,
	// the ticket's requested entitlement for SELF_APPROVED), when it has one.
	Entitlement string   `json:"entitlement,omitempty"`
	Ticket      string   `json:"ticket,omitempty"`
	EventIDs    []string `json:"event_ids"`
}

// Manifest lists what a run planted and when its findings must hold.
type Manifest struct {
	Seed  int64     `json:"seed"`
	Start time.Time `json:"start"`
	// Now is the sweep time at which every entry holds (Start+Span).
	Now           time.Time `json:"now"`
	Events        int       `json:"events"`
	Sources       []string  `json:"sources"`
	ViolationRate float64   `json:"violation_rate"`
	Entries       []Entry   `json:"entries"`
}

// WriteFile writes the manifest as indented JSON.
func (m *Manifest) WriteFile(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("gen: encode manifest: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("gen: write manifest: %w", err)
	}
	return nil
}

// ReadManifest reads a manifest written by WriteFile.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gen: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("gen: decode manifest %s: %w", path, err)
	}
	return &m, nil
}

// PrivilegedEntitlements are non-administrative entitlements DetectionConfig
// treats as privileged (MFA_RESET_THEN_PRIVILEGE); clean traffic never grants them.
var PrivilegedEntitlements = []string{"Treasury Wire Release", "Prod Database Write"}

// adminGroup is the Okta group MFA_RESET_THEN_PRIVILEGE grants when the
// configuration names no privileged entitlements: ingest reads it as ADMIN.
const adminGroup = "IT Administrators"

// DetectionConfig is the auditor configuration tollgate bench scores against:
// the defaults plus the generator's privileged entitlements, so that every
// MFA_RESET_THEN_PRIVILEGE is that finding alone. Runs meant for it set
// Options.Detections to it.
func DetectionConfig() auditor.Config {
	c := auditor.DefaultConfig()
	c.PrivilegedEntitlements = PrivilegedEntitlements
	return c
}
