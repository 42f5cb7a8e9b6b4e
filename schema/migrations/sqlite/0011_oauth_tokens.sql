-- Access tokens and their refresh tokens, one row per pair, as Identity
-- Server keeps them (IDN_OAUTH2_ACCESS_TOKEN). Tokens are found by the
-- SHA-256 of their text; the text itself is kept only sealed, and only
-- while the token may be handed out again (an active token of the same
-- client, user and scope is reused unless tokens are hashed). A row that
-- stops being active gets a state_id of its own, so that at most one row
-- per client, user, user type and scope is ACTIVE. Times are unix
-- milliseconds; a negative validity never expires. The tokens of a
-- removed client go with it.
CREATE TABLE oauth_tokens (
	id               INTEGER PRIMARY KEY,
	app_id           INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
	authz_user       TEXT    NOT NULL,
	user_type        TEXT    NOT NULL,
	scope            TEXT    NOT NULL,
	access_hash      TEXT    NOT NULL,
	refresh_hash     TEXT,
	sealed           TEXT,
	state            TEXT    NOT NULL,
	state_id         TEXT    NOT NULL,
	issued_at        INTEGER NOT NULL,
	validity         INTEGER NOT NULL,
	refresh_validity INTEGER NOT NULL,
	CONSTRAINT oauth_tokens_access_hash_key UNIQUE (access_hash),
	CONSTRAINT oauth_tokens_refresh_hash_key UNIQUE (refresh_hash),
	CONSTRAINT oauth_tokens_one_active_key UNIQUE (app_id, authz_user, user_type, scope, state, state_id),
	CONSTRAINT oauth_tokens_state_check CHECK (state IN ('ACTIVE', 'EXPIRED', 'REVOKED', 'INACTIVE')),
	CONSTRAINT oauth_tokens_user_type_check CHECK (user_type IN ('APPLICATION', 'APPLICATION_USER'))
);
CREATE INDEX oauth_tokens_authz_user_idx ON oauth_tokens (authz_user, state);
