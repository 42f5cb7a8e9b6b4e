-- oauth_version counts changes to OAuth clients, so a cache of clients
-- stays valid while the count stands, on every instance sharing the
-- database. It lives in identity_version's row: one read answers both.
ALTER TABLE identity_version ADD COLUMN oauth_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER oauth_apps_added AFTER INSERT ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;
CREATE TRIGGER oauth_apps_changed AFTER UPDATE ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;
CREATE TRIGGER oauth_apps_removed AFTER DELETE ON oauth_apps
BEGIN UPDATE identity_version SET oauth_version = oauth_version + 1 WHERE id = 1; END;
