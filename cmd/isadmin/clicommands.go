package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// The client and sp command groups: the OAuth clients and service
// providers of a tenant, on the configured database.

// tenantID resolves the tenant a command names.
func (c *cliCall) tenantID(ctx context.Context) (int64, error) {
	t, err := c.db.FindTenantByDomain(ctx, c.tenant)
	if err != nil {
		return 0, admin.Errorf("tenant.not-found", "tenant %s does not exist", c.tenant)
	}
	return t.ID, nil
}

func clientGroups() []*cliGroup {
	return []*cliGroup{
		{name: "client", summary: "Manage the OAuth clients of a tenant.", commands: []*cliCommand{
			{name: "list", summary: "list the tenant's OAuth clients: KEY, NAME, OWNER, STATE, GRANT TYPES", min: 0, max: 0, tenant: true, secretKey: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					apps, err := c.db.ListTenantOAuthApps(ctx, id)
					if err != nil {
						return err
					}
					for _, a := range apps {
						fmt.Fprintf(c.out, "%s\t%s\t%s\t%s\t%s\n", a.ConsumerKey, a.Name, a.Owner, a.State, a.GrantTypes)
					}
					return nil
				}},
			{name: "get", args: "KEY", summary: "show an OAuth client, its secret included", min: 1, max: 1, tenant: true, secretKey: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					a, err := c.db.FindOAuthAppByKey(ctx, id, c.args[0])
					if err != nil {
						return admin.Errorf("client.not-found", "tenant %s has no OAuth client %s", c.tenant, c.args[0])
					}
					for _, kv := range [][2]string{{"key", a.ConsumerKey}, {"secret", a.ConsumerSecret}, {"name", a.Name}, {"owner", a.Owner + "@" + c.tenant},
						{"state", a.State}, {"grant types", a.GrantTypes}, {"callback", a.CallbackURL}, {"oauth version", a.OAuthVersion}} {
						fmt.Fprintf(c.out, "%s\t%s\n", kv[0], kv[1])
					}
					return nil
				}},
			{name: "create", args: "NAME [GRANT_TYPE ...]", summary: "register an OAuth client owned by the tenant's admin (--admin-user) with a generated key and secret, and print them; grant types client_credentials by default", min: 1, max: -1, tenant: true, secretKey: true, adminUser: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					profile, err := wsdl.Load(wsdl.DefaultProfile)
					if err != nil {
						return err
					}
					config, err := oauthConfig(profile)
					if err != nil {
						return err
					}
					grants := "client_credentials"
					if len(c.args) > 1 {
						grants = strings.Join(c.args[1:], " ")
					}
					oauth := &admin.OAuthAdmin{Store: c.db, Config: config}
					p := admin.Principal{TenantID: id, TenantDomain: c.tenant, Username: c.adminUser}
					dto, err := oauth.RegisterAndRetrieveOAuthApplicationData(admin.WithPrincipal(ctx, p), &wsdl.OAuthConsumerAppDTO{
						ApplicationName: &c.args[0], GrantTypes: &grants, OAuthVersion: ptrTo("OAuth-2.0")})
					if err != nil {
						return err
					}
					fmt.Fprintf(c.out, "key\t%s\nsecret\t%s\n", deref(dto.OauthConsumerKey), deref(dto.OauthConsumerSecret))
					return nil
				}},
			{name: "delete", args: "KEY", summary: "delete an OAuth client and its tokens", min: 1, max: 1, tenant: true, secretKey: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					if err := c.db.DeleteOAuthApp(ctx, id, c.args[0]); err != nil {
						return admin.Errorf("client.not-found", "tenant %s has no OAuth client %s", c.tenant, c.args[0])
					}
					return nil
				}},
		}},
		{name: "sp", summary: "Manage the service providers (applications) of a tenant.", commands: []*cliCommand{
			{name: "list", summary: "list the tenant's service providers: ID, NAME, OWNER, DESCRIPTION", min: 0, max: 0, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					sps, _, err := c.db.ListServiceProviders(ctx, id, "", 0, 0)
					if err != nil {
						return err
					}
					for _, sp := range sps {
						fmt.Fprintf(c.out, "%d\t%s\t%s\t%s\n", sp.ID, sp.Name, sp.Owner, sp.Description)
					}
					return nil
				}},
			{name: "get", args: "NAME", summary: "show a service provider and the OAuth clients it links", min: 1, max: 1, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					sp, err := c.db.FindServiceProviderByName(ctx, id, c.args[0])
					if err != nil {
						return admin.Errorf("sp.not-found", "tenant %s has no service provider %s", c.tenant, c.args[0])
					}
					fmt.Fprintf(c.out, "id\t%d\nname\t%s\nuuid\t%s\nowner\t%s\ndescription\t%s\noauth clients\t%s\n",
						sp.ID, sp.Name, sp.UUID, sp.Owner, sp.Description, strings.Join(sp.OAuthKeys, " "))
					return nil
				}},
			{name: "delete", args: "NAME", summary: "delete a service provider; the OAuth clients it links stay", min: 1, max: 1, tenant: true,
				run: func(ctx context.Context, c *cliCall) error {
					id, err := c.tenantID(ctx)
					if err != nil {
						return err
					}
					sp, err := c.db.FindServiceProviderByName(ctx, id, c.args[0])
					if err != nil {
						return admin.Errorf("sp.not-found", "tenant %s has no service provider %s", c.tenant, c.args[0])
					}
					return c.db.DeleteServiceProvider(ctx, id, sp.ID)
				}},
		}},
	}
}

func ptrTo[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
