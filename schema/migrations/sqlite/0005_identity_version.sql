-- identity_version counts changes to who may do what: passwords, locks,
-- deletions, tenants' state, roles, permissions and role memberships. A
-- cache of verified credentials stays valid while the count stands, on
-- every instance sharing the database.
CREATE TABLE identity_version (
	id      INTEGER NOT NULL,
	version INTEGER NOT NULL,
	CONSTRAINT identity_version_pkey PRIMARY KEY (id),
	CONSTRAINT identity_version_id_check CHECK (id = 1)
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE TRIGGER users_credentials_changed AFTER UPDATE OF password_hash, locked_until ON users
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tenants_changed AFTER UPDATE ON tenants
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER roles_deleted AFTER DELETE ON roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_added AFTER INSERT ON role_permissions
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_removed AFTER DELETE ON role_permissions
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_added AFTER INSERT ON user_roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_removed AFTER DELETE ON user_roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
