-- The accounts of the ledger. A developer has a paid and a subsidised wallet, opened when
-- identity-svc announces the developer.
CREATE TABLE account (
    id            uuid         PRIMARY KEY,
    kind          text         NOT NULL,
    developer_id  uuid,
    subject       text,
    opened_at     timestamptz  NOT NULL,
    CONSTRAINT account_developer_kind_key UNIQUE (developer_id, kind)
);
CREATE INDEX account_subject_idx ON account (subject);

-- Prices per model, versioned by the instant they take effect; a charge uses the version valid
-- at the usage's time.
CREATE TABLE model_price (
    model_id                              text         NOT NULL,
    valid_from                            timestamptz  NOT NULL,
    prompt_nano_usd_per_million_tokens    bigint       NOT NULL CHECK (prompt_nano_usd_per_million_tokens >= 0),
    completion_nano_usd_per_million_tokens bigint      NOT NULL CHECK (completion_nano_usd_per_million_tokens >= 0),
    created_at                            timestamptz  NOT NULL,
    PRIMARY KEY (model_id, valid_from)
);
