-- Operators' earnings and the platform's revenue are accounts too.
ALTER TABLE account ADD COLUMN operator_id text;
CREATE UNIQUE INDEX account_operator_kind_key ON account (operator_id, kind) WHERE operator_id IS NOT NULL;
-- The one platform revenue account.
INSERT INTO account (id, kind, opened_at) VALUES ('00000000-0000-0000-0000-00000000f001', 'PLATFORM_REVENUE', now());

-- The double-entry ledger: a transaction is a set of postings summing to zero, written at once and never changed.
CREATE TABLE ledger_transaction (
    id           uuid         PRIMARY KEY,
    kind         text         NOT NULL,
    -- What caused it (a request id, a top-up id); with kind, unique, so a cause is booked once.
    reference    text         NOT NULL,
    occurred_at  timestamptz  NOT NULL,
    recorded_at  timestamptz  NOT NULL,
    CONSTRAINT ledger_transaction_kind_reference_key UNIQUE (kind, reference)
);

CREATE TABLE posting (
    transaction_id  uuid    NOT NULL REFERENCES ledger_transaction (id),
    account_id      uuid    NOT NULL REFERENCES account (id),
    amount_nano_usd bigint  NOT NULL CHECK (amount_nano_usd <> 0),
    PRIMARY KEY (transaction_id, account_id)
);
CREATE INDEX posting_account_idx ON posting (account_id);

-- Balanced, checked by the database itself when the writing transaction commits.
CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced numeric;
BEGIN
    SELECT coalesce(sum(amount_nano_usd), 0) INTO unbalanced FROM posting WHERE transaction_id = NEW.transaction_id;
    IF unbalanced <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its postings sum to %', NEW.transaction_id, unbalanced;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();

-- Append-only: corrections are new transactions.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER posting_append_only BEFORE UPDATE OR DELETE ON posting
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- The platform's share of every charge, versioned like prices; 10 % from the start.
CREATE TABLE platform_fee (
    valid_from    timestamptz  PRIMARY KEY,
    basis_points  integer      NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    created_at    timestamptz  NOT NULL
);
INSERT INTO platform_fee (valid_from, basis_points, created_at) VALUES ('1970-01-01T00:00:00Z', 1000, now());

-- Compute prices per GPU-second, by GPU type and tier (on-demand or spot), versioned like model prices.
CREATE TABLE gpu_price (
    gpu_type                 text         NOT NULL,
    tier                     text         NOT NULL CHECK (tier IN ('ON_DEMAND', 'SPOT')),
    valid_from               timestamptz  NOT NULL,
    nano_usd_per_gpu_second  bigint       NOT NULL CHECK (nano_usd_per_gpu_second >= 0),
    created_at               timestamptz  NOT NULL,
    PRIMARY KEY (gpu_type, tier, valid_from)
);
