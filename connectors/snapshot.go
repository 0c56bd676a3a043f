package connectors

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// Listing identifies one inventory listing of a system.
type Listing struct {
	Source schemas.Source
	System string
	// ID is unique per listing (e.g. the start time): it is part of every event id, so a
	// listing delivered twice collapses and the next listing is new.
	ID string
	// Origin is schemas.OriginSnapshot or schemas.OriginImport.
	Origin  string
	Started time.Time
}

// NewListing starts a listing of system from source at started.
func NewListing(source schemas.Source, system, origin string, started time.Time) Listing {
	return Listing{Source: source, System: system, Origin: origin, Started: started.UTC(),
		ID: started.UTC().Format("20060102T150405.000Z")}
}

// Events are the canonical events of one holding observed at at: one per grant
// (ACCESS_GRANT) and per credential (CREDENTIAL_CREATE), then the account's state
// (ACCOUNT_ENABLE, or ACCOUNT_DISABLE for a suspended or deprovisioned holder) carrying
// every entitlement key held, so the auditor revokes the rest of the system's grants.
func (l Listing) Events(h Holding, at time.Time) []schemas.IdentityEvent {
	at = at.UTC()
	p := h.Principal
	base := func(kind, key string, action schemas.Action, obs schemas.Observation) schemas.IdentityEvent {
		obs.Origin, obs.Snapshot, obs.System, obs.Started = l.Origin, l.ID, l.System, l.Started
		b, _ := json.Marshal(obs)
		id := fmt.Sprintf("%s:inventory:%s:%s:%s", strings.ToLower(string(l.Source)), l.ID, kind, p.ID)
		if key != "" {
			id += ":" + key
		}
		holder := p
		return schemas.IdentityEvent{
			EventID: id, Source: l.Source, SourceEventType: "inventory." + kind, Category: schemas.CategoryIAM,
			Action: action, OccurredAt: at, IngestedAt: at, Outcome: schemas.OutcomeSuccess,
			Subject: &holder, TicketRefs: []string{}, Attributes: map[string]string{schemas.InventoryAttr: string(b)},
		}
	}
	var out []schemas.IdentityEvent
	held := make([]string, 0, len(h.Grants))
	for _, g := range h.Grants {
		ent := g.Entitlement
		if ent.System == "" {
			ent.System = l.System
		}
		key := schemas.EntitlementKey(ent.System, ent.ID, ent.Name)
		held = append(held, key)
		ev := base("grant", key, schemas.ActionAccessGrant, schemas.Observation{GrantedAt: g.GrantedAt, ReviewDue: g.ReviewDue, ExpiresAt: g.ExpiresAt})
		ev.Entitlement = &ent
		out = append(out, ev)
	}
	for _, c := range h.Credentials {
		ev := base("credential", c.ID, schemas.ActionCredentialCreate, schemas.Observation{CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt})
		ev.Credential = &schemas.Credential{ID: c.ID, Kind: c.Kind, Owner: c.Owner, ExpiresAt: c.ExpiresAt}
		out = append(out, ev)
	}
	action := schemas.ActionAccountEnable
	if h.Status == StatusSuspended || h.Status == StatusDeprovisioned {
		action = schemas.ActionAccountDisable
	}
	acct := base("account", "", action, schemas.Observation{Held: held})
	acct.Attributes["inventory_status"] = string(h.Status)
	return append(out, acct)
}
