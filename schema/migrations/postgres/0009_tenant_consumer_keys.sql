-- Consumer keys are unique per tenant, as Identity Server 7 keeps them
-- (IDN_OAUTH_CONSUMER_APPS: UNIQUE (CONSUMER_KEY, TENANT_ID)), for OAuth
-- clients, their links to service providers and the store's key mappings.
-- A key refused as taken would otherwise tell a tenant that another tenant
-- holds it.

ALTER TABLE oauth_apps
	DROP CONSTRAINT oauth_apps_consumer_key_key,
	ADD CONSTRAINT oauth_apps_tenant_id_consumer_key_key UNIQUE (tenant_id, consumer_key);

-- A consumer key links to at most one service provider of its tenant.
ALTER TABLE sp_oauth_links
	DROP CONSTRAINT sp_oauth_links_consumer_key_key,
	ADD CONSTRAINT sp_oauth_links_tenant_id_consumer_key_key UNIQUE (tenant_id, consumer_key);

-- A consumer key is mapped at most once per key manager in its tenant. The
-- unique index also serves the lookups by tenant and key alone.
ALTER TABLE store_key_mappings
	DROP CONSTRAINT store_key_mappings_key_manager_consumer_key_key,
	ADD CONSTRAINT store_key_mappings_tenant_id_consumer_key_key_manager_key UNIQUE (tenant_id, consumer_key, key_manager);
DROP INDEX store_key_mappings_tenant_id_consumer_key_idx;
