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
    ADD COLUMN IF NOT EXISTS revoke_decision_event_id String DEFAULT '';

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
    ADD COLUMN IF NOT EXISTS revoke_decision_event_id String DEFAULT '';

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
