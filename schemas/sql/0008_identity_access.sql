-- Emails move between users (one gives an address up, another takes it in the same batch): the
-- write side keeps them unique, and a unique index here would refuse such a batch halfway through
-- its single UPDATE. It stays an index for lookups.
DROP INDEX users_tenant_email;
CREATE INDEX users_tenant_email ON users (tenant_id, lower(email));

-- API keys as GET /v1/api-keys shows them: never the key, nor its hash.
CREATE TABLE api_keys (
  id           uuid        PRIMARY KEY,
  tenant_id    uuid        NOT NULL,
  name         text        NOT NULL,
  prefix       text        NOT NULL,
  scopes       text[]      NOT NULL,
  created_by   text        NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  version      bigint      NOT NULL
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);
