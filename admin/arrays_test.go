package admin

import (
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// TestUpstreamArrays: answers hold empty arrays (no element on the wire)
// where upstream's models start them empty and null ones (xsi:nil) where
// upstream leaves them null: see nullArrays. The captured IS 5.8/5.9
// getOAuthApplicationDataByAppName answer has neither audiences nor
// scopeValidators although its WSDL declares both (OAuthAppDO.audiences =
// new String[0]; the DAO always sets scopeValidators), and the captured
// getApplication answer has a nil provisionByRoleList but none of the
// other arrays.
func TestUpstreamArrays(t *testing.T) {
	dto := &wsdl.OAuthConsumerAppDTO{}
	withUpstreamArrays(dto)
	if dto.Audiences == nil || dto.ScopeValidators == nil {
		t.Errorf("audiences %#v, scopeValidators %#v: want empty", dto.Audiences, dto.ScopeValidators)
	}
	if dto.AccessTokenClaims != nil {
		t.Errorf("accessTokenClaims %#v: want null", dto.AccessTokenClaims)
	}

	sp := &wsdl.ServiceProvider{
		ClaimConfig:                &wsdl.ClaimConfig{},
		OutboundProvisioningConfig: &wsdl.OutboundProvisioningConfig{},
		AssociatedRolesConfig:      &wsdl.AssociatedRolesConfig{},
		LocalAndOutBoundAuthenticationConfig: &wsdl.LocalAndOutboundAuthenticationConfig{
			AuthenticationSteps: []*wsdl.AuthenticationStep{{LocalAuthenticatorConfigs: []*wsdl.LocalAuthenticatorConfig{{}}}},
		},
	}
	withUpstreamArrays(sp)
	for name, empty := range map[string]bool{
		"requestPathAuthenticatorConfigs":      sp.RequestPathAuthenticatorConfigs != nil,
		"claimMappings":                        sp.ClaimConfig.ClaimMappings != nil,
		"spClaimDialects":                      sp.ClaimConfig.SpClaimDialects != nil,
		"provisioningIdentityProviders":        sp.OutboundProvisioningConfig.ProvisioningIdentityProviders != nil,
		"roles":                                sp.AssociatedRolesConfig.Roles != nil,
		"federatedIdentityProviders":           sp.LocalAndOutBoundAuthenticationConfig.AuthenticationSteps[0].FederatedIdentityProviders != nil,
		"localAuthenticatorConfigs.properties": sp.LocalAndOutBoundAuthenticationConfig.AuthenticationSteps[0].LocalAuthenticatorConfigs[0].Properties != nil,
	} {
		if !empty {
			t.Errorf("%s is null, want empty", name)
		}
	}
	if sp.OutboundProvisioningConfig.ProvisionByRoleList != nil {
		t.Error("provisionByRoleList is not null")
	}
	if sp.LocalAndOutBoundAuthenticationConfig.AuthenticationSteps[0].LocalAuthenticatorConfigs[0].Tags != nil {
		t.Error("tags is not null")
	}
}
