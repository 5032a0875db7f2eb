-- Each user's data key, wrapped by a master key (core/master_keys.hpp), never in the log nor in a
-- read model. Not a projection: erasure deletes the key here, and nothing may rebuild it. An
-- erased user keeps its row without a key, so that no new key is ever made for it.
CREATE TABLE personal_data_keys (
  user_id       uuid        PRIMARY KEY,
  tenant_id     uuid        NOT NULL,
  wrapped       text,
  master_key_id text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  erased_at     timestamptz,
  CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL)),
  CHECK ((wrapped IS NULL) = (master_key_id IS NULL))
);
CREATE INDEX personal_data_keys_master ON personal_data_keys (master_key_id) WHERE wrapped IS NOT NULL;
