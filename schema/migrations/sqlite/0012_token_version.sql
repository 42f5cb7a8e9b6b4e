-- token_version_shards counts changes of token states (revocations,
-- expiries, renewals), so that a cache of tokens stays valid while the
-- count stands, on every instance sharing the database. A new token moves
-- nothing: a cache holds only tokens it read. SQLite has one writer at a
-- time: one row.
CREATE TABLE token_version_shards (
	shard   INTEGER NOT NULL,
	version INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT token_version_shards_pkey PRIMARY KEY (shard)
);
INSERT INTO token_version_shards (shard, version) VALUES (0, 0);

CREATE TRIGGER oauth_tokens_changed AFTER UPDATE ON oauth_tokens
BEGIN UPDATE token_version_shards SET version = version + 1 WHERE shard = 0; END;
CREATE TRIGGER oauth_tokens_removed AFTER DELETE ON oauth_tokens
BEGIN UPDATE token_version_shards SET version = version + 1 WHERE shard = 0; END;
