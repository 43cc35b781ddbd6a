CREATE TABLE node (
    id                 uuid         PRIMARY KEY,
    operator_id        text         NOT NULL,
    name               text         NOT NULL,
    zone               text         NOT NULL,
    interconnect       text         NOT NULL CHECK (interconnect IN ('federated', 'cluster')),
    power_budget_watts integer      NOT NULL CHECK (power_budget_watts > 0),
    registered_at      timestamptz  NOT NULL
);

CREATE INDEX node_operator_idx ON node (operator_id, registered_at);

-- One row per group of identical cards; position keeps the order the operator listed them in.
CREATE TABLE node_gpu (
    node_id           uuid     NOT NULL REFERENCES node (id) ON DELETE CASCADE,
    position          integer  NOT NULL,
    model             text     NOT NULL,
    memory_gib        integer  NOT NULL CHECK (memory_gib > 0),
    gpu_count         integer  NOT NULL CHECK (gpu_count > 0),
    power_limit_watts integer  NOT NULL CHECK (power_limit_watts > 0),
    PRIMARY KEY (node_id, position)
);
