-- session_version_shards counts the ends of login sessions (logouts,
-- expiries, the sessions of a locked or deleted user), so that a cache of
-- sessions stays valid while the count stands, on every instance sharing
-- the database. Starting or touching a session moves nothing: a cache
-- holds only sessions it read, and checks their idle time against the
-- database before it ends one. Spread over 32 rows, as the other counts.
CREATE TABLE session_version_shards (
	shard   INTEGER NOT NULL,
	version BIGINT  NOT NULL DEFAULT 0,
	CONSTRAINT session_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO session_version_shards (shard, version) SELECT g, 0 FROM generate_series(0, 31) g;

CREATE FUNCTION sessions_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE session_version_shards SET version = version + 1 WHERE shard = pg_backend_pid() % 32;
	RETURN NULL;
END
$$;

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
	FOR EACH STATEMENT EXECUTE FUNCTION sessions_ended();
