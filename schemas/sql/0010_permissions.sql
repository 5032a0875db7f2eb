-- Permission requests and their decisions (the permissions projection). The list is newest first
-- within a tenant, by any of its filters; the scheduler asks for approved permissions whose expiry
-- has passed, which the partial index keeps to the few that are in force with an end.
CREATE TABLE permissions (
  id              uuid        PRIMARY KEY,
  tenant_id       uuid        NOT NULL,
  user_id         uuid        NOT NULL,
  resource        text        NOT NULL,
  level           text        NOT NULL,
  status          text        NOT NULL,
  reason          text        NOT NULL,
  requested_by    text        NOT NULL,
  decided_by      text,
  decision_reason text,
  requested_at    timestamptz NOT NULL,
  decided_at      timestamptz,
  expires_at      timestamptz,
  version         bigint      NOT NULL
);
CREATE INDEX permissions_tenant ON permissions (tenant_id, id DESC);
CREATE INDEX permissions_tenant_user ON permissions (tenant_id, user_id, id DESC);
CREATE INDEX permissions_tenant_status ON permissions (tenant_id, status, id DESC);
CREATE INDEX permissions_tenant_resource ON permissions (tenant_id, resource, id DESC);
CREATE INDEX permissions_due ON permissions (expires_at) WHERE status = 'approved' AND expires_at IS NOT NULL;
