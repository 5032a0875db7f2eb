-- Personal fields read as NULL once their user is erased (DESIGN.md decision 6). Unique emails are
-- the command side's invariant, decided from blind indexes: the read model only looks them up, and
-- must never refuse a valid event (an erased user's email taken by a new user in one batch).
ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN full_name DROP NOT NULL;
DROP INDEX users_tenant_email;
CREATE INDEX users_tenant_email ON users (tenant_id, lower(email));
ALTER TABLE permissions ALTER COLUMN reason DROP NOT NULL;

-- Every erasure the log records (the erasures projection), which also deletes the data keys it
-- names: should a process stop between recording an erasure and deleting the key, the key goes
-- here all the same. kind: user (POST /v1/users/{id}/erase) or invitation (an invitation revoked
-- before its invitee joined).
CREATE TABLE erasures (
  user_id   uuid        PRIMARY KEY,
  tenant_id uuid        NOT NULL,
  kind      text        NOT NULL,
  event_id  uuid        NOT NULL,
  erased_at timestamptz NOT NULL
);
CREATE INDEX erasures_tenant ON erasures (tenant_id, erased_at);

-- A fingerprint of each server key whose change would silently break what is stored (an HMAC of a
-- fixed text under the key: it tells nothing of the key). The blind index key is the one today:
-- emails are found by indexes made under it, so a process started with another refuses to run.
CREATE TABLE server_key_fingerprints (
  name        text        PRIMARY KEY,
  fingerprint text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
