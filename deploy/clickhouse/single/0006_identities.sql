-- tollgate schema v6: identity resolution. One person is several accounts (an Okta user, an
-- Entra object, an AWS IAM user, a Google user, an ITSM user id); identity_aliases maps each
-- account to the identity it belongs to (usually the person's email), with where the
-- mapping comes from and why:
--   manual   `tollgate identities map|unmap` (an analyst's correction; beats every other)
--   config   auditor.detections.identities.aliases
--   snapshot an inventory listing that names both (a user's id and email)
--   event    a vendor event that names both (an Okta or Entra user's id and login)
--   rule     auditor.detections.identities.rules ("IAM user name = email local part")
-- A row is never updated in place: a newer version of (alias, source) replaces it, and
-- deleted withdraws it (a mapping taken out of the configuration).

CREATE TABLE IF NOT EXISTS identity_aliases
(
    alias      String COMMENT 'an account id as the events name it (okta:00u…, arn:aws:iam::…:user/alice, alice@corp.example)',
    identity   String COMMENT 'the identity it belongs to; an account mapped to itself stands alone',
    source     LowCardinality(String) COMMENT 'manual, config, snapshot, event or rule',
    reason     String COMMENT 'why: the rule, the event or the analyst''s reason',
    first_seen DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    version    UInt64,
    deleted    Bool DEFAULT false
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (alias, source);

-- principals: every identity with its accounts. An account's mapping is the one of the
-- strongest source (manual, config, snapshot, event, rule), so a correction moves it.
CREATE VIEW IF NOT EXISTS principals AS
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

-- ledger_facts.nhi_sign_in marks an interactive sign-in (an AWS console login, an Okta
-- session, an Entra interactive user sign-in, a Google Workspace login) by a non-human
-- identity: a person using a service account (NHI_INTERACTIVE_SIGN_IN).
ALTER TABLE ledger_facts
    ADD COLUMN IF NOT EXISTS nhi_sign_in Bool DEFAULT false COMMENT 'an interactive sign-in by a non-human identity';
