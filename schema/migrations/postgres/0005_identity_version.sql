-- identity_version counts changes to who may do what: passwords, locks,
-- deletions, tenants' state, roles, permissions and role memberships. A
-- cache of verified credentials stays valid while the count stands, on
-- every instance sharing the database.
CREATE TABLE identity_version (
	id      BIGINT NOT NULL,
	version BIGINT NOT NULL,
	CONSTRAINT identity_version_pkey PRIMARY KEY (id),
	CONSTRAINT identity_version_id_check CHECK (id = 1)
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE FUNCTION identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE identity_version SET version = version + 1 WHERE id = 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER users_credentials_changed AFTER UPDATE OF password_hash, locked_until ON users
	FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER tenants_changed AFTER UPDATE ON tenants FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER roles_deleted AFTER DELETE ON roles FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER role_permissions_added AFTER INSERT ON role_permissions FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER role_permissions_removed AFTER DELETE ON role_permissions FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER user_roles_added AFTER INSERT ON user_roles FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
CREATE TRIGGER user_roles_removed AFTER DELETE ON user_roles FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
