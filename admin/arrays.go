package admin

import "reflect"

// Upstream's model classes start nearly every array empty (new X[0]) and
// its DAOs replace them with arrays, never with null; Axis2 answers an
// empty array with no element and a null one with xsi:nil. These stay
// null, as upstream leaves them (sources in each comment).
var nullArrays = map[string]bool{
	// carbon-identity-framework OutboundProvisioningConfig: no
	// initializer, never set on read (captured answer
	// envelopes/app-mgt/06-getApplication.resp.soap11.xml).
	"OutboundProvisioningConfig.ProvisionByRoleList": true,
	// carbon-identity-framework IdentityProvider.idPGroupConfig: no
	// initializer, a plain getter.
	"IdentityProvider.IdPGroupConfig": true,
	// carbon-identity-framework LocalAuthenticatorConfig.tags: no
	// initializer; ApplicationDAOImpl builds a step's authenticators with
	// a name and a display name only.
	"LocalAuthenticatorConfig.Tags": true,
	// identity-inbound-auth-oauth OAuthConsumerAppDTO and OAuthAppDO: no
	// initializer, and nothing sets it when a client is read.
	"OAuthConsumerAppDTO.AccessTokenClaims": true,
}

// withUpstreamArrays gives every null array in the tree v points to the
// empty value upstream holds there, except those upstream leaves null.
func withUpstreamArrays(v any) {
	fillArrays(reflect.ValueOf(v))
}

func fillArrays(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillArrays(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			fillArrays(v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := v.Field(i)
			if !t.Field(i).IsExported() {
				continue
			}
			if f.Kind() == reflect.Slice && f.IsNil() {
				if !nullArrays[t.Name()+"."+t.Field(i).Name] {
					f.Set(reflect.MakeSlice(f.Type(), 0, 0))
				}
				continue
			}
			fillArrays(f)
		}
	}
}
