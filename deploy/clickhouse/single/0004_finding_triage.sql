-- tollgate schema v4: the analysts' decisions on findings.
--
-- OPEN and RESOLVED stay the engine's; beside them people acknowledge a finding, assign it,
-- mark it a false positive (with a reason) or accept its risk (owner, reason, expiry), and
-- reopen it. Every decision is a row of its own, never updated or merged away (a plain
-- MergeTree), so an auditor can read who decided what and when; the current triage state of
-- a finding is its latest decision (see auditor/triage.go). A finding raised again keeps
-- its decisions: they are keyed by finding_id, which the same facts always give.

CREATE TABLE IF NOT EXISTS finding_triage
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
ENGINE = MergeTree
ORDER BY (finding_id, at, seq);
