package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// TestRemoteClient drives a server through the generated client over SOAP
// 1.1 and 1.2 in both profiles: what a remote key manager does.
func TestRemoteClient(t *testing.T) {
	for _, profile := range profiles {
		for _, v := range []soap.Version{soap.V11, soap.V12} {
			s := startServer(t, profile)
			p, err := wsdl.Load(profile)
			if err != nil {
				t.Fatal(err)
			}
			c := &wsdl.OAuthAdminServiceClient{Caller: &soap.Client{URL: s.HTTPSURL, Profile: p, Version: v, Username: "admin", Password: "admin", HTTP: s.Client}}
			ctx := context.Background()
			name, key, secret, grants := "remote", "remote-key", "remote-secret", "client_credentials"
			if err := c.RegisterOAuthApplicationData(ctx, &wsdl.OAuthConsumerAppDTO{ApplicationName: &name, OauthConsumerKey: &key, OauthConsumerSecret: &secret, GrantTypes: &grants}); err != nil {
				t.Fatalf("%s/%d register: %v", profile, v, err)
			}
			got, err := c.GetOAuthApplicationData(ctx, key)
			if err != nil || got == nil || got.OauthConsumerSecret == nil || *got.OauthConsumerSecret != secret || *got.GrantTypes != grants {
				t.Fatalf("%s/%d get: %+v %v", profile, v, got, err)
			}
			grantsList, err := c.GetAllowedGrantTypes(ctx)
			if err != nil || len(grantsList) < 5 {
				t.Errorf("grant types: %v %v", grantsList, err)
			}
			if err := c.RemoveOAuthApplicationData(ctx, key); err != nil {
				t.Fatalf("remove: %v", err)
			}
			_, err = c.GetOAuthApplicationData(ctx, key)
			var rf *soap.RemoteFault
			if !errors.As(err, &rf) || !strings.Contains(rf.Reason, key) || rf.Status != 500 {
				t.Errorf("%s/%d get after remove: %v", profile, v, err)
			}
			if profile == "is-5.0" {
				if _, err := c.GetOauthApplicationState(ctx, key); err == nil || !strings.Contains(err.Error(), "no operation") {
					t.Errorf("is-5.0 has no getOauthApplicationState: %v", err)
				}
			}
			bad := &wsdl.OAuthAdminServiceClient{Caller: &soap.Client{URL: s.URL, Profile: p, Version: v, Username: "admin", Password: "wrong"}}
			if _, err := bad.GetAllOAuthApplicationData(ctx); !errors.As(err, &rf) || !strings.HasSuffix(rf.Code, "50977") {
				t.Errorf("wrong password: %v", err)
			}
		}
	}
}
