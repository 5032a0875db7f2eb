-- The projection engine's bookkeeping: where a projection is stuck, what an operator parked, which
-- version of each read model the live tables hold, and the atomic swap of a rebuilt model.

-- A partition stalls on the first event its projection cannot apply (a bug, a constraint): the
-- checkpoint stays before it and the event is described here until it applies or is parked.
ALTER TABLE projection_checkpoints
  ADD COLUMN stalled_offset     bigint,
  ADD COLUMN stalled_event_id   text,
  ADD COLUMN stalled_event_type text,
  ADD COLUMN stalled_error      text,
  ADD COLUMN stalled_payload    text,
  ADD COLUMN stalled_since      timestamptz;

-- Events an operator chose to move past (`regent projections skip`). The engine passes over them,
-- in the live model and in every rebuild of it, and nothing else is ever skipped.
CREATE TABLE projection_dead_letters (
  projection text        NOT NULL,
  partition  integer     NOT NULL,
  "offset"   bigint      NOT NULL,
  event_id   text        NOT NULL,
  event_type text        NOT NULL,
  payload    text        NOT NULL,
  error      text        NOT NULL,
  reason     text        NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, partition, "offset")
);

-- The version of each read model its live tables were built with. A binary whose projection is
-- newer rebuilds the model in fresh tables and swaps them in; one that is older leaves it alone.
CREATE TABLE projection_models (
  projection text        PRIMARY KEY,
  version    integer     NOT NULL,
  built_at   timestamptz NOT NULL DEFAULT now()
);

-- Replaces the live tables named in `tables` with those of the same names in schema `source`, in
-- the caller's transaction (so queries see the old tables or the new ones, never a mix). The new
-- tables' indexes and constraints take the names the old ones had, so later migrations can keep
-- naming them.
CREATE FUNCTION regent_swap_in(source text, tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
  r record;
  old_names jsonb := '{}';
  n integer := 0;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    FOR r IN SELECT c.relname AS name,
                    regexp_replace(pg_get_indexdef(i.indexrelid), ' INDEX \S+ ON \S+ ', ' INDEX ON ') AS def
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = format('public.%I', t)::regclass LOOP
      old_names := old_names || jsonb_build_object(r.def, r.name);
    END LOOP;
    EXECUTE format('DROP TABLE public.%I', t);
    EXECUTE format('ALTER TABLE %I.%I SET SCHEMA public', source, t);
  END LOOP;
  -- Two steps, so that no new name collides with another new index's current one.
  FOREACH t IN ARRAY tables LOOP
    FOR r IN SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = format('public.%I', t)::regclass LOOP
      n := n + 1;
      EXECUTE format('ALTER INDEX public.%I RENAME TO %I', r.name, 'regent_swap_' || n);
    END LOOP;
  END LOOP;
  FOREACH t IN ARRAY tables LOOP
    FOR r IN SELECT c.relname AS name,
                    regexp_replace(pg_get_indexdef(i.indexrelid), ' INDEX \S+ ON \S+ ', ' INDEX ON ') AS def
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = format('public.%I', t)::regclass LOOP
      EXECUTE format('ALTER INDEX public.%I RENAME TO %I', r.name, coalesce(old_names->>r.def, t || '_' || r.name));
    END LOOP;
  END LOOP;
END $$;
