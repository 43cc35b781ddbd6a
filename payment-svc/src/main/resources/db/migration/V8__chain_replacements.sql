-- A transaction not mined in time is replaced at the same nonce with higher fees, and past the fee cap the
-- nonce is freed by a cancel (a transfer of nothing to the sender itself): an attempt is now every transaction
-- signed at its nonce, any one of which may be the one mined.
ALTER TABLE chain_transaction DROP CONSTRAINT chain_transaction_action_id_attempt_key;
ALTER TABLE chain_transaction DROP CONSTRAINT chain_transaction_outcome_check;
ALTER TABLE chain_transaction
    ADD COLUMN replacement              int     NOT NULL DEFAULT 0 CHECK (replacement >= 0),
    ADD COLUMN purpose                  text    NOT NULL DEFAULT 'CALL' CHECK (purpose IN ('CALL', 'CANCEL')),
    ADD COLUMN max_fee_per_gas          bigint,
    ADD COLUMN max_priority_fee_per_gas bigint,
    -- What the node answered when it refused this transaction, and when.
    ADD COLUMN refusal                  text,
    ADD COLUMN refused_at               timestamptz,
    ADD CONSTRAINT chain_transaction_outcome_check
        CHECK (outcome IN ('SUCCEEDED', 'REVERTED', 'DISPLACED', 'REPLACED', 'CANCELLED')),
    ADD UNIQUE (action_id, attempt, replacement);

ALTER TABLE chain_action
    -- The current transaction: when it was signed, its fees and gas, and whether it is the attempt's cancel.
    ADD COLUMN signed_at                timestamptz,
    ADD COLUMN replacements             int     NOT NULL DEFAULT 0,
    ADD COLUMN max_fee_per_gas          bigint,
    ADD COLUMN max_priority_fee_per_gas bigint,
    ADD COLUMN gas_limit                bigint,
    ADD COLUMN cancelling               boolean NOT NULL DEFAULT false,
    -- The chain's head when the attempt's nonce was first signed: where a search for what used the nonce starts.
    ADD COLUMN signed_block             bigint,
    -- The node's refusal of the current transaction, if it refused it; 'UNDERPRICED' is replaced at once.
    ADD COLUMN refusal_kind             text    CHECK (refusal_kind IN ('UNDERPRICED', 'REFUSED')),
    ADD COLUMN refused_at               timestamptz,
    -- Another transaction seen mined at this attempt's nonce: which, in what block, on how many reads in a row.
    ADD COLUMN displaced_by             text,
    ADD COLUMN displaced_block          bigint,
    ADD COLUMN displacement_reads       int     NOT NULL DEFAULT 0;
