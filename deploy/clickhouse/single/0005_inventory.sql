-- tollgate schema v5, single node: observed state from inventory snapshots and imports.
-- A grant or credential row says where it comes from (origin 'event': a vendor-reported
-- change; 'snapshot': an inventory listing with no event behind it; 'import': tollgate
-- import grants) and when a listing first and last saw it; a credential carries its
-- vendor-reported last use. ledger_facts keeps an inventory event's observation (the
-- JSON of schemas.Observation) so a replay applies it the same way.

ALTER TABLE grants
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import: what created the grant',
    ADD COLUMN IF NOT EXISTS first_seen Nullable(DateTime64(3, 'UTC')) COMMENT 'when an inventory listing first saw the grant',
    ADD COLUMN IF NOT EXISTS last_seen Nullable(DateTime64(3, 'UTC')) COMMENT 'when an inventory listing last saw the grant';

ALTER TABLE credentials
    ADD COLUMN IF NOT EXISTS origin LowCardinality(String) DEFAULT 'event' COMMENT 'event, snapshot or import',
    ADD COLUMN IF NOT EXISTS last_used_at Nullable(DateTime64(3, 'UTC')) COMMENT 'the vendor''s last use of the credential';

ALTER TABLE ledger_facts
    ADD COLUMN IF NOT EXISTS inventory String DEFAULT '' COMMENT 'an inventory event''s observation (schemas.Observation JSON); empty for vendor events';
