-- How far each reservation's GPU time has been metered and published as ReservationUsage: the epoch
-- second its next period starts. It moves only forward, in the transaction that appends the usage event.
ALTER TABLE reservation ADD COLUMN metered_until_second bigint;
UPDATE reservation SET metered_until_second = start_hour * 3600;
ALTER TABLE reservation ALTER COLUMN metered_until_second SET NOT NULL;

CREATE INDEX reservation_metering_idx ON reservation (metered_until_second)
    WHERE metered_until_second < held_until_hour * 3600;
