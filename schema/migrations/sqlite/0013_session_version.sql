-- session_version_shards counts the ends of login sessions (logouts,
-- expiries, the sessions of a locked or deleted user), so that a cache of
-- sessions stays valid while the count stands, on every instance sharing
-- the database. Starting or touching a session moves nothing: a cache
-- holds only sessions it read, and checks their idle time against the
-- database before it ends one. SQLite has one writer at a time: one row.
CREATE TABLE session_version_shards (
	shard   INTEGER NOT NULL,
	version INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT session_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO session_version_shards (shard, version) VALUES (0, 0);

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
BEGIN UPDATE session_version_shards SET version = version + 1 WHERE shard = 0; END;
