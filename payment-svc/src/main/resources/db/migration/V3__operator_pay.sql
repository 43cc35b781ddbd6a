-- Operators' pay: earnings as billing announced them, where each operator is paid, the pools of the
-- operators serving one model, and each epoch's true-up, planned before any of it is sent.

CREATE TABLE operator_payee (
    operator_id text         PRIMARY KEY,
    address     text         NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
    updated_at  timestamptz  NOT NULL
);

-- One row per OperatorEarned; received_at (this service's clock) decides the epoch that settles it.
CREATE TABLE operator_earning (
    earning_id      uuid         PRIMARY KEY,
    operator_id     text         NOT NULL,
    model_id        text         NOT NULL,
    amount_nano_usd bigint       NOT NULL CHECK (amount_nano_usd > 0),
    occurred_at     timestamptz  NOT NULL,
    received_at     timestamptz  NOT NULL
);

CREATE INDEX operator_earning_model ON operator_earning (model_id, received_at);

-- The operators serving one model are paid from two GDA pools of the super token: the flow pool
-- streams their pay while they earn, the true-up pool tops each up to its ledger earnings at the end of
-- each epoch. Addresses are empty until the pool's creation is confirmed.
CREATE TABLE coalition (
    model_id      text   PRIMARY KEY,
    flow_pool     text   CHECK (flow_pool ~ '^0x[0-9a-f]{40}$'),
    true_up_pool  text   CHECK (true_up_pool ~ '^0x[0-9a-f]{40}$'),
    -- The flow distribution's rate once confirmed on chain, in super-token units (10^-18 USD) per
    -- second; and the update under way, if any: its tick (a multiple of the flow interval) and rate.
    flow_rate     numeric(40, 0)  NOT NULL DEFAULT 0,
    flow_tick     bigint          NOT NULL DEFAULT -1,
    pending_tick  bigint,
    pending_rate  numeric(40, 0),
    settled_epoch bigint          NOT NULL DEFAULT -1,
    CHECK ((pending_tick IS NULL) = (pending_rate IS NULL))
);

-- One epoch's settlement of one model, from the flow's stop to the last claim. The plan (each
-- operator's payout row) is written in the same commit that moves the epoch to DISTRIBUTING, so a
-- restart proposes exactly the same distribution again.
CREATE TABLE pay_epoch (
    model_id   text         NOT NULL REFERENCES coalition (model_id),
    epoch      bigint       NOT NULL,
    state      text         NOT NULL CHECK (state IN ('STOPPING', 'DISTRIBUTING', 'CLAIMING', 'SETTLED', 'FAILED')),
    ends_at    timestamptz  NOT NULL,
    updated_at timestamptz  NOT NULL,
    PRIMARY KEY (model_id, epoch)
);

CREATE TABLE operator_payout (
    model_id              text            NOT NULL,
    epoch                 bigint          NOT NULL,
    operator_id           text            NOT NULL,
    address               text            NOT NULL,
    -- Ledger earnings on this model received up to the epoch's end, all epochs together.
    earned_nano_usd       bigint          NOT NULL,
    -- What that is worth on chain: whole base units of the 6-decimal token, in super-token units.
    target_units          numeric(40, 0)  NOT NULL,
    -- The nano-USD below one base unit, carried to the next epoch.
    carried_nano_usd      bigint          NOT NULL CHECK (carried_nano_usd >= 0 AND carried_nano_usd < 1000),
    received_before_units numeric(40, 0)  NOT NULL,
    true_up_units         numeric(40, 0)  NOT NULL CHECK (true_up_units >= 0),
    PRIMARY KEY (model_id, epoch, operator_id),
    FOREIGN KEY (model_id, epoch) REFERENCES pay_epoch (model_id, epoch)
);
