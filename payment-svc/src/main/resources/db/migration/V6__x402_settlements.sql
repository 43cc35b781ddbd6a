-- What each x402 settlement was asked to pay for. A voucher is settled under one set of requirements
-- only: a second settlement of it under others (another resource, amount or payee) is refused, so a
-- resource server cannot present one payment as the payment for something else.
CREATE TABLE x402_settlement (
    -- The settlement's chain action: x402:<payer>:<nonce>.
    action_key   text        PRIMARY KEY,
    requirements text        NOT NULL CHECK (requirements ~ '^[0-9a-f]{64}$'),
    resource     text,
    bound_at     timestamptz NOT NULL
);
