-- The audit trail (the audit projection): one entry per valid event of the log, of every type,
-- never updated nor deleted by any API. Newest first is by id: event ids are UUIDv7, ordered by
-- time, so `from`/`to` become id bounds and every filter below is one range of one index.
CREATE TABLE audit_entries (
  id             uuid        PRIMARY KEY,  -- the event's
  tenant_id      uuid        NOT NULL,
  log_partition  integer     NOT NULL,
  log_offset     bigint      NOT NULL,
  at             timestamptz NOT NULL,
  actor_id       text,
  actor_type     text        NOT NULL,
  action         text        NOT NULL,   -- the event type
  resource_type  text        NOT NULL,
  resource_id    text        NOT NULL,
  request_id     text,
  ip             text,
  user_agent     text,
  details        jsonb       NOT NULL,   -- the event's data without its secrets
  personal_owner uuid                    -- whose key sealed its personal fields: erasure nulls them
);
CREATE INDEX audit_tenant ON audit_entries (tenant_id, id DESC);
CREATE INDEX audit_tenant_actor ON audit_entries (tenant_id, actor_id, id DESC);
CREATE INDEX audit_tenant_action ON audit_entries (tenant_id, action, id DESC);
CREATE INDEX audit_tenant_action_group ON audit_entries (tenant_id, split_part(action, '.', 1), id DESC);
CREATE INDEX audit_tenant_resource ON audit_entries (tenant_id, resource_type, resource_id, id DESC);
CREATE INDEX audit_personal_owner ON audit_entries (personal_owner) WHERE personal_owner IS NOT NULL;
