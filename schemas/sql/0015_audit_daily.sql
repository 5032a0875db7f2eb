-- The audit trail counted per UTC day, by action and by actor, kept by the audit projection in the
-- statement that writes the entries (and by the retention job in the one that deletes them), so
-- that GET /v1/audit/stats reads a day's counts instead of its entries: the stats of a range are
-- its whole days from here plus its partial days counted from audit_entries, exactly the listing's.
CREATE TABLE audit_daily_actions (
  tenant_id uuid   NOT NULL,
  day       date   NOT NULL,
  action    text   NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, day, action)
);
CREATE TABLE audit_daily_actors (
  tenant_id  uuid   NOT NULL,
  day        date   NOT NULL,
  actor_type text   NOT NULL,
  actor_id   text   NOT NULL,  -- '' for Regent's own
  n          bigint NOT NULL,
  PRIMARY KEY (tenant_id, day, actor_type, actor_id)
);
INSERT INTO audit_daily_actions (tenant_id, day, action, n)
  SELECT tenant_id, (at AT TIME ZONE 'UTC')::date, action, count(*) FROM audit_entries GROUP BY 1, 2, 3;
INSERT INTO audit_daily_actors (tenant_id, day, actor_type, actor_id, n)
  SELECT tenant_id, (at AT TIME ZONE 'UTC')::date, actor_type, COALESCE(actor_id, ''), count(*) FROM audit_entries
  GROUP BY 1, 2, 3, 4;
