-- The registry of shard workers, built from the workers topic: one row per worker id, holding its latest
-- announcement, its latest heartbeat and whether it withdrew or was refused.
CREATE TABLE shard_worker (
    worker_id         text         PRIMARY KEY,
    model_id          text         NOT NULL,
    layer_start       integer      NOT NULL,
    layer_end         integer      NOT NULL,
    total_layers      integer      NOT NULL,
    address           text         NOT NULL,
    max_sessions      integer      NOT NULL CHECK (max_sessions > 0),
    max_tokens        integer      NOT NULL CHECK (max_tokens >= 0),
    operator_id       text         NOT NULL,
    node_id           text         NOT NULL,
    payout_address    text         NOT NULL,
    -- The worker's clock: orders a worker's own announcements, heartbeats and withdrawal.
    announced_at      timestamptz  NOT NULL,
    heartbeat_sent_at timestamptz,
    withdrawn_at      timestamptz,
    -- The registry's clock: when it last heard from the worker, which decides its health.
    last_heard_at     timestamptz  NOT NULL,
    last_heartbeat_at timestamptz,
    active_sessions   integer,
    tokens_in_flight  integer,
    withdrawn_reason  text,
    refused_reason    text,
    CHECK (0 <= layer_start AND layer_start < layer_end AND layer_end <= total_layers)
);

CREATE INDEX shard_worker_model_idx ON shard_worker (model_id, layer_start);
