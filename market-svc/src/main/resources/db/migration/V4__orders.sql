-- The order book's log: every order placed and every cancellation, with the sequence the book took it in
-- and the book's hour then. The matching engine is deterministic, so replaying the log in sequence order
-- rebuilds the book exactly (what is sold, what rests) after a restart.
CREATE TABLE market_order (
    id                  uuid         PRIMARY KEY,
    sequence            bigint       NOT NULL UNIQUE,
    side                text         NOT NULL CHECK (side IN ('SELL', 'BUY')),
    -- The operator selling or the developer buying: the token's subject.
    owner_id            text         NOT NULL,
    idempotency_key     text         NOT NULL,
    -- SHA-256 of the request as normalised: the same key with another request is refused.
    request_hash        text         NOT NULL,
    gpu_model           text         NOT NULL,
    gpu_count           integer      NOT NULL CHECK (gpu_count > 0),
    start_hour          bigint       NOT NULL,
    end_hour            bigint       NOT NULL CHECK (end_hour > start_hour),
    -- A sell's minimum or a buy's limit.
    price_nano_usd      bigint       NOT NULL CHECK (price_nano_usd > 0),
    node_id             uuid         REFERENCES node (id),
    latency_sensitive   boolean      NOT NULL DEFAULT false,
    -- Null for immediate-or-cancel buys and for sells.
    expires_at_hour     bigint,
    immediate_or_cancel boolean      NOT NULL DEFAULT false,
    placed_hour         bigint       NOT NULL,
    placed_at           timestamptz  NOT NULL,
    -- SELL: OPEN or CANCELLED; BUY: RESTING, FILLED, CANCELLED (by its owner, or an immediate-or-cancel
    -- buy that could not fill) or EXPIRED.
    state               text         NOT NULL CHECK (state IN ('OPEN', 'RESTING', 'FILLED', 'CANCELLED', 'EXPIRED')),
    -- The sequence and hour at which its owner cancelled it, replayed at that point.
    cancelled_sequence  bigint       UNIQUE,
    cancelled_hour      bigint,
    CONSTRAINT market_order_idempotency UNIQUE (owner_id, idempotency_key),
    CHECK ((side = 'SELL') = (node_id IS NOT NULL))
);

-- GPUs of one sell given to one filled buy for the buy's whole span, at the sell's price.
CREATE TABLE order_fill (
    buy_order_id   uuid     NOT NULL REFERENCES market_order (id),
    sell_order_id  uuid     NOT NULL REFERENCES market_order (id),
    node_id        uuid     NOT NULL REFERENCES node (id),
    gpu_count      integer  NOT NULL CHECK (gpu_count > 0),
    start_hour     bigint   NOT NULL,
    end_hour       bigint   NOT NULL CHECK (end_hour > start_hour),
    price_nano_usd bigint   NOT NULL CHECK (price_nano_usd > 0),
    cost_nano_usd  bigint   NOT NULL CHECK (cost_nano_usd > 0),
    PRIMARY KEY (buy_order_id, sell_order_id)
);

CREATE INDEX order_fill_node_idx ON order_fill (node_id, start_hour);

-- What a filled buy holds: its GPUs for its hours, on the nodes of its fills.
CREATE TABLE reservation (
    id            uuid         PRIMARY KEY,
    buy_order_id  uuid         NOT NULL UNIQUE REFERENCES market_order (id),
    buyer_id      text         NOT NULL,
    gpu_model     text         NOT NULL,
    gpu_count     integer      NOT NULL CHECK (gpu_count > 0),
    start_hour    bigint       NOT NULL,
    end_hour      bigint       NOT NULL CHECK (end_hour > start_hour),
    cost_nano_usd bigint       NOT NULL CHECK (cost_nano_usd > 0),
    created_at    timestamptz  NOT NULL
);

CREATE INDEX reservation_buyer_idx ON reservation (buyer_id, start_hour);
