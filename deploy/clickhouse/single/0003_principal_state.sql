-- tollgate schema v3: the auditor's keyed state.
--
-- Up to v2 every batch re-read each touched principal's stored history (an aggregate over its
-- events, its tickets by a scan of tickets FINAL, the events citing a ticket by hasAny on
-- ticket_refs), so the auditor's cost per event grew with history. v3 keeps what the audit
-- carries from one event to the next in three tables read by their primary key:
--
-- principal_state: one row per principal (the greatest version wins), the JSON checkpoint of
--   its ledgers written after every batch that touched it (see auditor/state.go): grants,
--   credentials, the aggregates of its ledger events, the tickets that concern it and a bloom
--   filter of the event ids it has applied, so a redelivery is recognised without a read.
-- ticket_keys: who each ticket is for (beneficiary id or email, requester), folded, so a
--   principal's tickets are found by key, not by scanning tickets.
-- principal_keys: each principal's ids, emails and cited ticket numbers, folded, so the
--   principals a ticket concerns are found by key, not by scanning events.
-- ledger_facts: the ledger events (the only ones the ledgers and detections read back),
--   sorted by principal and time, so replaying one principal reads its own rows only
--   (events is sorted by event_id since v2, where a principal's rows are everywhere).
--
-- All four are append-only (a newer row supersedes, an extra key row only widens a lookup the
-- auditor then filters exactly), so every write can be retried. Principals without a state
-- row (all of them right after this migration) are rebuilt once from their history.

CREATE TABLE IF NOT EXISTS principal_state
(
    principal  String,
    version    UInt64 COMMENT 'greater for every new checkpoint of the principal',
    state      String COMMENT 'JSON checkpoint, see auditor/state.go' CODEC(ZSTD(1)),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY principal
SETTINGS index_granularity = 128;

CREATE TABLE IF NOT EXISTS ticket_keys
(
    key       String COMMENT 'folded beneficiary id or email, or requester id',
    ticket_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (key, ticket_id);

CREATE TABLE IF NOT EXISTS principal_keys
(
    key       String COMMENT 'who:<folded id or email> or ref:<upper-case ticket number>',
    principal String
)
ENGINE = ReplacingMergeTree
ORDER BY (key, principal);

CREATE TABLE IF NOT EXISTS ledger_facts
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
ENGINE = ReplacingMergeTree
ORDER BY (principal, occurred_at, event_id);

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
