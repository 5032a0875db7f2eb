-- An entry names the user it is about (its data's user_id) whether or not it carries personal
-- fields: with the actor index, a user's export finds every entry where the user is actor or
-- subject, and an erasure the entries whose details its key sealed.
ALTER TABLE audit_entries RENAME COLUMN personal_owner TO user_id;
DROP INDEX audit_personal_owner;
CREATE INDEX audit_tenant_user ON audit_entries (tenant_id, user_id, id DESC) WHERE user_id IS NOT NULL;
