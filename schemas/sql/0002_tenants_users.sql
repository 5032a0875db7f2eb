-- Read models of the identity side: tenants, users and their roles.
CREATE TABLE tenants (
  id         uuid        PRIMARY KEY,
  slug       text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  settings   jsonb       NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version    bigint      NOT NULL
);

CREATE TABLE users (
  id             uuid        PRIMARY KEY,
  tenant_id      uuid        NOT NULL,
  email          text        NOT NULL,
  full_name      text        NOT NULL,
  status         text        NOT NULL,
  parent_user_id uuid,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  version        bigint      NOT NULL
);
CREATE INDEX users_tenant_id ON users (tenant_id, id);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, lower(email));

CREATE TABLE user_roles (
  tenant_id uuid NOT NULL,
  user_id   uuid NOT NULL,
  role      text NOT NULL,
  PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_tenant_role ON user_roles (tenant_id, role, user_id);
