-- Funds a gateway sets aside for a developer's coming requests, so that admitting one takes no call to billing: the
-- gateway takes each request's most cost out of its lease in its own memory, then has billing turn that part of the
-- lease into the request's hold. amount_nano_usd is what the lease still holds: grown by the gateway's asks, each
-- covered by the developer's funds with their wallets locked, and lowered by every hold it funds, so a lease and the
-- holds it funded never hold the same nano-USD twice. It counts while unreleased and unexpired, like a hold. Not part
-- of the ledger: no money moves until a request is charged.
CREATE TABLE funds_lease (
    id                  uuid         PRIMARY KEY,
    -- The developer's paid wallet identifies the developer.
    paid_account_id     uuid         NOT NULL REFERENCES account (id),
    amount_nano_usd     bigint       NOT NULL CHECK (amount_nano_usd >= 0),
    granted_nano_usd    bigint       NOT NULL CHECK (granted_nano_usd >= amount_nano_usd),
    placed_at           timestamptz  NOT NULL,
    expires_at          timestamptz  NOT NULL,
    released_at         timestamptz
);
CREATE INDEX funds_lease_open_idx ON funds_lease (paid_account_id) WHERE released_at IS NULL;

-- The lease a request's hold was funded from, if any.
ALTER TABLE hold ADD COLUMN lease_id uuid REFERENCES funds_lease (id);

-- What a market buy's hold still holds at an instant: nothing once closed, or lapsed while pending.
CREATE FUNCTION reservation_hold_open_amount(r reservation_hold, at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN r.closed_at IS NOT NULL OR r.pending_until <= at THEN 0
                ELSE greatest(0, coalesce(r.fill_cost_nano_usd, r.limit_cost_nano_usd) - r.refund_nano_usd
                                 - r.drawn_nano_usd) END
$$;

-- Every open hold of the wallets' developers at an instant, requests', market buys' and gateways' leases alike, each
-- with its amount and meter: the one rule every reader of what a developer can spend counts by. The id is the
-- request hold's, the buy order's or the lease's.
CREATE FUNCTION open_holds(accounts uuid[], at timestamptz)
RETURNS TABLE (paid_account_id uuid, id uuid, meter text, amount_nano_usd bigint)
LANGUAGE sql STABLE AS $$
    SELECT h.paid_account_id, h.id, h.meter, h.amount_nano_usd FROM hold h
    WHERE h.paid_account_id = ANY (accounts) AND h.state = 'PLACED' AND h.expires_at > at
    UNION ALL
    SELECT r.paid_account_id, r.buy_order_id, 'reservation.gpu_seconds', reservation_hold_open_amount(r, at)
    FROM reservation_hold r
    WHERE r.paid_account_id = ANY (accounts) AND r.closed_at IS NULL AND reservation_hold_open_amount(r, at) > 0
    UNION ALL
    SELECT l.paid_account_id, l.id, 'inference.tokens', l.amount_nano_usd FROM funds_lease l
    WHERE l.paid_account_id = ANY (accounts) AND l.released_at IS NULL AND l.expires_at > at
      AND l.amount_nano_usd > 0
$$;
