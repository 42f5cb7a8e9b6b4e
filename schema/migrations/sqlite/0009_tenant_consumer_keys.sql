-- Consumer keys are unique per tenant, as Identity Server 7 keeps them
-- (IDN_OAUTH_CONSUMER_APPS: UNIQUE (CONSUMER_KEY, TENANT_ID)), for OAuth
-- clients, their links to service providers and the store's key mappings.
-- A key refused as taken would otherwise tell a tenant that another tenant
-- holds it. SQLite cannot drop a table constraint: the three tables are
-- rebuilt, with their indexes and triggers. Nothing references them, so
-- dropping them touches no other row.

CREATE TABLE oauth_apps_0009 (
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
	CONSTRAINT oauth_apps_tenant_id_consumer_key_key UNIQUE (tenant_id, consumer_key),
	CONSTRAINT oauth_apps_consumer_key_check CHECK (consumer_key <> ''),
	CONSTRAINT oauth_apps_state_check CHECK (state IN ('ACTIVE', 'REVOKED'))
);
INSERT INTO oauth_apps_0009 (id, tenant_id, owner, name, consumer_key, consumer_secret, callback_url,
		grant_types, oauth_version, state, settings, created_at, updated_at)
	SELECT id, tenant_id, owner, name, consumer_key, consumer_secret, callback_url,
		grant_types, oauth_version, state, settings, created_at, updated_at
	FROM oauth_apps;
DROP TABLE oauth_apps;
ALTER TABLE oauth_apps_0009 RENAME TO oauth_apps;

CREATE UNIQUE INDEX oauth_apps_tenant_id_owner_name_key ON oauth_apps (tenant_id, owner, name) WHERE name <> '';
CREATE INDEX oauth_apps_tenant_id_name_idx ON oauth_apps (tenant_id, name, id);
CREATE INDEX oauth_apps_unsealed_idx ON oauth_apps (id) WHERE substr(consumer_secret, 1, 3) <> 'v1:';

CREATE TRIGGER oauth_apps_added AFTER INSERT ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;
CREATE TRIGGER oauth_apps_changed AFTER UPDATE ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;
CREATE TRIGGER oauth_apps_removed AFTER DELETE ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;

-- A consumer key links to at most one service provider of its tenant.
CREATE TABLE sp_oauth_links_0009 (
	id           INTEGER PRIMARY KEY,
	sp_id        INTEGER NOT NULL REFERENCES service_providers (id) ON DELETE CASCADE,
	tenant_id    INTEGER NOT NULL,
	consumer_key TEXT    NOT NULL,
	CONSTRAINT sp_oauth_links_tenant_id_consumer_key_key UNIQUE (tenant_id, consumer_key),
	CONSTRAINT sp_oauth_links_consumer_key_check CHECK (consumer_key <> '')
);
INSERT INTO sp_oauth_links_0009 (id, sp_id, tenant_id, consumer_key)
	SELECT id, sp_id, tenant_id, consumer_key FROM sp_oauth_links;
DROP TABLE sp_oauth_links;
ALTER TABLE sp_oauth_links_0009 RENAME TO sp_oauth_links;

CREATE INDEX sp_oauth_links_sp_id_idx ON sp_oauth_links (sp_id, id);

-- A consumer key is mapped at most once per key manager in its tenant. The
-- unique index also serves the lookups by tenant and key alone.
CREATE TABLE store_key_mappings_0009 (
	id             INTEGER PRIMARY KEY,
	uuid           TEXT    NOT NULL,
	application_id INTEGER NOT NULL REFERENCES store_applications (id) ON DELETE CASCADE,
	tenant_id      INTEGER NOT NULL,
	key_type       TEXT    NOT NULL,
	key_manager    TEXT    NOT NULL,
	consumer_key   TEXT    NOT NULL,
	mode           TEXT    NOT NULL,
	state          TEXT    NOT NULL,
	provisioned    INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT    NOT NULL,
	CONSTRAINT store_key_mappings_uuid_key UNIQUE (uuid),
	CONSTRAINT store_key_mappings_application_id_key_type_key_manager_key UNIQUE (application_id, key_type, key_manager),
	CONSTRAINT store_key_mappings_tenant_id_consumer_key_key_manager_key UNIQUE (tenant_id, consumer_key, key_manager),
	CONSTRAINT store_key_mappings_consumer_key_check CHECK (consumer_key <> ''),
	CONSTRAINT store_key_mappings_key_type_check CHECK (key_type IN ('PRODUCTION', 'SANDBOX')),
	CONSTRAINT store_key_mappings_mode_check CHECK (mode IN ('CREATED', 'MAPPED'))
);
INSERT INTO store_key_mappings_0009 (id, uuid, application_id, tenant_id, key_type, key_manager,
		consumer_key, mode, state, provisioned, created_at)
	SELECT id, uuid, application_id, tenant_id, key_type, key_manager,
		consumer_key, mode, state, provisioned, created_at
	FROM store_key_mappings;
DROP TABLE store_key_mappings;
ALTER TABLE store_key_mappings_0009 RENAME TO store_key_mappings;
