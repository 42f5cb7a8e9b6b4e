-- token_version_shards counts changes of token states (revocations,
-- expiries, renewals), so that a cache of tokens stays valid while the
-- count stands, on every instance sharing the database. A new token moves
-- nothing: a cache holds only tokens it read. Spread over 32 rows, as
-- oauth_version_shards, so that concurrent writers do not queue on one row.
CREATE TABLE token_version_shards (
	shard   INTEGER NOT NULL,
	version BIGINT  NOT NULL DEFAULT 0,
	CONSTRAINT token_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO token_version_shards (shard, version) SELECT g, 0 FROM generate_series(0, 31) g;

CREATE FUNCTION oauth_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE token_version_shards SET version = version + 1 WHERE shard = pg_backend_pid() % 32;
	RETURN NULL;
END
$$;

CREATE TRIGGER oauth_tokens_changed AFTER UPDATE OR DELETE ON oauth_tokens
	FOR EACH STATEMENT EXECUTE FUNCTION oauth_tokens_changed();
