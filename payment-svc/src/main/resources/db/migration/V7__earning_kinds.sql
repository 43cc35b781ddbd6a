-- What an earning was for: INFERENCE (a request served by shard workers) or RESERVATION (GPU-hours sold on the
-- market, paid from the pool of the GPU model, model_id 'gpu:<model>'). Slashing forfeits inference earnings
-- only: it is about a shard worker's session, and a reservation's GPU time was sold whatever its workers did.
ALTER TABLE operator_earning
    ADD COLUMN kind text NOT NULL DEFAULT 'INFERENCE' CHECK (kind IN ('INFERENCE', 'RESERVATION'));
