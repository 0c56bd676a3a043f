-- tollgate schema v1, cluster form: Replicated local tables created ON CLUSTER '{cluster}',
-- Distributed tables under the canonical names. Sharding keeps every row of one key
-- (principal, or ticket) on one shard, so FINAL through the Distributed table still
-- collapses duplicates. Needs the {cluster}, {shard} and {replica} macros on every node.

CREATE TABLE IF NOT EXISTS events_local ON CLUSTER '{cluster}'
(
    event_id                     String,
    principal                    String COMMENT 'whose access the event is about: subject id, else ticket beneficiary, else credential',
    source                       LowCardinality(String),
    source_event_type            LowCardinality(String),
    category                     LowCardinality(String),
    action                       LowCardinality(String),
    outcome                      LowCardinality(String),
    lane                         LowCardinality(String),
    impact                       LowCardinality(String),
    rule_id                      LowCardinality(String),
    reasons                      Array(String),
    policy_version               LowCardinality(String),
    occurred_at                  DateTime64(3, 'UTC'),
    ingested_at                  DateTime64(3, 'UTC'),
    decided_at                   DateTime64(3, 'UTC'),
    actor_id                     String,
    actor_type                   LowCardinality(String),
    subject_id                   String,
    subject_type                 LowCardinality(String),
    subject_email                String,
    entitlement_id               String,
    entitlement_name             String,
    entitlement_kind             LowCardinality(String),
    entitlement_privilege        LowCardinality(String),
    entitlement_system           LowCardinality(String),
    entitlement_environment      LowCardinality(String),
    entitlement_wildcard         Bool,
    credential_id                String,
    credential_kind              LowCardinality(String),
    credential_owner_id          String,
    credential_expires_at        Nullable(DateTime64(3, 'UTC')),
    ticket_id                    String,
    ticket_system                LowCardinality(String),
    ticket_kind                  LowCardinality(String),
    ticket_state                 LowCardinality(String),
    ticket_approval              LowCardinality(String),
    ticket_approver_id           String,
    ticket_requester_id          String,
    ticket_requested_for_id      String,
    ticket_requested_for_email   String,
    ticket_requested_entitlement String,
    ticket_justification         String,
    ticket_emergency             Bool,
    ticket_identity_verified     Nullable(Bool),
    ticket_review_due            Nullable(DateTime64(3, 'UTC')),
    ticket_access_expires        Nullable(DateTime64(3, 'UTC')),
    ticket_request_type          LowCardinality(String),
    ticket_approved_at           Nullable(DateTime64(3, 'UTC')),
    ticket_refs                  Array(String),
    ocsf_class_uid               Int32,
    ocsf_activity_id             Int32,
    attributes                   Map(String, String),
    raw                          String TTL toDateTime(occurred_at) + INTERVAL {raw_ttl_days} DAY,
    INDEX ix_ticket_id ticket_id TYPE bloom_filter GRANULARITY 4,
    INDEX ix_ticket_refs ticket_refs TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (principal, occurred_at, event_id);

CREATE TABLE IF NOT EXISTS events ON CLUSTER '{cluster}' AS events_local
ENGINE = Distributed('{cluster}', currentDatabase(), events_local, cityHash64(principal));

CREATE TABLE IF NOT EXISTS grants_local ON CLUSTER '{cluster}'
(
    principal             String,
    principal_type        LowCardinality(String),
    entitlement_key       String,
    entitlement_id        String,
    entitlement_name      String,
    entitlement_system    LowCardinality(String),
    entitlement_privilege LowCardinality(String),
    entitlement_wildcard  Bool,
    state                 LowCardinality(String) COMMENT 'ACTIVE or REVOKED',
    lane                  LowCardinality(String),
    granted_at            DateTime64(3, 'UTC'),
    revoked_at            Nullable(DateTime64(3, 'UTC')),
    grant_event_id        String,
    revoke_event_id       String,
    ticket_id             String,
    approver              String,
    review_due            Nullable(DateTime64(3, 'UTC')) COMMENT 'next review date: the ticket''s, else last review or grant + review interval',
    expires_at            Nullable(DateTime64(3, 'UTC')),
    last_reviewed_at      Nullable(DateTime64(3, 'UTC')),
    review_event_id       String,
    disabled_at           Nullable(DateTime64(3, 'UTC')) COMMENT 'set while the principal is disabled or deleted',
    disable_event_id      String,
    version               UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/grants_local', '{replica}', version)
ORDER BY (principal, entitlement_key);

CREATE TABLE IF NOT EXISTS grants ON CLUSTER '{cluster}' AS grants_local
ENGINE = Distributed('{cluster}', currentDatabase(), grants_local, cityHash64(principal));

CREATE TABLE IF NOT EXISTS tickets_local ON CLUSTER '{cluster}'
(
    ticket_id             String,
    system                LowCardinality(String),
    kind                  LowCardinality(String),
    state                 LowCardinality(String),
    approval              LowCardinality(String),
    approver_id           String,
    requester_id          String,
    requested_for_id      String,
    requested_for_email   String,
    requested_entitlement String,
    justification         String,
    emergency             Bool,
    identity_verified     Nullable(Bool),
    review_due            Nullable(DateTime64(3, 'UTC')),
    access_expires        Nullable(DateTime64(3, 'UTC')),
    request_type          LowCardinality(String),
    approved_at           Nullable(DateTime64(3, 'UTC')),
    opened_at             DateTime64(3, 'UTC'),
    updated_at            DateTime64(3, 'UTC'),
    approval_event_id     String,
    event_ids             Array(String),
    version               UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/tickets_local', '{replica}', version)
ORDER BY ticket_id;

CREATE TABLE IF NOT EXISTS tickets ON CLUSTER '{cluster}' AS tickets_local
ENGINE = Distributed('{cluster}', currentDatabase(), tickets_local, cityHash64(ticket_id));

CREATE TABLE IF NOT EXISTS credentials_local ON CLUSTER '{cluster}'
(
    principal        String,
    credential_id    String,
    kind             LowCardinality(String),
    owner            String,
    created_at       Nullable(DateTime64(3, 'UTC')),
    rotated_at       Nullable(DateTime64(3, 'UTC')),
    deleted_at       Nullable(DateTime64(3, 'UTC')),
    expires_at       Nullable(DateTime64(3, 'UTC')),
    create_event_id  String,
    rotate_event_id  String,
    delete_event_id  String,
    version          UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/credentials_local', '{replica}', version)
ORDER BY (principal, credential_id);

CREATE TABLE IF NOT EXISTS credentials ON CLUSTER '{cluster}' AS credentials_local
ENGINE = Distributed('{cluster}', currentDatabase(), credentials_local, cityHash64(principal));

CREATE TABLE IF NOT EXISTS findings_local ON CLUSTER '{cluster}'
(
    finding_id  String,
    kind        LowCardinality(String),
    severity    LowCardinality(String),
    status      LowCardinality(String),
    principal   String,
    entitlement String,
    ticket_id   String,
    event_ids   Array(String),
    summary     String,
    controls    Array(LowCardinality(String)),
    detected_at DateTime64(3, 'UTC'),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    updated_at  DateTime64(3, 'UTC'),
    version     UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/findings_local', '{replica}', version)
ORDER BY (principal, finding_id);

CREATE TABLE IF NOT EXISTS findings ON CLUSTER '{cluster}' AS findings_local
ENGINE = Distributed('{cluster}', currentDatabase(), findings_local, cityHash64(principal));

CREATE VIEW IF NOT EXISTS open_findings ON CLUSTER '{cluster}' AS
SELECT finding_id, kind, severity, principal, entitlement, ticket_id, event_ids, summary, controls, detected_at
FROM findings FINAL
WHERE status = 'OPEN';

CREATE VIEW IF NOT EXISTS grants_review_overdue ON CLUSTER '{cluster}' AS
SELECT principal, entitlement_key, entitlement_name, entitlement_system, lane, granted_at, ticket_id, approver,
       review_due, last_reviewed_at, dateDiff('day', review_due, now64(3, 'UTC')) AS days_overdue
FROM grants FINAL
WHERE state = 'ACTIVE' AND review_due IS NOT NULL AND review_due < now64(3, 'UTC');

CREATE VIEW IF NOT EXISTS lane_volume ON CLUSTER '{cluster}' AS
SELECT lane, toStartOfHour(occurred_at) AS hour, uniqExact(event_id) AS events
FROM events
GROUP BY lane, hour;

CREATE VIEW IF NOT EXISTS help_desk_access_changes ON CLUSTER '{cluster}' AS
SELECT event_id, occurred_at, principal, actor_id, action, entitlement_name, entitlement_system, ticket_refs, lane, rule_id
FROM events FINAL
WHERE outcome = 'SUCCESS'
  AND action IN ('ACCESS_GRANT', 'POLICY_CHANGE')
  AND (lane = 'HELP_DESK' OR hasAny(ticket_refs, (SELECT groupArray(ticket_id) FROM tickets FINAL WHERE kind = 'INCIDENT')));

CREATE VIEW IF NOT EXISTS breakglass_timeline ON CLUSTER '{cluster}' AS
SELECT principal, entitlement_name, entitlement_system, granted_at, revoked_at, last_reviewed_at,
       dateDiff('minute', granted_at, ifNull(revoked_at, now64(3, 'UTC'))) AS minutes_active,
       last_reviewed_at IS NOT NULL AND last_reviewed_at >= granted_at AS reviewed,
       grant_event_id, revoke_event_id, review_event_id, ticket_id
FROM grants FINAL
WHERE lane = 'BREAK_GLASS';

CREATE VIEW IF NOT EXISTS nhi_secret_age ON CLUSTER '{cluster}' AS
SELECT principal, credential_id, kind, owner, created_at, rotated_at, expires_at,
       dateDiff('day', coalesce(rotated_at, created_at), now64(3, 'UTC')) AS age_days
FROM credentials FINAL
WHERE deleted_at IS NULL AND created_at IS NOT NULL;
