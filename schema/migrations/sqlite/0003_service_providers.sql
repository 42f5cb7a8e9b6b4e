-- Service providers (applications), the OAuth clients they link and the
-- service provider templates. Constraint names follow the PostgreSQL defaults
-- so that every dialect reports the same names; see constraintErrors.

-- AUTOINCREMENT: an application id is never handed out twice, as with
-- Identity Server's identity column. updateApplication is keyed by id, so a
-- reused id would let a stale client overwrite another application.
CREATE TABLE service_providers (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	uuid        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	owner       TEXT    NOT NULL DEFAULT '',
	document    TEXT    NOT NULL DEFAULT '',
	created_at  TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL,
	CONSTRAINT service_providers_uuid_key UNIQUE (uuid),
	CONSTRAINT service_providers_tenant_id_name_key UNIQUE (tenant_id, name),
	CONSTRAINT service_providers_name_check CHECK (name <> '')
);

-- A consumer key links to at most one service provider, in any tenant.
CREATE TABLE sp_oauth_links (
	id           INTEGER PRIMARY KEY,
	sp_id        INTEGER NOT NULL REFERENCES service_providers (id) ON DELETE CASCADE,
	tenant_id    INTEGER NOT NULL,
	consumer_key TEXT    NOT NULL,
	CONSTRAINT sp_oauth_links_consumer_key_key UNIQUE (consumer_key),
	CONSTRAINT sp_oauth_links_consumer_key_check CHECK (consumer_key <> '')
);

CREATE INDEX sp_oauth_links_sp_id_idx ON sp_oauth_links (sp_id, id);

CREATE TABLE sp_templates (
	tenant_id   INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	content     TEXT    NOT NULL DEFAULT '',
	CONSTRAINT sp_templates_tenant_id_name_key UNIQUE (tenant_id, name),
	CONSTRAINT sp_templates_name_check CHECK (name <> '')
);
