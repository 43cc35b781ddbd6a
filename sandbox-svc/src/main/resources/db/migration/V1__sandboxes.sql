CREATE TABLE sandbox (
    id              uuid         PRIMARY KEY,
    owner_id        text         NOT NULL,
    runtime         text         NOT NULL,
    cpu_millis      integer      NOT NULL CHECK (cpu_millis BETWEEN 100 AND 8000),
    memory_mb       integer      NOT NULL CHECK (memory_mb BETWEEN 64 AND 32768),
    timeout_seconds integer      NOT NULL CHECK (timeout_seconds BETWEEN 1 AND 86400),
    state           text         NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'STOPPED', 'FAILED')),
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL
);

CREATE INDEX sandbox_owner_idx ON sandbox (owner_id, created_at);
