-- tollgate schema v3, cluster form: the auditor's keyed state (see the single-node form for
-- what each table holds). principal_state and ledger_facts are sharded by principal like the
-- ledgers; the two key tables by key, so one lookup reads one shard. The backfills write
-- through the Distributed tables, so every row lands on the shard of its key.

CREATE TABLE IF NOT EXISTS principal_state_local ON CLUSTER '{cluster}'
(
    principal  String,
    version    UInt64 COMMENT 'greater for every new checkpoint of the principal',
    state      String COMMENT 'JSON checkpoint, see auditor/state.go' CODEC(ZSTD(1)),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/principal_state_local', '{replica}', version)
ORDER BY principal
SETTINGS index_granularity = 128;

CREATE TABLE IF NOT EXISTS principal_state ON CLUSTER '{cluster}' AS principal_state_local
ENGINE = Distributed('{cluster}', currentDatabase(), principal_state_local, cityHash64(principal));

CREATE TABLE IF NOT EXISTS ticket_keys_local ON CLUSTER '{cluster}'
(
    key       String COMMENT 'folded beneficiary id or email, or requester id',
    ticket_id String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/ticket_keys_local', '{replica}')
ORDER BY (key, ticket_id);

CREATE TABLE IF NOT EXISTS ticket_keys ON CLUSTER '{cluster}' AS ticket_keys_local
ENGINE = Distributed('{cluster}', currentDatabase(), ticket_keys_local, cityHash64(key));

CREATE TABLE IF NOT EXISTS principal_keys_local ON CLUSTER '{cluster}'
(
    key       String COMMENT 'who:<folded id or email> or ref:<upper-case ticket number>',
    principal String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/principal_keys_local', '{replica}')
ORDER BY (key, principal);

CREATE TABLE IF NOT EXISTS principal_keys ON CLUSTER '{cluster}' AS principal_keys_local
ENGINE = Distributed('{cluster}', currentDatabase(), principal_keys_local, cityHash64(key));

CREATE TABLE IF NOT EXISTS ledger_facts_local ON CLUSTER '{cluster}'
(
    event_id                String,
    principal               String,
    category                LowCardinality(String),
    action                  LowCardinality(String),
    outcome                 LowCardinality(String),
    lane                    LowCardinality(String),
    occurred_at             DateTime64(3, 'UTC'),
    actor_id                String,
    subject_id              String,
    subject_type            LowCardinality(String),
    subject_email           String,
    entitlement_id          String,
    entitlement_name        String,
    entitlement_kind        LowCardinality(String),
    entitlement_privilege   LowCardinality(String),
    entitlement_system      LowCardinality(String),
    entitlement_wildcard    Bool,
    credential_id           String,
    credential_kind         LowCardinality(String),
    credential_owner_id     String,
    credential_expires_at   Nullable(DateTime64(3, 'UTC')),
    ticket_refs             Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/ledger_facts_local', '{replica}')
ORDER BY (principal, occurred_at, event_id);

CREATE TABLE IF NOT EXISTS ledger_facts ON CLUSTER '{cluster}' AS ledger_facts_local
ENGINE = Distributed('{cluster}', currentDatabase(), ledger_facts_local, cityHash64(principal));

-- Backfill from what v2 stored: the ledger events (the condition is ledgerEventSQL in
-- auditor/eventrow.go), who each ticket is for, and each principal's ids, emails and cited
-- ticket numbers. Running it twice adds rows that collapse with the first copies.
INSERT INTO ledger_facts (event_id, principal, category, action, outcome, lane, occurred_at, actor_id, subject_id, subject_type, subject_email, entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system, entitlement_wildcard, credential_id, credential_kind, credential_owner_id, credential_expires_at, ticket_refs)
SELECT event_id, principal, category, action, outcome, lane, occurred_at, actor_id, subject_id, subject_type, subject_email, entitlement_id, entitlement_name, entitlement_kind, entitlement_privilege, entitlement_system, entitlement_wildcard, credential_id, credential_kind, credential_owner_id, credential_expires_at, ticket_refs
FROM events
WHERE category != 'TICKET' AND principal != '' AND outcome = 'SUCCESS' AND action IN ('ACCESS_GRANT', 'POLICY_CHANGE', 'ACCESS_REVOKE', 'ACCESS_REVIEWED', 'ACCOUNT_CREATE', 'ACCOUNT_ENABLE', 'ACCOUNT_DISABLE', 'ACCOUNT_DELETE', 'CREDENTIAL_CREATE', 'CREDENTIAL_ROTATE', 'CREDENTIAL_DELETE', 'MFA_RESET', 'PASSWORD_RESET', 'ACCOUNT_UNLOCK');

INSERT INTO ticket_keys (key, ticket_id)
SELECT DISTINCT k, ticket_id
FROM tickets FINAL
ARRAY JOIN arrayFilter(x -> x != 'who:', [concat('ref:', upperUTF8(ticket_id)),
    concat('who:', lowerUTF8(upperUTF8(requested_for_id))), concat('who:', lowerUTF8(upperUTF8(requested_for_email))),
    concat('who:', lowerUTF8(upperUTF8(requester_id)))]) AS k;

INSERT INTO principal_keys (key, principal)
SELECT DISTINCT k, principal
FROM ledger_facts
ARRAY JOIN arrayFilter(x -> x != 'who:', arrayConcat([concat('who:', lowerUTF8(upperUTF8(principal))),
    concat('who:', lowerUTF8(upperUTF8(subject_email)))], arrayMap(r -> concat('ref:', upperUTF8(r)), ticket_refs))) AS k;
