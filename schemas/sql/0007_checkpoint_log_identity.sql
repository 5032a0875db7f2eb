-- The id of the record just before each checkpoint ties the checkpoint to its log: a projection
-- resumed against another log (a reset dev setup, another cluster, the wrong database) finds a
-- different record there and stops, rather than skip what that log holds before the offset.
ALTER TABLE projection_checkpoints ADD COLUMN last_event_id text NOT NULL DEFAULT '';
