-- When the node's agent last said the node is up; a node silent for longer than the limit is not offered.
ALTER TABLE node ADD COLUMN last_heartbeat_at timestamptz;
