-- Client secrets are sealed at rest (package schema/sealed):
-- consumer_secret holds "v1:<key id>:<base64>". Secrets stored until now
-- are marked as plain text, so that none of them can be mistaken for a
-- sealed value; the server seals them when it starts.
UPDATE oauth_apps SET consumer_secret = 'plain:' || consumer_secret;

-- The secrets not sealed yet, found at every start without reading every
-- client: the index holds none once they are sealed.
CREATE INDEX oauth_apps_unsealed_idx ON oauth_apps (id) WHERE substr(consumer_secret, 1, 3) <> 'v1:';

-- The keys stored values may be sealed under, each with its check value
-- (sealed.Keyring.Check): a server given other keys refuses to start
-- instead of sealing with a key the other instances lack.
CREATE TABLE secret_keys (
	key_id     TEXT NOT NULL,
	key_check  TEXT NOT NULL,
	created_at TEXT NOT NULL,
	CONSTRAINT secret_keys_pkey PRIMARY KEY (key_id)
);
