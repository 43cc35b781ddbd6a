-- Each event due to each subscribed endpoint, enqueued in the commit that produces the event and
-- delivered until the endpoint answers 2xx or the attempts run out.
CREATE TABLE webhook_delivery (
    id              uuid         PRIMARY KEY,
    webhook_id      uuid         NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    event_id        text         NOT NULL,
    event_type      text         NOT NULL,
    payload         text         NOT NULL,
    attempts        int          NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL,
    last_status     int,
    last_error      text,
    delivered_at    timestamptz,
    abandoned_at    timestamptz,
    created_at      timestamptz  NOT NULL,
    UNIQUE (webhook_id, event_id)
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
