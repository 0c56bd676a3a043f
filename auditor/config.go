package auditor

import (
	"fmt"
	"strings"
	"time"
)

// Config holds the windows and lists of the detections (DESIGN.md §5). It is
// decoded from the `auditor.detections` section of the tollgate YAML; durations
// are Go durations ("336h", "90m").
type Config struct {
	// TicketWindowBefore is how long before an access change its ticket may
	// have been approved.
	TicketWindowBefore time.Duration `yaml:"ticket_window_before"`
	// TicketWindowAfter is how long after an access change its ticket may be
	// approved and still count (late approvals inside it resolve the finding).
	TicketWindowAfter time.Duration `yaml:"ticket_window_after"`
	// ReviewInterval is the review cadence of a grant whose ticket gives no
	// review date, counted from the grant or its last review.
	ReviewInterval time.Duration `yaml:"review_interval"`
	// BreakGlassRotationWindow is how long an emergency account's password or credentials
	// may stay unchanged after a use of the account.
	BreakGlassRotationWindow time.Duration `yaml:"breakglass_rotation_window"`
	// ReviewEnforcementWindow is how long a review's decision to revoke a grant may wait
	// for the revocation before REVIEW_DECISION_NOT_ENFORCED.
	ReviewEnforcementWindow time.Duration `yaml:"review_enforcement_window"`
	// BreakGlassReviewWindow is how long break-glass access may wait for its
	// post-event review.
	BreakGlassReviewWindow time.Duration `yaml:"breakglass_review_window"`
	// BreakGlassWindow is how long break-glass access may stay active.
	BreakGlassWindow time.Duration `yaml:"breakglass_window"`
	// MFAResetWindow is how soon after an MFA or password reset a privilege
	// grant to the same principal is suspicious.
	MFAResetWindow time.Duration `yaml:"mfa_reset_window"`
	// NHIUnusedAge is how long a credential may go unused (by the vendor's last-use record)
	// before NHI_UNUSED_CREDENTIAL.
	NHIUnusedAge time.Duration `yaml:"nhi_unused_age"`
	// NHIRotationAge is the age after which an unrotated NHI secret is long-lived.
	NHIRotationAge time.Duration `yaml:"nhi_rotation_age"`
	// NHIMaxSecretLifetime is the longest a secret may be issued for: one whose expiry is
	// further from its issue is long-lived from the day it is issued.
	NHIMaxSecretLifetime time.Duration `yaml:"nhi_max_secret_lifetime"`
	// AdminEntitlements are entitlement names (case-insensitive substrings)
	// that carry administrator power whatever privilege the source reported.
	AdminEntitlements []string `yaml:"admin_entitlements"`
	// PrivilegedEntitlements are further entitlement names (case-insensitive,
	// exact) that count as privileged for MFA_RESET_THEN_PRIVILEGE.
	PrivilegedEntitlements []string `yaml:"privileged_entitlements"`
	// BreakGlassAccounts are principal ids whose grants are break-glass
	// whatever lane the router chose.
	BreakGlassAccounts []string `yaml:"breakglass_accounts"`
	// SoDPairs are pairs of entitlement names (case-insensitive) one principal
	// must not hold at once.
	SoDPairs [][2]string `yaml:"sod_pairs"`
	// Identities maps accounts to the identities they belong to (see identity.go).
	Identities IdentityConfig `yaml:"identities"`
}

// DefaultConfig returns the windows and lists of DESIGN.md §5.
func DefaultConfig() Config {
	return Config{
		TicketWindowBefore:       14 * 24 * time.Hour,
		TicketWindowAfter:        time.Hour,
		ReviewInterval:           90 * 24 * time.Hour,
		BreakGlassReviewWindow:   24 * time.Hour,
		ReviewEnforcementWindow:  7 * 24 * time.Hour,
		BreakGlassRotationWindow: 24 * time.Hour,
		BreakGlassWindow:         8 * time.Hour,
		MFAResetWindow:           12 * time.Hour,
		NHIRotationAge:           90 * 24 * time.Hour,
		NHIUnusedAge:             90 * 24 * time.Hour,
		NHIMaxSecretLifetime:     365 * 24 * time.Hour,
		AdminEntitlements: []string{
			"AdministratorAccess", "Super Admin", "Global Administrator", "Organization Administrator",
			"Privileged Role Administrator", "SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN", "USER_ADMIN",
		},
		SoDPairs: DefaultSoDPairs(),
	}
}

// DefaultSoDPairs are the default routing policy's lists.sod_pairs
// (router/policies/default.yaml), which that policy says SOD_CONFLICT uses:
// without them an out-of-the-box auditor could never raise the kind.
func DefaultSoDPairs() [][2]string {
	return [][2]string{{"AP Invoice Entry", "AP Payment Approval"}, {"Change Implementer", "Change Approver"}}
}

// Validate reports the first invalid value, naming its YAML key.
func (c Config) Validate() error {
	durations := []struct {
		key string
		v   time.Duration
	}{
		{"ticket_window_before", c.TicketWindowBefore},
		{"ticket_window_after", c.TicketWindowAfter},
		{"review_interval", c.ReviewInterval},
		{"breakglass_review_window", c.BreakGlassReviewWindow},
		{"review_enforcement_window", c.ReviewEnforcementWindow},
		{"breakglass_rotation_window", c.BreakGlassRotationWindow},
		{"breakglass_window", c.BreakGlassWindow},
		{"mfa_reset_window", c.MFAResetWindow},
		{"nhi_rotation_age", c.NHIRotationAge},
		{"nhi_unused_age", c.NHIUnusedAge},
		{"nhi_max_secret_lifetime", c.NHIMaxSecretLifetime},
	}
	for _, d := range durations {
		if d.v < 0 {
			return fmt.Errorf("%w: auditor.detections.%s must not be negative, got %s", ErrInvalidConfig, d.key, d.v)
		}
		if d.v == 0 && d.key != "ticket_window_after" {
			return fmt.Errorf("%w: auditor.detections.%s must be set", ErrInvalidConfig, d.key)
		}
	}
	for i, s := range c.AdminEntitlements {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("%w: auditor.detections.admin_entitlements[%d] is empty", ErrInvalidConfig, i)
		}
	}
	for i, p := range c.SoDPairs {
		if strings.TrimSpace(p[0]) == "" || strings.TrimSpace(p[1]) == "" || strings.EqualFold(p[0], p[1]) {
			return fmt.Errorf("%w: auditor.detections.sod_pairs[%d] must name two different entitlements", ErrInvalidConfig, i)
		}
	}
	return c.Identities.Validate()
}
