-- Spot bids, resales of reserved hours, and reservations that end early (given up by their buyer, or preempted).

-- A spot bid: immediate-or-cancel, paid at the clearing price, preempted by higher bids.
ALTER TABLE market_order ADD COLUMN spot boolean NOT NULL DEFAULT false;
-- A sell reselling hours of this filled buy (its node_id is the node the buy's GPUs are on).
ALTER TABLE market_order ADD COLUMN resale_of uuid REFERENCES market_order (id);
ALTER TABLE market_order ADD CHECK (resale_of IS NULL OR side = 'SELL');
ALTER TABLE market_order ADD CHECK (NOT spot OR (side = 'BUY' AND immediate_or_cancel));

-- Who is paid for a fill: the node's operator, or the buyer reselling hours it holds.
ALTER TABLE order_fill ADD COLUMN seller_id text;
UPDATE order_fill f SET seller_id = o.owner_id FROM market_order o WHERE o.id = f.sell_order_id;
ALTER TABLE order_fill ALTER COLUMN seller_id SET NOT NULL;

ALTER TABLE reservation ADD COLUMN spot boolean NOT NULL DEFAULT false;
-- The hour it stops holding its GPUs: end_hour, or earlier once given up or preempted.
ALTER TABLE reservation ADD COLUMN held_until_hour bigint;
UPDATE reservation SET held_until_hour = end_hour;
ALTER TABLE reservation ALTER COLUMN held_until_hour SET NOT NULL;
-- Why it ended before end_hour, and what of its cost is not due.
ALTER TABLE reservation ADD COLUMN ended_early text CHECK (ended_early IN ('CANCELLED', 'PREEMPTED'));
ALTER TABLE reservation ADD COLUMN refund_nano_usd bigint NOT NULL DEFAULT 0 CHECK (refund_nano_usd >= 0);
-- The point in the book's log at which its buyer gave it up, replayed there.
ALTER TABLE reservation ADD COLUMN cancelled_sequence bigint UNIQUE;
ALTER TABLE reservation ADD COLUMN cancelled_hour bigint;
-- Whether ReservationStarted and ReservationEnded have been published.
ALTER TABLE reservation ADD COLUMN start_announced boolean NOT NULL DEFAULT false;
ALTER TABLE reservation ADD COLUMN end_announced boolean NOT NULL DEFAULT false;

CREATE INDEX reservation_start_pending_idx ON reservation (start_hour) WHERE NOT start_announced;
CREATE INDEX reservation_end_pending_idx ON reservation (held_until_hour) WHERE NOT end_announced;
