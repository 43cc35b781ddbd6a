-- What each charge was for, beside its ledger transaction: the meter, model and quantities that invoices, usage
-- reports and operators' statements group by. Written in the charge's own transaction.
CREATE TABLE charge (
    transaction_id     uuid         PRIMARY KEY REFERENCES ledger_transaction (id),
    developer_id       uuid         NOT NULL,
    meter              text         NOT NULL,
    model_id           text         NOT NULL,
    request_id         text         NOT NULL,
    prompt_tokens      bigint       NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens  bigint       NOT NULL CHECK (completion_tokens >= 0),
    -- What the usage cost, and what was collected (less only when the wallets could not cover it).
    cost_nano_usd      bigint       NOT NULL CHECK (cost_nano_usd >= 0),
    amount_nano_usd    bigint       NOT NULL CHECK (amount_nano_usd >= 0 AND amount_nano_usd <= cost_nano_usd),
    occurred_at        timestamptz  NOT NULL
);
CREATE INDEX charge_developer_time_idx ON charge (developer_id, occurred_at);
CREATE INDEX charge_time_idx ON charge (occurred_at);
CREATE TRIGGER charge_append_only BEFORE UPDATE OR DELETE ON charge
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
