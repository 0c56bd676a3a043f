package auditor

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// historySelect reads an events row back into the fields of its IdentityEvent. Times come
// as Int64 milliseconds, as everywhere in the Store contract.
const historySelect = `event_id, source, source_event_type, category, action, outcome,
	toUnixTimestamp64Milli(occurred_at) AS occurred_ms, toUnixTimestamp64Milli(ingested_at) AS ingested_ms,
	actor_id, actor_type, subject_id, subject_type, subject_email,
	entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system,
	entitlement_environment, entitlement_wildcard,
	credential_id, credential_kind, credential_owner_id, toUnixTimestamp64Milli(credential_expires_at) AS credential_expires_ms,
	ticket_id, ticket_system, ticket_kind, ticket_state, ticket_approval, ticket_approver_id, ticket_requester_id,
	ticket_requested_for_id, ticket_requested_for_email, ticket_requested_entitlement, ticket_justification,
	ticket_emergency, ticket_identity_verified, toUnixTimestamp64Milli(ticket_review_due) AS ticket_review_due_ms,
	toUnixTimestamp64Milli(ticket_access_expires) AS ticket_access_expires_ms, ticket_request_type,
	toUnixTimestamp64Milli(ticket_approved_at) AS ticket_approved_ms,
	ticket_refs, ocsf_class_uid, ocsf_activity_id, attributes`

// History yields the events stored in the events table that occurred in [from, to) (zero
// bounds are open), one per event_id, in occurred_at order, for `tollgate policy replay`
// over ClickHouse. The events come back as the router saw them except for what the table
// does not keep: principals' display names and source ids, and the credential owner's and
// ticket people's types (a policy that reads those sees them empty). It reads in pages, so
// memory does not grow with history.
func History(ctx context.Context, s Store, from, to time.Time, page int) iter.Seq2[*schemas.IdentityEvent, error] {
	if page <= 0 {
		page = 5000
	}
	return func(yield func(*schemas.IdentityEvent, error) bool) {
		var where []string
		if !from.IsZero() {
			where = append(where, fmt.Sprintf("occurred_at >= fromUnixTimestamp64Milli(%d, 'UTC')", from.UnixMilli()))
		}
		if !to.IsZero() {
			where = append(where, fmt.Sprintf("occurred_at < fromUnixTimestamp64Milli(%d, 'UTC')", to.UnixMilli()))
		}
		var afterMS int64
		afterID := ""
		first := true
		for {
			w := append([]string(nil), where...)
			if !first {
				w = append(w, fmt.Sprintf("(toUnixTimestamp64Milli(occurred_at), event_id) > (%d, %s)", afterMS, quote(afterID)))
			}
			q := "SELECT " + historySelect + " FROM events FINAL"
			if len(w) > 0 {
				q += " WHERE " + strings.Join(w, " AND ")
			}
			q += fmt.Sprintf(" ORDER BY occurred_at, event_id LIMIT %d", page) + aliasSafe
			rows, err := s.Query(ctx, q)
			if err != nil {
				yield(nil, fmt.Errorf("auditor: read history: %w", err))
				return
			}
			for _, r := range rows {
				if !yield(eventFromHistory(r), nil) {
					return
				}
			}
			if len(rows) < page {
				return
			}
			last := rows[len(rows)-1]
			afterMS, afterID, first = last.Int("occurred_ms"), last.String("event_id"), false
		}
	}
}

func eventFromHistory(r Row) *schemas.IdentityEvent {
	principal := func(id, typ, email string) *schemas.Principal {
		if id == "" {
			return nil
		}
		p := &schemas.Principal{ID: id, SourceID: id, Type: schemas.PrincipalType(typ)}
		if p.Type == "" {
			p.Type = schemas.PrincipalUnknown
		}
		if email != "" {
			p.Email = &email
		}
		return p
	}
	optional := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	ev := &schemas.IdentityEvent{
		EventID:         r.String("event_id"),
		Source:          schemas.Source(r.String("source")),
		SourceEventType: r.String("source_event_type"),
		Category:        schemas.Category(r.String("category")),
		Action:          schemas.Action(r.String("action")),
		Outcome:         schemas.Outcome(r.String("outcome")),
		OccurredAt:      r.Time("occurred_ms"),
		IngestedAt:      r.Time("ingested_ms"),
		Actor:           principal(r.String("actor_id"), r.String("actor_type"), ""),
		Subject:         principal(r.String("subject_id"), r.String("subject_type"), r.String("subject_email")),
		TicketRefs:      r.Strings("ticket_refs"),
		Ocsf:            schemas.Ocsf{ClassUID: int32(r.Int("ocsf_class_uid")), ActivityID: int32(r.Int("ocsf_activity_id"))},
		Attributes:      stringMap(r["attributes"]),
	}
	if ev.TicketRefs == nil {
		ev.TicketRefs = []string{}
	}
	if id := r.String("entitlement_id"); id != "" {
		ev.Entitlement = &schemas.Entitlement{ID: id, Name: r.String("entitlement_name"),
			Kind: schemas.EntitlementKind(r.String("entitlement_kind")), Privilege: schemas.Privilege(r.String("entitlement_privilege")),
			System: r.String("entitlement_system"), Environment: optional(r.String("entitlement_environment")), Wildcard: r.Bool("entitlement_wildcard")}
	}
	if id := r.String("credential_id"); id != "" {
		ev.Credential = &schemas.Credential{ID: id, Kind: schemas.CredentialKind(r.String("credential_kind")),
			Owner: principal(r.String("credential_owner_id"), "", ""), ExpiresAt: r.NullTime("credential_expires_ms")}
	}
	if id := r.String("ticket_id"); id != "" {
		ev.Ticket = &schemas.Ticket{ID: id, System: r.String("ticket_system"), Kind: schemas.TicketKind(r.String("ticket_kind")),
			State: r.String("ticket_state"), Approval: schemas.Approval(r.String("ticket_approval")),
			Approver: principal(r.String("ticket_approver_id"), "", ""), Requester: principal(r.String("ticket_requester_id"), "", ""),
			RequestedFor:         principal(r.String("ticket_requested_for_id"), "", r.String("ticket_requested_for_email")),
			RequestedEntitlement: optional(r.String("ticket_requested_entitlement")), Justification: optional(r.String("ticket_justification")),
			Emergency: r.Bool("ticket_emergency"), IdentityVerified: r.NullBool("ticket_identity_verified"),
			ReviewDue: r.NullTime("ticket_review_due_ms"), AccessExpires: r.NullTime("ticket_access_expires_ms"),
			RequestType: optional(r.String("ticket_request_type")), ApprovedAt: r.NullTime("ticket_approved_ms")}
	}
	return ev
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	switch m := v.(type) {
	case map[string]string:
		for k, x := range m {
			out[k] = x
		}
	case map[string]any:
		for k, x := range m {
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}
