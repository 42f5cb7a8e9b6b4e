-- Listings cost the size of their answer, not of the tenant.
-- getAllOAuthApplicationData lists one owner's clients by name: without an
-- index led by the owner (the unique one is partial, WHERE name <> '', which
-- a query without that condition cannot use), it walked every client of
-- the tenant in name order.
CREATE INDEX oauth_apps_tenant_id_owner_name_id_idx ON oauth_apps (tenant_id, owner, name, id);

-- A user's tokens are found by the user name without regard to case
-- (getAppsAuthorizedByUser, revokeAuthzForAppsByResoureOwner, a deleted
-- user's tokens): the index must hold the same expression.
DROP INDEX oauth_tokens_authz_user_idx;
CREATE INDEX oauth_tokens_lower_authz_user_idx ON oauth_tokens (lower(authz_user), state);
