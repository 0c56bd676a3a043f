-- tollgate schema v2, cluster form: one event_id, one row.
--
-- v1 keyed events by (principal, occurred_at, event_id). A ReplacingMergeTree collapses only
-- rows whose whole sorting key (and partition) agree, so two deliveries of one event_id that
-- differ anywhere else (the receive-time occurred_at of an event with no vendor timestamp,
-- a principal that a later normalizer derives differently) stayed two rows in events FINAL
-- and in every view. v2 sorts by event_id alone and has no partition key, so every copy of
-- an event_id collapses, whatever else differs. Of the copies, FINAL keeps the first one
-- delivered (the greatest dedupe_version, which falls as ingested_at rises): its
-- occurred_at is the closest to when the event happened. Reads by principal use the
-- ix_principal skip index instead of the primary key.
--
-- The table is built here as events_by_event_id; the "tollgate:swap" directive below then
-- copies the v1 rows into it and exchanges the two tables, so the name events stays and
-- no row is lost (see swapTable in auditor/migrate.go: it can run again after a crash at
-- any step).

-- In the cluster form the Distributed events table is also re-created to shard by
-- cityHash64(event_id), so every copy of an event_id lands on one shard and FINAL through it
-- collapses them; rows written before v2 stay on the shard their principal chose.

CREATE TABLE IF NOT EXISTS events_by_event_id_local ON CLUSTER '{cluster}'
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
    dedupe_version               UInt64 MATERIALIZED toUInt64(9223372036854775807 - toUnixTimestamp64Milli(ingested_at)) COMMENT 'greatest for the first delivery of an event_id, which FINAL keeps',
    INDEX ix_principal principal TYPE bloom_filter GRANULARITY 1,
    INDEX ix_ticket_id ticket_id TYPE bloom_filter GRANULARITY 4,
    INDEX ix_ticket_refs ticket_refs TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/events_by_event_id_local', '{replica}', dedupe_version)
ORDER BY event_id;

-- Copies go through Distributed tables, so the v1 rows are re-sharded by event_id on the way.
CREATE TABLE IF NOT EXISTS events_by_event_id ON CLUSTER '{cluster}' AS events_by_event_id_local
ENGINE = Distributed('{cluster}', currentDatabase(), events_by_event_id_local, cityHash64(event_id));

-- tollgate:swap events_local events_by_event_id_local event_id copy events events_by_event_id

DROP TABLE IF EXISTS events_by_event_id ON CLUSTER '{cluster}' SYNC;

CREATE OR REPLACE TABLE events ON CLUSTER '{cluster}' AS events_local
ENGINE = Distributed('{cluster}', currentDatabase(), events_local, cityHash64(event_id));

-- lane_volume counted distinct event_ids per hour of occurred_at without FINAL, so copies
-- with differing occurred_at counted once in each hour they fell in.
CREATE OR REPLACE VIEW lane_volume ON CLUSTER '{cluster}' AS
SELECT lane, toStartOfHour(occurred_at) AS hour, uniqExact(event_id) AS events
FROM events FINAL
GROUP BY lane, hour;
