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
    ADD COLUMN IF NOT EXISTS revoke_decision_event_id String DEFAULT '';

ALTER TABLE credentials
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import',
    ADD COLUMN IF NOT EXISTS last_used_at Nullable(DateTime64(3, 'UTC')) COMMENT 'the vendor''s last use of the credential';

ALTER TABLE ledger_facts
    ADD COLUMN IF NOT EXISTS inventory String DEFAULT '' COMMENT 'an inventory event''s observation (schemas.Observation JSON); empty for vendor events',
    ADD COLUMN IF NOT EXISTS review_decision LowCardinality(String) DEFAULT '' COMMENT 'ACCESS_REVIEWED: KEEP or REVOKE';
