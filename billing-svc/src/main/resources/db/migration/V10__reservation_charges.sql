-- GPU time of market reservations, charged one metered period (a ReservationUsage) at a time like inference usage:
-- the charge row names the reservation and the period instead of a request, and usage_id, the period's own id, is
-- unique beside the ledger's (kind 'reservation', reference usage_id), so a period is charged once whatever the
-- CloudEvents id it arrives under. model_id holds the GPU model, so usage reports group reservations by it.
ALTER TABLE charge ALTER COLUMN request_id DROP NOT NULL;
ALTER TABLE charge ADD COLUMN usage_id text CONSTRAINT charge_usage_id_key UNIQUE;
ALTER TABLE charge ADD COLUMN reservation_id text;
ALTER TABLE charge ADD COLUMN gpu_seconds bigint CHECK (gpu_seconds >= 0);
ALTER TABLE charge ADD COLUMN period_start timestamptz;
ALTER TABLE charge ADD COLUMN period_end timestamptz;
ALTER TABLE charge ADD COLUMN spot boolean;
-- A charge is of a request or of a reservation's period, never both; a period has all its columns and a length.
ALTER TABLE charge ADD CONSTRAINT charge_cause_check CHECK ((request_id IS NULL) <> (usage_id IS NULL));
ALTER TABLE charge ADD CONSTRAINT charge_reservation_check CHECK (usage_id IS NULL OR (reservation_id IS NOT NULL
    AND gpu_seconds IS NOT NULL AND spot IS NOT NULL AND period_start IS NOT NULL AND period_end > period_start));
CREATE INDEX charge_reservation_idx ON charge (reservation_id) WHERE reservation_id IS NOT NULL;

-- Who was paid what of a reservation's period: one row per share of the ReservationUsage, in its order, with the
-- account its proceeds went to (an operator's earnings, or a reselling developer's paid wallet). Statements and
-- resellers' invoices read their reservation lines here. Append-only like the charge it belongs to.
CREATE TABLE reservation_share (
    transaction_id               uuid     NOT NULL REFERENCES charge (transaction_id),
    position                     integer  NOT NULL CHECK (position >= 0),
    seller_kind                  text     NOT NULL CHECK (seller_kind IN ('OPERATOR', 'RESELLER')),
    seller_id                    text     NOT NULL,
    account_id                   uuid     NOT NULL REFERENCES account (id),
    operator_id                  text     NOT NULL,
    node_id                      text     NOT NULL,
    gpu_count                    integer  NOT NULL CHECK (gpu_count > 0),
    price_nano_usd_per_gpu_hour  bigint   NOT NULL CHECK (price_nano_usd_per_gpu_hour >= 0),
    -- What the buyer owed for these GPUs this period, and what the seller received of it (less when the platform's
    -- fee is taken, or when the buyer's wallets could not cover the period).
    cost_nano_usd                bigint   NOT NULL CHECK (cost_nano_usd >= 0),
    proceeds_nano_usd            bigint   NOT NULL
                                          CHECK (proceeds_nano_usd >= 0 AND proceeds_nano_usd <= cost_nano_usd),
    PRIMARY KEY (transaction_id, position)
);
CREATE INDEX reservation_share_account_idx ON reservation_share (account_id);
CREATE TRIGGER reservation_share_append_only BEFORE UPDATE OR DELETE ON reservation_share
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
