-- OAuth clients and scopes. Constraint names follow the PostgreSQL defaults
-- so that every dialect reports the same names; see constraintErrors.

CREATE TABLE oauth_apps (
	id              INTEGER PRIMARY KEY,
	tenant_id       INTEGER NOT NULL,
	owner           TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	consumer_key    TEXT    NOT NULL,
	consumer_secret TEXT    NOT NULL,
	callback_url    TEXT    NOT NULL DEFAULT '',
	grant_types     TEXT    NOT NULL DEFAULT '',
	oauth_version   TEXT    NOT NULL,
	state           TEXT    NOT NULL,
	settings        TEXT    NOT NULL DEFAULT '',
	created_at      TEXT    NOT NULL,
	updated_at      TEXT    NOT NULL,
	CONSTRAINT oauth_apps_consumer_key_key UNIQUE (consumer_key),
	CONSTRAINT oauth_apps_consumer_key_check CHECK (consumer_key <> ''),
	CONSTRAINT oauth_apps_state_check CHECK (state IN ('ACTIVE', 'REVOKED'))
);

-- Unnamed OAuth 1.0a consumers (registerOAuthConsumer) are exempt.
CREATE UNIQUE INDEX oauth_apps_tenant_id_owner_name_key ON oauth_apps (tenant_id, owner, name) WHERE name <> '';

CREATE INDEX oauth_apps_tenant_id_name_idx ON oauth_apps (tenant_id, name, id);

CREATE TABLE oauth_scopes (
	tenant_id INTEGER NOT NULL,
	name      TEXT    NOT NULL,
	claims    TEXT    NOT NULL DEFAULT '[]',
	CONSTRAINT oauth_scopes_pkey PRIMARY KEY (tenant_id, name)
);
