-- oauth_version counts changes to OAuth clients, so a cache of clients
-- stays valid while the count stands, on every instance sharing the
-- database. It lives in identity_version's row: one read answers both.
ALTER TABLE identity_version ADD COLUMN oauth_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION oauth_apps_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER oauth_apps_changed AFTER INSERT OR UPDATE OR DELETE ON oauth_apps
	FOR EACH STATEMENT EXECUTE FUNCTION oauth_apps_changed();
