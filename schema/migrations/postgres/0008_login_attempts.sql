-- Attempts to log in, counted before each password check, per user and,
-- unless locks are per user (source ''), per source address. A lock is
-- locked_until (unix nanoseconds) in the future; 0 for none. Counting here
-- moves no identity version: only the start of a lock does, explicitly.
CREATE TABLE login_attempts (
	tenant_id    BIGINT NOT NULL,
	username     TEXT   NOT NULL,
	source       TEXT   NOT NULL,
	attempts     BIGINT NOT NULL,
	locked_until BIGINT NOT NULL,
	CONSTRAINT login_attempts_pkey PRIMARY KEY (tenant_id, username, source)
);

-- Failures no longer count on the users row: updating it moved the
-- identity version, and so emptied every instance's cache of verified
-- credentials, on every failure.
DROP TRIGGER users_credentials_changed ON users;
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
CREATE TRIGGER users_password_changed AFTER UPDATE OF password_hash ON users
	FOR EACH STATEMENT EXECUTE FUNCTION identity_changed();
