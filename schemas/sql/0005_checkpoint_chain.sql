-- The fence now also follows each writer's chain of events (events/fence.hpp): a projection
-- resumed from its checkpoint must know the last valid record it applied, or it could not tell a
-- link that skips a failed append from a good one.
ALTER TABLE projection_checkpoints ADD COLUMN writer_last_id text NOT NULL DEFAULT '';
