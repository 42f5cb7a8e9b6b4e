-- Store (developer portal) applications and their OAuth key mappings.
-- Constraint names follow the PostgreSQL defaults so that every dialect
-- reports the same names; see constraintErrors.

-- AUTOINCREMENT: an application id is never handed out twice, so a key
-- mapping can never attach to a later application that reused the id.
CREATE TABLE store_applications (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid              TEXT    NOT NULL,
	tenant_id         INTEGER NOT NULL REFERENCES tenants (id),
	owner             TEXT    NOT NULL,
	name              TEXT    NOT NULL,
	throttling_policy TEXT    NOT NULL,
	description       TEXT    NOT NULL DEFAULT '',
	token_type        TEXT    NOT NULL DEFAULT 'JWT',
	callback_url      TEXT    NOT NULL DEFAULT '',
	status            TEXT    NOT NULL DEFAULT 'APPROVED',
	group_ids         TEXT    NOT NULL DEFAULT '[]',
	attributes        TEXT    NOT NULL DEFAULT '{}',
	created_at        TEXT    NOT NULL,
	updated_at        TEXT    NOT NULL,
	CONSTRAINT store_applications_uuid_key UNIQUE (uuid),
	CONSTRAINT store_applications_tenant_id_owner_name_key UNIQUE (tenant_id, owner, name),
	CONSTRAINT store_applications_name_check CHECK (name <> ''),
	CONSTRAINT store_applications_token_type_check CHECK (token_type IN ('OAUTH', 'JWT'))
);

-- One OAuth client per application, key type and key manager; a consumer
-- key mapped at most once per key manager, in any tenant. The secret is
-- never stored here: the key manager keeps it.
CREATE TABLE store_key_mappings (
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
	CONSTRAINT store_key_mappings_key_manager_consumer_key_key UNIQUE (key_manager, consumer_key),
	CONSTRAINT store_key_mappings_consumer_key_check CHECK (consumer_key <> ''),
	CONSTRAINT store_key_mappings_key_type_check CHECK (key_type IN ('PRODUCTION', 'SANDBOX')),
	CONSTRAINT store_key_mappings_mode_check CHECK (mode IN ('CREATED', 'MAPPED'))
);

CREATE INDEX store_key_mappings_tenant_id_consumer_key_idx ON store_key_mappings (tenant_id, consumer_key);
