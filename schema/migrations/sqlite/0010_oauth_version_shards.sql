-- The count of changes to OAuth clients moves to a table of its own, as on
-- PostgreSQL, where it is spread over rows so that concurrent writers do
-- not queue on one row lock. SQLite has one writer at a time: one row.
CREATE TABLE oauth_version_shards (
	shard   INTEGER NOT NULL,
	version INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT oauth_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO oauth_version_shards (shard, version) SELECT 0, oauth_version FROM identity_version WHERE id = 1;

DROP TRIGGER oauth_apps_added;
DROP TRIGGER oauth_apps_changed;
DROP TRIGGER oauth_apps_removed;
ALTER TABLE identity_version DROP COLUMN oauth_version;

CREATE TRIGGER oauth_apps_added AFTER INSERT ON oauth_apps
BEGIN UPDATE oauth_version_shards SET version = version + 1 WHERE shard = 0; END;
CREATE TRIGGER oauth_apps_changed AFTER UPDATE ON oauth_apps
BEGIN UPDATE oauth_version_shards SET version = version + 1 WHERE shard = 0; END;
CREATE TRIGGER oauth_apps_removed AFTER DELETE ON oauth_apps
BEGIN UPDATE oauth_version_shards SET version = version + 1 WHERE shard = 0; END;
