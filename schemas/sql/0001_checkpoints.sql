-- Where each projection stands in each partition of the log. `next_offset` is the next offset to
-- read (gaps in offsets are therefore harmless); the writer fence travels with it so that a
-- projection resumed from here judges event validity exactly as one that never stopped.
CREATE TABLE projection_checkpoints (
  projection      text        NOT NULL,
  partition       integer     NOT NULL,
  next_offset     bigint      NOT NULL,
  writer_id       text        NOT NULL DEFAULT '',
  writer_epoch    bigint      NOT NULL DEFAULT 0,
  skipped_invalid bigint      NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, partition)
);
