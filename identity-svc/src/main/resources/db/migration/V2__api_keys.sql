-- Developers' API keys. The secret itself is never stored: only its HMAC-SHA256 under the service's
-- pepper, so a copy of this table lets nobody call the API. The prefix (the secret's first characters)
-- lets a developer tell keys apart.
CREATE TABLE api_key (
    id            uuid         PRIMARY KEY,
    developer_id  uuid         NOT NULL REFERENCES developer (id),
    name          text         NOT NULL,
    prefix        text         NOT NULL,
    secret_hash   bytea        NOT NULL,
    -- Space-separated, as OAuth writes scopes.
    scopes        text         NOT NULL,
    created_at    timestamptz  NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE UNIQUE INDEX api_key_secret_hash_key ON api_key (secret_hash);
CREATE INDEX api_key_developer_idx ON api_key (developer_id, created_at);

-- Limits an administrator set for a developer; a developer without a row has the configured defaults.
CREATE TABLE developer_rate_limits (
    developer_id         uuid         PRIMARY KEY REFERENCES developer (id),
    requests_per_minute  integer      NOT NULL CHECK (requests_per_minute > 0),
    tokens_per_minute    bigint       NOT NULL CHECK (tokens_per_minute > 0),
    updated_at           timestamptz  NOT NULL
);
