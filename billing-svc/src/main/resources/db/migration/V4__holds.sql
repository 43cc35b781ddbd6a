-- Subsidised credit limited to some meters ("inference.tokens", ...): a wallet without rows here pays for any meter.
CREATE TABLE spendable_meter (
    account_id  uuid  NOT NULL REFERENCES account (id),
    meter       text  NOT NULL,
    PRIMARY KEY (account_id, meter)
);

-- Funds set aside for a request before it runs: the request's maximum cost at the price quoted then. A hold counts
-- against what the developer can spend while it is PLACED and unexpired; it ends SETTLED (charged), RELEASED (never
-- ran) or EXPIRED (nobody settled it in time). Not part of the ledger: no money moves until the charge.
CREATE TABLE hold (
    id                                     uuid         PRIMARY KEY,
    request_id                             text         NOT NULL UNIQUE,
    -- The developer's paid wallet identifies the developer.
    paid_account_id                        uuid         NOT NULL REFERENCES account (id),
    meter                                  text         NOT NULL,
    model_id                               text         NOT NULL,
    prompt_nano_usd_per_million_tokens     bigint       NOT NULL,
    completion_nano_usd_per_million_tokens bigint       NOT NULL,
    amount_nano_usd                        bigint       NOT NULL CHECK (amount_nano_usd >= 0),
    state                                  text         NOT NULL CHECK (state IN ('PLACED', 'SETTLED', 'RELEASED', 'EXPIRED')),
    placed_at                              timestamptz  NOT NULL,
    expires_at                             timestamptz  NOT NULL,
    ended_at                               timestamptz,
    charged_nano_usd                       bigint,
    CONSTRAINT hold_ended CHECK ((state = 'PLACED') = (ended_at IS NULL))
);
CREATE INDEX hold_placed_idx ON hold (paid_account_id, expires_at) WHERE state = 'PLACED';
CREATE INDEX hold_expiring_idx ON hold (expires_at) WHERE state = 'PLACED';
