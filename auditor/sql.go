package auditor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// The auditor's SQL, in one place: what the streaming path and the sweep read, by the
// same select lists and the same conditions the rules (detect_*.go) apply in Go, so the
// two cannot drift apart (TestSweepSelectsWhatTheRulesFlag). Insert column lists sit
// beside the row builders whose value order they name (eventRow, grant.row, …).

// aliasSafe makes WHERE see table columns, not the same-named millisecond
// aliases of the SELECT list (ClickHouse lets aliases shadow columns).
const aliasSafe = " SETTINGS prefer_column_name_to_alias = 1"

// inChunk bounds IN lists so a statement stays far below max_query_size.
const inChunk = 2000

// queryIn runs q once per chunk of values, q holding one %s for the IN list.
func (a *Auditor) queryIn(ctx context.Context, q string, values []string) ([]Row, error) {
	var out []Row
	for start := 0; start < len(values); start += inChunk {
		end := min(start+inChunk, len(values))
		rows, err := a.store.Query(ctx, strings.ReplaceAll(q, "%s", quoteList(values[start:end])))
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// The select lists read a stored row back into the struct its FromRow builds; times are
// selected as Int64 milliseconds, as everywhere in the Store contract.

const ticketSelect = `ticket_id, system, kind, state, approval, approver_id, requester_id, requested_for_id,
	requested_for_email, requested_entitlement, justification, emergency, identity_verified,
	toUnixTimestamp64Milli(review_due) AS review_due, toUnixTimestamp64Milli(access_expires) AS access_expires,
	request_type, toUnixTimestamp64Milli(approved_at) AS approved_at,
	toUnixTimestamp64Milli(opened_at) AS opened_at, toUnixTimestamp64Milli(updated_at) AS updated_at,
	approval_event_id, event_ids, version`

const grantSelect = `principal, principal_type, entitlement_key, entitlement_id, entitlement_name, entitlement_system,
	entitlement_privilege, entitlement_wildcard, state, lane, toUnixTimestamp64Milli(granted_at) AS granted_at,
	toUnixTimestamp64Milli(revoked_at) AS revoked_at, grant_event_id, revoke_event_id, ticket_id, approver,
	toUnixTimestamp64Milli(review_due) AS review_due, toUnixTimestamp64Milli(expires_at) AS expires_at,
	toUnixTimestamp64Milli(last_reviewed_at) AS last_reviewed_at, review_event_id,
	toUnixTimestamp64Milli(disabled_at) AS disabled_at, disable_event_id, origin,
	toUnixTimestamp64Milli(first_seen) AS first_seen, toUnixTimestamp64Milli(last_seen) AS last_seen, requester, reviewer,
	toUnixTimestamp64Milli(self_reviewed_at) AS self_reviewed_at, self_review_event_id, self_reviewer,
	toUnixTimestamp64Milli(revoke_decided_at) AS revoke_decided_at, revoke_decision_event_id,
	toUnixTimestamp64Milli(rotated_at) AS rotated_at, rotate_event_id, version`

const credentialSelect = `principal, credential_id, kind, owner, toUnixTimestamp64Milli(created_at) AS created_at,
	toUnixTimestamp64Milli(rotated_at) AS rotated_at, toUnixTimestamp64Milli(deleted_at) AS deleted_at,
	toUnixTimestamp64Milli(expires_at) AS expires_at, create_event_id, rotate_event_id, delete_event_id, origin,
	toUnixTimestamp64Milli(last_used_at) AS last_used_at, version`

// iamFactSelect reads back the columns ledgers and detections use from IAM
// events, times as milliseconds. The ticket columns, empty on IAM events, are
// left out; factFromRow reads missing columns as empty.
const iamFactSelect = `event_id, principal, category, action, outcome, lane,
	toUnixTimestamp64Milli(occurred_at) AS occurred_at,
	actor_id, subject_id, subject_type, subject_email,
	entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system, entitlement_wildcard,
	credential_id, credential_kind, credential_owner_id, toUnixTimestamp64Milli(credential_expires_at) AS credential_expires_at,
	ticket_refs, inventory, review_decision, nhi_sign_in`

// iamEventFactSelect is iamFactSelect on the events table, which keeps an inventory
// event's observation in its attributes and says interactiveNHISignIn in its columns.
var iamEventFactSelect = strings.TrimSuffix(iamFactSelect, "inventory, review_decision, nhi_sign_in") + "attributes['" + schemas.InventoryAttr +
	"'] AS inventory, attributes['" + schemas.AttrReviewDecision + "'] AS review_decision, " +
	`(action = 'SIGN_IN' AND outcome = 'SUCCESS' AND if(subject_id != '', subject_type, actor_type) = 'NHI' AND (
	(source = 'CLOUDTRAIL' AND source_event_type = 'ConsoleLogin') OR (source = 'OKTA' AND source_event_type = 'user.session.start') OR
	(source = 'ENTRA' AND attributes['category'] = 'SignInLogs') OR (source = 'GOOGLE_WORKSPACE' AND endsWith(source_event_type, 'login_success')))) AS nhi_sign_in`

// ticketFactSelect reads back the columns of ticket events mergeTicket uses.
const ticketFactSelect = `event_id, principal, category, action, outcome, lane,
	toUnixTimestamp64Milli(occurred_at) AS occurred_at,
	ticket_id, ticket_system, ticket_kind, ticket_state, ticket_approval, ticket_approver_id, ticket_requester_id,
	ticket_requested_for_id, ticket_requested_for_email, ticket_requested_entitlement, ticket_justification,
	ticket_emergency, ticket_identity_verified,
	toUnixTimestamp64Milli(ticket_review_due) AS ticket_review_due,
	toUnixTimestamp64Milli(ticket_access_expires) AS ticket_access_expires,
	ticket_request_type, toUnixTimestamp64Milli(ticket_approved_at) AS ticket_approved_at, ticket_refs`

// ledgerEventSQL is ledgerEvent as a condition on the events table, as schema v3's
// ledger_facts backfill writes it out.
var ledgerEventSQL = func() string {
	names := make([]string, len(ledgerActions))
	for i, a := range ledgerActions {
		names[i] = string(a)
	}
	return "outcome = 'SUCCESS' AND action IN " + quoteList(names)
}()

// findingSelect reads a whole stored finding.
const findingSelect = `finding_id, kind, severity, status, principal, entitlement, ticket_id, event_ids, summary, controls,
	toUnixTimestamp64Milli(detected_at) AS detected_at, toUnixTimestamp64Milli(resolved_at) AS resolved_at, version`

// findingStateSelect is the part of a stored finding reconcile needs when the
// finding is still implied.
const findingStateSelect = `finding_id, status, toUnixTimestamp64Milli(detected_at) AS detected_at, version`

// Statements whose %s is the IN list queryIn fills. Every one is a read by the primary key
// of its table, or of a skip index for the off-hot-path ticket replay.
const (
	sqlTicketsByID      = "SELECT " + ticketSelect + " FROM tickets FINAL WHERE ticket_id IN %s"
	sqlTicketEventsByID = "SELECT " + ticketFactSelect + " FROM events WHERE category = 'TICKET' AND ticket_id IN %s"
	sqlTicketIDsByKey   = "SELECT DISTINCT ticket_id FROM ticket_keys WHERE key IN %s"
	sqlPrincipalsByKey  = "SELECT DISTINCT principal FROM principal_keys WHERE key IN %s"
	sqlLedgerFactsOf    = "SELECT " + iamFactSelect + " FROM ledger_facts WHERE principal IN %s"
	sqlStateVersions    = "SELECT principal, max(version) AS version FROM principal_state WHERE principal IN %s GROUP BY principal"
	sqlStates           = "SELECT principal, argMax(state, version) AS state FROM principal_state WHERE principal IN %s GROUP BY principal"
	sqlTriageOf         = "SELECT finding_id, toUnixTimestamp64Milli(at) AS at, action, actor, assignee, owner, reason," +
		" toUnixTimestamp64Milli(until) AS until FROM finding_triage WHERE finding_id IN %s ORDER BY finding_id, at, seq" + aliasSafe
)

// sqlFindingsWhere selects columns of the stored findings matching cond (which may hold
// the %s of an IN list).
func sqlFindingsWhere(columns, cond string) string {
	return "SELECT " + columns + " FROM findings FINAL WHERE " + cond + aliasSafe
}

// sweepGrantsSQL selects the grant rows a grant rule may flag at now: a superset of what
// breakglassNoReview, breakglassNotRevoked, reviewOverdue, expiredNotRevoked and
// orphanedGrant raise, narrow enough that the sweep's cost follows problems, not grants.
func sweepGrantsSQL(now time.Time, cfg *Config) string {
	at := sqlTime(now)
	return "SELECT " + grantSelect + " FROM grants FINAL WHERE (state = 'ACTIVE' AND (" +
		"(review_due IS NOT NULL AND review_due < " + at + ") OR (expires_at IS NOT NULL AND expires_at < " + at + ") OR disabled_at IS NOT NULL" +
		" OR self_reviewed_at IS NOT NULL OR (revoke_decided_at IS NOT NULL AND revoke_decided_at < " + at + " - " + sqlInterval(cfg.ReviewEnforcementWindow) + ")" +
		" OR (lane = 'BREAK_GLASS' AND granted_at < " + at + " - " + sqlInterval(cfg.BreakGlassWindow) + ")))" +
		" OR (lane = 'BREAK_GLASS' AND granted_at < " + at + " - " + sqlInterval(cfg.BreakGlassReviewWindow) +
		" AND (last_reviewed_at IS NULL OR last_reviewed_at < granted_at))" +
		" OR (origin = '" + originUse + "' AND rotated_at IS NULL AND granted_at < " + at + " - " + sqlInterval(cfg.BreakGlassRotationWindow) + ")" +
		" OR (origin = '" + originNHISession + "' AND rotated_at IS NULL)" + aliasSafe
}

// sweepCredentialsSQL selects the credential rows nhiNoOwner or nhiLongLivedSecret may
// flag at now.
func sweepCredentialsSQL(now time.Time, cfg *Config) string {
	return "SELECT " + credentialSelect + " FROM credentials FINAL WHERE deleted_at IS NULL AND ((owner = '' AND create_event_id != '')" +
		" OR coalesce(rotated_at, created_at) < " + sqlTime(now) + " - " + sqlInterval(cfg.NHIRotationAge) +
		" OR (expires_at IS NOT NULL AND expires_at > coalesce(rotated_at, created_at) + " + sqlInterval(cfg.NHIMaxSecretLifetime) + ")" +
		" OR (last_used_at IS NOT NULL AND last_used_at < " + sqlTime(now) + " - " + sqlInterval(cfg.NHIUnusedAge) + "))" + aliasSafe
}

func sqlTime(t time.Time) string {
	return fmt.Sprintf("fromUnixTimestamp64Milli(%d, 'UTC')", t.UnixMilli())
}

func sqlInterval(d time.Duration) string {
	return fmt.Sprintf("toIntervalMillisecond(%d)", d.Milliseconds())
}
