-- Funds set aside for a buy on the GPU market, placed by market-svc before the buy enters the book: its most cost
-- (limit price x GPUs x hours). What it still holds is
--   max(0, coalesce(fill_cost, limit_cost) - refund - drawn)
-- while it is neither closed nor lapsed: the book's fill lowers it to the fill's cost, each metered period of the
-- reservation draws on it, the hours given up or preempted are refunded out of it, and a buy that leaves the book
-- unfilled closes it. Every change is a plain assignment or a draw booked once with its ledger transaction, so the
-- market events that drive it may arrive twice. Not part of the ledger: no money moves until a period is charged.
CREATE TABLE reservation_hold (
    buy_order_id            uuid         PRIMARY KEY,
    -- The buyer's paid wallet identifies the buyer.
    paid_account_id         uuid         NOT NULL REFERENCES account (id),
    limit_cost_nano_usd     bigint       NOT NULL CHECK (limit_cost_nano_usd > 0),
    fill_cost_nano_usd      bigint       CHECK (fill_cost_nano_usd >= 0),
    refund_nano_usd         bigint       NOT NULL DEFAULT 0 CHECK (refund_nano_usd >= 0),
    drawn_nano_usd          bigint       NOT NULL DEFAULT 0 CHECK (drawn_nano_usd >= 0),
    placed_at               timestamptz  NOT NULL,
    -- Until the buy's OrderPlaced arrives the hold is pending, and lapses at this instant; null once the book has it.
    pending_until           timestamptz,
    closed_at               timestamptz,
    closed_reason           text
);
CREATE INDEX reservation_hold_open_idx ON reservation_hold (paid_account_id) WHERE closed_at IS NULL;
