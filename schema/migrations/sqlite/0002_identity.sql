-- Tenants, users, roles with permissions, and login sessions.

CREATE TABLE tenants (
	id         INTEGER PRIMARY KEY,
	domain     TEXT    NOT NULL,
	active     INTEGER NOT NULL DEFAULT 1,
	created_at TEXT    NOT NULL,
	CONSTRAINT tenants_domain_key UNIQUE (domain),
	CONSTRAINT tenants_domain_check CHECK (domain <> '')
);

-- The super tenant exists in every deployment, with Identity Server's id.
INSERT INTO tenants (id, domain, active, created_at) VALUES (-1234, 'carbon.super', 1, '1970-01-01T00:00:00Z');

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
	name          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  TEXT    NOT NULL DEFAULT '',
	created_at    TEXT    NOT NULL,
	CONSTRAINT users_tenant_id_name_key UNIQUE (tenant_id, name),
	CONSTRAINT users_name_check CHECK (name <> '')
);

CREATE TABLE roles (
	id        INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants (id),
	name      TEXT    NOT NULL,
	CONSTRAINT roles_tenant_id_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE role_permissions (
	role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	permission TEXT    NOT NULL,
	CONSTRAINT role_permissions_pkey PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role_id)
);

-- A session is known by the SHA-256 of its cookie value, never the value.
CREATE TABLE sessions (
	id         TEXT    NOT NULL,
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
	username   TEXT    NOT NULL,
	created_at TEXT    NOT NULL,
	last_seen  TEXT    NOT NULL,
	-- expires_at is set on remember-me sessions, which outlive the idle
	-- timeout until then; '' otherwise.
	expires_at TEXT    NOT NULL DEFAULT '',
	CONSTRAINT sessions_pkey PRIMARY KEY (id)
);

CREATE INDEX sessions_tenant_id_username_idx ON sessions (tenant_id, username);
