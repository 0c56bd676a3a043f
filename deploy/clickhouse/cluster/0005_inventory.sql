-- tollgate schema v5, cluster form: observed state from inventory snapshots and imports
-- (see the single-node form). Each column is added to the shards' tables and to the
-- Distributed table in front of them.

ALTER TABLE grants_local ON CLUSTER '{cluster}'
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
    ADD COLUMN IF NOT EXISTS rotated_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS rotate_event_id String DEFAULT '';

ALTER TABLE grants ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event',
    ADD COLUMN IF NOT EXISTS first_seen Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS last_seen Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS requester String DEFAULT '',
    ADD COLUMN IF NOT EXISTS reviewer String DEFAULT '',
    ADD COLUMN IF NOT EXISTS self_reviewed_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS self_review_event_id String DEFAULT '',
    ADD COLUMN IF NOT EXISTS self_reviewer String DEFAULT '',
    ADD COLUMN IF NOT EXISTS revoke_decided_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS revoke_decision_event_id String DEFAULT '',
    ADD COLUMN IF NOT EXISTS rotated_at Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS rotate_event_id String DEFAULT '';

ALTER TABLE credentials_local ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import',
    ADD COLUMN IF NOT EXISTS last_used_at Nullable(DateTime64(3, 'UTC')) COMMENT 'the vendor''s last use of the credential';

ALTER TABLE credentials ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event',
    ADD COLUMN IF NOT EXISTS last_used_at Nullable(DateTime64(3, 'UTC'));

ALTER TABLE ledger_facts_local ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS inventory String DEFAULT '' COMMENT 'an inventory event''s observation (schemas.Observation JSON); empty for vendor events',
    ADD COLUMN IF NOT EXISTS review_decision LowCardinality(String) DEFAULT '' COMMENT 'ACCESS_REVIEWED: KEEP or REVOKE';

ALTER TABLE ledger_facts ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS inventory String DEFAULT '',
    ADD COLUMN IF NOT EXISTS review_decision LowCardinality(String) DEFAULT '';

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
