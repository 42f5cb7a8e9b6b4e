// Package tokens issues, introspects and revokes OAuth 2.0 access tokens
// for the OAuth clients the admin services keep, answering on the wire as
// the Identity Server release of the wire profile does: POST /oauth2/token
// (client_credentials, password and refresh_token grants), POST
// /oauth2/introspect (RFC 7662) and POST /oauth2/revoke (RFC 7009).
//
// Token state lives in the database beside the clients, so that what the
// SOAP operations do to a client (revoking it, a new secret, removing it)
// reaches its tokens in the same transaction.
package tokens

import (
	"context"

	"github.com/isadmin/isadmin/admin"
)

// Clients finds the OAuth clients tokens are issued to; *schema.DB
// implements it.
type Clients interface {
	FindOAuthAppByKey(ctx context.Context, tenantID int64, consumerKey string) (*admin.OAuthApp, error)
	FindTenantByDomain(ctx context.Context, domain string) (*admin.Tenant, error)
}

// Users authenticates the resource owners of the password grant and the
// callers of introspection; *admin.Identity implements it.
type Users interface {
	Authenticate(ctx context.Context, qualifiedUser, password string) (admin.Principal, error)
	Authorize(ctx context.Context, p admin.Principal, anyOf []string) error
}
