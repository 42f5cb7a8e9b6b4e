-- The count of changes to OAuth clients is spread over 32 rows, one per
-- group of server connections: a transaction that changes clients holds
-- the lock of the row it counts in until it commits, and with one row
-- every registration, on every instance, waited for the commit of the one
-- before. Readers add the rows up; the sum moves with every commit as the
-- single count did. A connection counts in the row of its backend process,
-- so a transaction locks one row however many statements it runs.
CREATE TABLE oauth_version_shards (
	shard   INTEGER NOT NULL,
	version BIGINT  NOT NULL DEFAULT 0,
	CONSTRAINT oauth_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO oauth_version_shards (shard, version) SELECT g, 0 FROM generate_series(0, 31) g;
UPDATE oauth_version_shards SET version = (SELECT oauth_version FROM identity_version WHERE id = 1) WHERE shard = 0;
ALTER TABLE identity_version DROP COLUMN oauth_version;

CREATE OR REPLACE FUNCTION oauth_apps_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE oauth_version_shards SET version = version + 1 WHERE shard = pg_backend_pid() % 32;
	RETURN NULL;
END
$$;
