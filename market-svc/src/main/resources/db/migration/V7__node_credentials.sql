-- The credentials a node's workers present to market-svc: shown once, kept only as a SHA-256 of the secret. A node
-- may hold several while its operator rotates them; a revoked one stays listed with the time it was revoked.
CREATE TABLE node_credential (
    id          uuid PRIMARY KEY,
    node_id     uuid NOT NULL REFERENCES node (id),
    prefix      text NOT NULL,
    secret_hash bytea NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE INDEX node_credential_node ON node_credential (node_id);
