-- Every transaction the platform sends is a chain action: recorded before anything is signed, with
-- the signed transaction recorded before it is broadcast, so that a crash or a lost connection at
-- any step can be resumed without losing or repeating the effect.

-- The next nonce of each sending key, as the platform assigns them. Signing locks the row, so
-- replicas never assign one nonce twice.
CREATE TABLE chain_sender (
    address    text    PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
    next_nonce bigint  NOT NULL CHECK (next_nonce >= 0)
);

CREATE TABLE chain_action (
    id              uuid         PRIMARY KEY,
    idempotency_key text         NOT NULL UNIQUE,
    kind            text         NOT NULL,
    sender          text         NOT NULL CHECK (sender ~ '^0x[0-9a-f]{40}$'),
    -- The contract called and the ABI-encoded call: what the action does, fixed when proposed.
    contract        text         NOT NULL CHECK (contract ~ '^0x[0-9a-f]{40}$'),
    call_data       text         NOT NULL CHECK (call_data ~ '^0x([0-9a-f]{2})*$'),
    state           text         NOT NULL CHECK (state IN ('PROPOSED', 'SUBMITTED', 'CONFIRMED', 'FAILED')),
    -- Transactions signed for this action so far; a retry after a revert signs another.
    attempts        int          NOT NULL DEFAULT 0,
    -- The current attempt's transaction, set in the same commit that makes the action SUBMITTED.
    nonce           bigint,
    tx_hash         text         UNIQUE,
    raw_tx          text,
    block_number    bigint,
    failure         text,
    proposed_at     timestamptz  NOT NULL,
    submitted_at    timestamptz,
    broadcast_at    timestamptz,
    settled_at      timestamptz,
    CHECK (state <> 'SUBMITTED' OR (nonce IS NOT NULL AND tx_hash IS NOT NULL AND raw_tx IS NOT NULL)),
    CHECK (state <> 'CONFIRMED' OR (tx_hash IS NOT NULL AND block_number IS NOT NULL))
);

-- One transaction per nonce of a sender: two actions can never both be mined at one nonce.
CREATE UNIQUE INDEX chain_action_sender_nonce ON chain_action (sender, nonce) WHERE nonce IS NOT NULL;
CREATE INDEX chain_action_open ON chain_action (proposed_at) WHERE state IN ('PROPOSED', 'SUBMITTED');

-- Every transaction signed for an action, including attempts that reverted or were displaced, so the
-- reconciler can check that no action has more than one successful transaction.
CREATE TABLE chain_transaction (
    tx_hash      text         PRIMARY KEY,
    action_id    uuid         NOT NULL REFERENCES chain_action (id),
    attempt      int          NOT NULL,
    nonce        bigint       NOT NULL,
    outcome      text         CHECK (outcome IN ('SUCCEEDED', 'REVERTED', 'DISPLACED')),
    signed_at    timestamptz  NOT NULL,
    UNIQUE (action_id, attempt)
);

-- Discrepancies already announced, so each is published once.
CREATE TABLE chain_discrepancy (
    subject     text         NOT NULL,
    kind        text         NOT NULL,
    detected_at timestamptz  NOT NULL,
    PRIMARY KEY (subject, kind)
);
