package wsdl_test

import (
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/wsdl"
)

const (
	xsiNS  = `http://www.w3.org/2001/XMLSchema-instance`
	oauth7 = ` xmlns:ax2402="http://oauth.identity.carbon.wso2.org/xsd" xmlns:ax2403="http://base.identity.carbon.wso2.org/xsd" xmlns:ax2406="http://dto.oauth.identity.carbon.wso2.org/xsd"`
)

// TestAnswerShapes pins the bytes of each shape of answer, as Axis2's
// RPCMessageReceiver builds it and Axiom writes it (the rules are in
// wsdl.typeBuilder.answerDecls; the declaration order in TestNamespaceOrder):
// a bean return declares the service's type namespaces and xsi on itself
// (capture oauth-admin/getOAuthApplicationDataByAppName.response...is-5.0-era),
// an array return on the wrapper, every item xsi (capture
// oauth-admin/getAllOAuthApplicationData.response...is-5.7-era); an empty
// array leaves a wrapper without content, written as an empty-element tag
// (apache RPCUtil.getResponseElement / BeanUtil.getOMElement add no item for
// an empty array); a null array, a null value and void are Axis2's null
// return (RPCUtil.processNullReturns, captures app-mgt/02 and 09); a simple
// value is bare (capture app-mgt/04); a bean whose properties are all empty
// arrays is an empty-element tag (capture app-mgt/06,
// inboundAuthenticationConfig).
func TestAnswerShapes(t *testing.T) {
	p5, err := wsdl.Load("is-5.0")
	if err != nil {
		t.Fatal(err)
	}
	p7, err := wsdl.Load("is-next")
	if err != nil {
		t.Fatal(err)
	}
	oauth := func(p *wsdl.Profile, op string) *wsdl.Operation {
		return p.Service("OAuthAdminService").Operation(op)
	}
	str := func(s string) *string { return &s }
	app := &wsdl.OAuthConsumerAppDTO{OAuthVersion: str("OAuth-2.0"), ApplicationName: str("a"), OauthConsumerKey: str("k"), OauthConsumerSecret: str("s")}
	const app5 = `<ax2331:OAuthVersion>OAuth-2.0</ax2331:OAuthVersion><ax2331:applicationName>a</ax2331:applicationName><ax2331:callbackUrl xsi:nil="true"/><ax2331:grantTypes xsi:nil="true"/><ax2331:oauthConsumerKey>k</ax2331:oauthConsumerKey><ax2331:oauthConsumerSecret>s</ax2331:oauthConsumerSecret><ax2331:username xsi:nil="true"/>`
	nilReturn := func(op string) string {
		return `<ns:` + op + `Response xmlns:ns="http://org.apache.axis2/xsd"><ns:return xmlns:xsi="` + xsiNS + `" xsi:nil="true"/></ns:` + op + `Response>`
	}
	for _, c := range []struct {
		name string
		op   *wsdl.Operation
		resp wsdl.Struct
		want string
	}{
		{"bean (IS 5.0, Java 7 order)", oauth(p5, "getOAuthApplicationData"), &wsdl.GetOAuthApplicationDataResponse{Return: app},
			`<ns:getOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd"><ns:return xmlns:ax2331="http://dto.oauth.identity.carbon.wso2.org/xsd" xmlns:ax2334="http://base.identity.carbon.wso2.org/xsd" xmlns:xsi="` + xsiNS + `" xmlns:ax2333="http://oauth.identity.carbon.wso2.org/xsd" xsi:type="ax2331:OAuthConsumerAppDTO">` +
				app5 + `</ns:return></ns:getOAuthApplicationDataResponse>`},
		{"null bean", oauth(p5, "getOAuthApplicationData"), &wsdl.GetOAuthApplicationDataResponse{}, nilReturn("getOAuthApplicationData")},
		{"array (IS 5.0)", oauth(p5, "getAllOAuthApplicationData"), &wsdl.GetAllOAuthApplicationDataResponse{Return: []*wsdl.OAuthConsumerAppDTO{app, app}},
			`<ns:getAllOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd" xmlns:ax2331="http://dto.oauth.identity.carbon.wso2.org/xsd" xmlns:ax2334="http://base.identity.carbon.wso2.org/xsd" xmlns:ax2333="http://oauth.identity.carbon.wso2.org/xsd">` +
				`<ns:return xmlns:xsi="` + xsiNS + `" xsi:type="ax2331:OAuthConsumerAppDTO">` + app5 + `</ns:return>` +
				`<ns:return xmlns:xsi="` + xsiNS + `" xsi:type="ax2331:OAuthConsumerAppDTO">` + app5 + `</ns:return></ns:getAllOAuthApplicationDataResponse>`},
		{"empty array (IS 7, Java 8 order)", oauth(p7, "getAllOAuthApplicationData"), &wsdl.GetAllOAuthApplicationDataResponse{Return: []*wsdl.OAuthConsumerAppDTO{}},
			`<ns:getAllOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd"` + oauth7 + `/>`},
		{"null array", oauth(p7, "getAllOAuthApplicationData"), &wsdl.GetAllOAuthApplicationDataResponse{}, nilReturn("getAllOAuthApplicationData")},
		{"null simple array", oauth(p7, "getAllowedGrantTypes"), &wsdl.GetAllowedGrantTypesResponse{}, nilReturn("getAllowedGrantTypes")},
		{"simple array", oauth(p7, "getAllowedGrantTypes"), &wsdl.GetAllowedGrantTypesResponse{Return: []string{"password", "refresh_token"}},
			`<ns:getAllowedGrantTypesResponse xmlns:ns="http://org.apache.axis2/xsd"` + oauth7 + `><ns:return>password</ns:return><ns:return>refresh_token</ns:return></ns:getAllowedGrantTypesResponse>`},
		{"void", oauth(p7, "removeOAuthApplicationData"), nil, nilReturn("removeOAuthApplicationData")},
		{"simple value", p5.Service("IdentityApplicationManagementService").Operation("createApplication"), &wsdl.CreateApplicationResponse{Return: 16},
			`<ns:createApplicationResponse xmlns:ns="http://org.apache.axis2/xsd"><ns:return>16</ns:return></ns:createApplicationResponse>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := wsdl.NewEncoder(nil)
			e.Response(c.op, c.resp)
			if got := string(e.Bytes()); got != c.want {
				t.Errorf("answer\n%s\nwant\n%s", got, c.want)
			}
		})
	}

	// A streamed empty list is an empty-element tag too.
	op := oauth(p7, "getAllOAuthApplicationData")
	e := wsdl.NewEncoder(nil)
	e.ResponseStart(op)
	e.ResponseEnd(op)
	if got, want := string(e.Bytes()), `<ns:getAllOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd"`+oauth7+`/>`; got != want {
		t.Errorf("streamed empty list\n%s\nwant\n%s", got, want)
	}

	// Nested beans declare nothing; one whose arrays are all empty is an
	// empty-element tag, and a null array one nil element.
	get := p5.Service("IdentityApplicationManagementService").Operation("getApplication")
	e = wsdl.NewEncoder(nil)
	e.Response(get, &wsdl.GetApplicationResponse{Return: &wsdl.ServiceProvider{
		ApplicationID:                   2,
		InboundAuthenticationConfig:     &wsdl.InboundAuthenticationConfig{InboundAuthenticationRequestConfigs: []*wsdl.InboundAuthenticationRequestConfig{}},
		OutboundProvisioningConfig:      &wsdl.OutboundProvisioningConfig{ProvisioningIdentityProviders: []*wsdl.IdentityProvider{}},
		RequestPathAuthenticatorConfigs: []*wsdl.RequestPathAuthenticatorConfig{},
	}})
	for _, want := range []string{
		`<ax2116:inboundAuthenticationConfig xsi:type="ax2116:InboundAuthenticationConfig"/>`,
		`<ax2116:outboundProvisioningConfig xsi:type="ax2116:OutboundProvisioningConfig"><ax2116:provisionByRoleList xsi:nil="true"/></ax2116:outboundProvisioningConfig>`,
	} {
		if got := string(e.Bytes()); !strings.Contains(got, want) {
			t.Errorf("getApplication answer lacks\n%s\nin\n%s", want, got)
		}
	}
	if got := string(e.Bytes()); strings.Contains(got, "requestPathAuthenticatorConfigs") {
		t.Errorf("an empty array was written:\n%s", got)
	}
}

// TestDocument20: every service of every profile has a well-formed WSDL
// 2.0 document with its operations and its three HTTPS endpoints, in the
// shape of Axis2's AxisService2WSDL20 (interface ServiceInterface, the
// SOAP 1.1, SOAP 1.2 and HTTP bindings).
func TestDocument20(t *testing.T) {
	for _, name := range wsdl.Names() {
		p, err := wsdl.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range []string{"OAuthAdminService", "IdentityApplicationManagementService", "AuthenticationAdmin"} {
			s := p.Service(svc)
			if s == nil {
				continue
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(s.Document20()); err != nil {
				t.Fatalf("%s %s: %v", name, svc, err)
			}
			root := doc.Root()
			if root.Tag != "description" || root.NamespaceURI() != "http://www.w3.org/ns/wsdl" || root.SelectAttrValue("targetNamespace", "") != s.TargetNamespace {
				t.Errorf("%s %s: root %s {%s}", name, svc, root.Tag, root.NamespaceURI())
			}
			if n := len(doc.FindElements("/description/interface[@name='ServiceInterface']/operation")); n != len(s.Operations) {
				t.Errorf("%s %s: %d interface operations, want %d", name, svc, n, len(s.Operations))
			}
			if n := len(doc.FindElements("/description/binding")); n != 3 {
				t.Errorf("%s %s: %d bindings", name, svc, n)
			}
			for _, e := range doc.FindElements("/description/service/endpoint") {
				if !strings.HasPrefix(e.SelectAttrValue("address", ""), wsdl.DefaultAddress+"/services/"+svc+".") {
					t.Errorf("%s %s: endpoint address %q", name, svc, e.SelectAttrValue("address", ""))
				}
			}
		}
	}
}
