-- tollgate schema v5, single node: observed state from inventory snapshots and imports,
-- and the integrity of access reviews (who reviewed, a self-review, a revoke decision).
-- A grant or credential row says where it comes from (origin 'event': a vendor-reported
-- change; 'snapshot': an inventory listing with no event behind it; 'import': tollgate
-- import grants) and when a listing first and last saw it; a credential carries its
-- vendor-reported last use. ledger_facts keeps an inventory event's observation (the
-- JSON of schemas.Observation) so a replay applies it the same way.

ALTER TABLE grants
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import: what created the grant',
    ADD COLUMN IF NOT EXISTS first_seen Nullable(DateTime64(3, 'UTC')) COMMENT 'when an inventory listing first saw the grant',
    ADD COLUMN IF NOT EXISTS last_seen Nullable(DateTime64(3, 'UTC')) COMMENT 'when an inventory listing last saw the grant',
    ADD COLUMN IF NOT EXISTS requester String DEFAULT '' COMMENT 'who requested the grant (the governing ticket''s requester)',
    ADD COLUMN IF NOT EXISTS reviewer String DEFAULT '' COMMENT 'who made the last valid review or decision',
    ADD COLUMN IF NOT EXISTS self_reviewed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'a review by the holder or the requester, which does not count',
    ADD COLUMN IF NOT EXISTS self_review_event_id String DEFAULT '',
    ADD COLUMN IF NOT EXISTS self_reviewer String DEFAULT '',
    ADD COLUMN IF NOT EXISTS revoke_decided_at Nullable(DateTime64(3, 'UTC')) COMMENT 'a review decided to revoke the grant; it must be revoked',
    ADD COLUMN IF NOT EXISTS revoke_decision_event_id String DEFAULT '',
    ADD COLUMN IF NOT EXISTS rotated_at Nullable(DateTime64(3, 'UTC')) COMMENT 'a break-glass use (origin use): the first change of the principal''s password or credentials after it',
    ADD COLUMN IF NOT EXISTS rotate_event_id String DEFAULT '';

ALTER TABLE credentials
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import',
    ADD COLUMN IF NOT EXISTS last_used_at Nullable(DateTime64(3, 'UTC')) COMMENT 'the vendor''s last use of the credential';

ALTER TABLE ledger_facts
    ADD COLUMN IF NOT EXISTS inventory String DEFAULT '' COMMENT 'an inventory event''s observation (schemas.Observation JSON); empty for vendor events',
    ADD COLUMN IF NOT EXISTS review_decision LowCardinality(String) DEFAULT '' COMMENT 'ACCESS_REVIEWED: KEEP or REVOKE';

-- Backfill the ledger facts v5 adds to what a principal's ledgers read (ledgerRecord in
-- auditor/eventrow.go): uses of break-glass access (a successful sign-in, read,
-- impersonation or other action in the BREAK_GLASS lane) and the password changes of the
-- identities so used. The principals' keys follow, so a post-event review ticket for one
-- reaches its ledgers. Running it twice adds rows that collapse with the first copies.
INSERT INTO ledger_facts (event_id, principal, category, action, outcome, lane, occurred_at, actor_id, subject_id, subject_type, subject_email, entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system, entitlement_wildcard, credential_id, credential_kind, credential_owner_id, credential_expires_at, ticket_refs)
SELECT event_id, principal, category, action, outcome, lane, occurred_at, actor_id, subject_id, subject_type, subject_email, entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system, entitlement_wildcard, credential_id, credential_kind, credential_owner_id, credential_expires_at, ticket_refs
FROM events
WHERE category != 'TICKET' AND principal != '' AND outcome = 'SUCCESS' AND ((lane = 'BREAK_GLASS' AND action IN ('SIGN_IN', 'READ', 'IMPERSONATION', 'OTHER'))
    OR (action = 'PASSWORD_CHANGE' AND principal IN (SELECT principal FROM events WHERE outcome = 'SUCCESS' AND lane = 'BREAK_GLASS' AND action IN ('SIGN_IN', 'READ', 'IMPERSONATION', 'OTHER'))));

INSERT INTO principal_keys (key, principal)
SELECT DISTINCT concat('who:', lowerUTF8(upperUTF8(principal))), principal
FROM events
WHERE category != 'TICKET' AND principal != '' AND outcome = 'SUCCESS' AND lane = 'BREAK_GLASS' AND action IN ('SIGN_IN', 'READ', 'IMPERSONATION', 'OTHER');
