-- tollgate schema v6, cluster form: identity resolution (see the single-node form), sharded
-- by alias.

CREATE TABLE IF NOT EXISTS identity_aliases_local ON CLUSTER '{cluster}'
(
    alias      String,
    identity   String,
    source     LowCardinality(String),
    reason     String,
    first_seen DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    version    UInt64,
    deleted    Bool DEFAULT false
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/identity_aliases_local', '{replica}', version)
ORDER BY (alias, source);

CREATE TABLE IF NOT EXISTS identity_aliases ON CLUSTER '{cluster}' AS identity_aliases_local
ENGINE = Distributed('{cluster}', currentDatabase(), identity_aliases_local, cityHash64(alias));

CREATE VIEW IF NOT EXISTS principals ON CLUSTER '{cluster}' AS
SELECT identity, groupArray(alias) AS aliases, groupArray(source) AS sources, groupArray(reason) AS reasons, max(updated_at) AS updated_at
FROM
(
    SELECT alias, argMin(identity, rank) AS identity, argMin(source, rank) AS source, argMin(reason, rank) AS reason, max(updated_at) AS updated_at
    FROM
    (
        SELECT alias, identity, source, reason, updated_at,
               indexOf(['manual', 'config', 'snapshot', 'event', 'rule'], source) AS rank
        FROM identity_aliases FINAL
        WHERE NOT deleted
    )
    GROUP BY alias
)
GROUP BY identity;

-- ledger_facts.nhi_sign_in: an interactive sign-in by a non-human identity (see single/).
ALTER TABLE ledger_facts_local ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS nhi_sign_in Bool DEFAULT false COMMENT 'an interactive sign-in by a non-human identity';

ALTER TABLE ledger_facts ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS nhi_sign_in Bool DEFAULT false;
