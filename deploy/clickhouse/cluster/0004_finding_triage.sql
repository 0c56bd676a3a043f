-- tollgate schema v4, cluster form: the analysts' decisions on findings (see the single-node
-- form), sharded by finding_id.

CREATE TABLE IF NOT EXISTS finding_triage_local ON CLUSTER '{cluster}'
(
    finding_id String,
    at         DateTime64(3, 'UTC') COMMENT 'when the decision was recorded',
    seq        UInt64 COMMENT 'orders decisions of one millisecond: the recorder''s clock in microseconds',
    action     LowCardinality(String) COMMENT 'ACKNOWLEDGE, ASSIGN, FALSE_POSITIVE, ACCEPT_RISK or REOPEN',
    actor      String COMMENT 'who decided',
    assignee   String COMMENT 'ASSIGN: to whom',
    owner      String COMMENT 'ACCEPT_RISK: who owns the accepted risk',
    reason     String,
    until      Nullable(DateTime64(3, 'UTC')) COMMENT 'ACCEPT_RISK: when the acceptance expires and the finding comes back'
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/finding_triage_local', '{replica}')
ORDER BY (finding_id, at, seq);

CREATE TABLE IF NOT EXISTS finding_triage ON CLUSTER '{cluster}' AS finding_triage_local
ENGINE = Distributed('{cluster}', currentDatabase(), finding_triage_local, cityHash64(finding_id));
