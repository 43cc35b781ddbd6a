-- signing_secret is the HMAC key itself: signing needs it in clear, so it is stored as issued
-- and never returned after the registration answer.
CREATE TABLE webhook (
    id             uuid         PRIMARY KEY,
    owner_id       text         NOT NULL,
    url            text         NOT NULL,
    signing_secret text         NOT NULL,
    created_at     timestamptz  NOT NULL
);

CREATE INDEX webhook_owner_idx ON webhook (owner_id, created_at);

CREATE TABLE webhook_event (
    webhook_id uuid  NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    event      text  NOT NULL CHECK (event IN ('payout.settled', 'payout.failed', 'payment.received')),
    PRIMARY KEY (webhook_id, event)
);
