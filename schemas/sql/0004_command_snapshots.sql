-- The command side's snapshots: the latest state of each partition of the log, so that start-up
-- reads the snapshot and the log's tail. Tied to the log by the id of the event before
-- next_offset: a snapshot of another log (a reset dev setup) is recognised and ignored.
CREATE TABLE command_snapshots (
  topic         text        NOT NULL,
  partition     integer     NOT NULL,
  next_offset   bigint      NOT NULL,
  last_event_id text        NOT NULL,
  format        integer     NOT NULL,
  state         text        NOT NULL,
  taken_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);
