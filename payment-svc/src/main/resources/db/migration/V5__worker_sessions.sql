-- Each shard worker's serving session, as the workers topic tells it (this service's clock): from its
-- announcement until it withdraws, or until it is found silent. Silent while serving (its last heartbeat
-- had sessions in flight) is LOST, which slashes its operator; silent while idle is only SILENT.
CREATE TABLE worker_session (
    worker_id       text         PRIMARY KEY,
    operator_id     text         NOT NULL,
    model_id        text         NOT NULL,
    started_at      timestamptz  NOT NULL,
    last_heard_at   timestamptz  NOT NULL,
    active_sessions integer      NOT NULL DEFAULT 0 CHECK (active_sessions >= 0),
    ended_at        timestamptz,
    end_reason      text         CHECK (end_reason IN ('WITHDRAWN', 'SILENT', 'LOST')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

CREATE INDEX worker_session_open ON worker_session (last_heard_at) WHERE ended_at IS NULL;

-- An operator slashed for a worker lost mid-session: its earnings on the model that occurred during the
-- session are forfeited, those recorded then and those arriving later alike.
CREATE TABLE operator_slash (
    slash_id           uuid         PRIMARY KEY,
    worker_id          text         NOT NULL,
    operator_id        text         NOT NULL,
    model_id           text         NOT NULL,
    session_started_at timestamptz  NOT NULL,
    lost_at            timestamptz  NOT NULL
);

CREATE INDEX operator_slash_operator_model ON operator_slash (operator_id, model_id);

ALTER TABLE operator_earning ADD COLUMN forfeited_by uuid REFERENCES operator_slash (slash_id);
