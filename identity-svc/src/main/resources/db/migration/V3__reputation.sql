-- Nonces of Sign-In with Ethereum messages the platform composed: each for one developer and one address,
-- good once, until it expires.
CREATE TABLE siwe_nonce (
    nonce         text         PRIMARY KEY,
    developer_id  uuid         NOT NULL REFERENCES developer (id),
    -- lowercase 0x-hex
    address       text         NOT NULL,
    issued_at     timestamptz  NOT NULL,
    expires_at    timestamptz  NOT NULL,
    used_at       timestamptz,
    CHECK (expires_at > issued_at)
);

-- The Ethereum address a developer proved with a signed message, and the Passport score it has. While linked, a
-- developer has one address and an address one developer (the anti-sybil rule); an unlinked row stays as history.
CREATE TABLE passport_link (
    id            uuid         PRIMARY KEY,
    developer_id  uuid         NOT NULL REFERENCES developer (id),
    address       text         NOT NULL,
    -- The proof: the message as signed, and the signature.
    message       text         NOT NULL,
    signature     text         NOT NULL,
    linked_at     timestamptz  NOT NULL,
    unlinked_at   timestamptz,
    score         numeric      NOT NULL CHECK (score >= 0),
    scored_at     timestamptz  NOT NULL
);

CREATE UNIQUE INDEX passport_link_developer_key ON passport_link (developer_id) WHERE unlinked_at IS NULL;
CREATE UNIQUE INDEX passport_link_address_key ON passport_link (address) WHERE unlinked_at IS NULL;

-- Every score computed for a developer: its total and each signal's part (a JSON array), as shown to the developer.
CREATE TABLE reputation_score (
    id                bigserial    PRIMARY KEY,
    developer_id      uuid         NOT NULL REFERENCES developer (id),
    computed_at       timestamptz  NOT NULL,
    cause             text         NOT NULL CHECK (cause IN ('PASSPORT_LINKED', 'PASSPORT_UNLINKED', 'GITHUB_READ',
                                                             'SCHEDULED')),
    total_hundredths  integer      NOT NULL CHECK (total_hundredths BETWEEN 0 AND 10000),
    parts             text         NOT NULL
);

CREATE INDEX reputation_score_developer_idx ON reputation_score (developer_id, computed_at, id);
