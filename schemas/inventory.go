package schemas

import (
	"encoding/json"
	"strings"
	"time"
)

// InventoryAttr is the attribute that marks an event as observed state: a grant, a
// credential or an account state read from an inventory snapshot or an import file, not
// a change the vendor reported. Its value is an Observation as JSON. Ingest removes the
// attribute from every event it receives, so only tollgate's own connectors set it.
const InventoryAttr = "tollgate.inventory"

// The origins of observed state.
const (
	OriginSnapshot = "snapshot" // a connector's inventory snapshot (tollgate sync)
	OriginImport   = "import"   // tollgate import grants
)

// Observation is what an inventory event says beyond its canonical fields.
type Observation struct {
	// Origin is OriginSnapshot or OriginImport; Snapshot identifies the listing.
	Origin   string `json:"origin"`
	Snapshot string `json:"snapshot"`
	// System is the entitlement system the listing covers completely.
	System string `json:"system"`
	// Started is when the listing began: a grant last confirmed before it and missing
	// from the listing is revoked.
	Started time.Time `json:"started"`
	// On a grant: the vendor's grant time and the review and expiry dates it records.
	GrantedAt *time.Time `json:"granted_at,omitempty"`
	ReviewDue *time.Time `json:"review_due,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// On a credential: when it was created and last used.
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// On the holder's account event: every entitlement of System held now (EntitlementKey
	// of each), so the ones the holder no longer has are revoked.
	Held []string `json:"held,omitempty"`
}

// EntitlementKey identifies an entitlement within one principal's grants: the system and
// the id (else the name), case-folded.
func EntitlementKey(system, id, name string) string {
	if id == "" {
		id = name
	}
	return strings.ToLower(system) + "|" + strings.ToLower(id)
}

// Observed returns the event's Observation, or nil when it is a vendor-reported event (or
// the attribute does not parse).
func (e *IdentityEvent) Observed() *Observation {
	v, ok := e.Attributes[InventoryAttr]
	if !ok {
		return nil
	}
	var o Observation
	if json.Unmarshal([]byte(v), &o) != nil || (o.Origin != OriginSnapshot && o.Origin != OriginImport) {
		return nil
	}
	return &o
}

// AttrReviewDecision is the attribute of an ACCESS_REVIEWED event that says what the
// reviewer decided: ReviewKeep or ReviewRevoke (ingest normalizes the vendors' words).
const AttrReviewDecision = "review_decision"

// The review decisions.
const (
	ReviewKeep   = "KEEP"
	ReviewRevoke = "REVOKE"
)

// ReviewDecision normalizes a vendor's review decision ("" when it is neither).
func ReviewDecision(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "APPROVE", "APPROVED", "KEEP", "CERTIFY", "CERTIFIED", "MAINTAIN", "ALLOW":
		return ReviewKeep
	case "REVOKE", "REVOKED", "REMOVE", "DENY", "DENIED", "REJECT", "REJECTED":
		return ReviewRevoke
	}
	return ""
}
