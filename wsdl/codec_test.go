package wsdl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

func loadOp(t testing.TB, profile, op string) *wsdl.Operation {
	t.Helper()
	p, err := wsdl.Load(profile)
	if err != nil {
		t.Fatal(err)
	}
	o := p.Service("OAuthAdminService").Operation(op)
	if o == nil {
		t.Fatalf("%s has no %s", profile, op)
	}
	return o
}

// decodeRequest reads a request wrapper the way the SOAP engine does.
func decodeRequest(t *testing.T, op *wsdl.Operation, xml string) (wsdl.Struct, error) {
	t.Helper()
	d := wsdl.NewDecoder(strings.NewReader(xml), 0)
	if _, ok, err := d.NextElement(); err != nil || !ok {
		return nil, err
	}
	v := op.Binding.NewRequest()
	return v, d.DecodeStruct(op.Input, v)
}

func TestDecodeLeniently(t *testing.T) {
	op := loadOp(t, "is-next", "registerOAuthApplicationData")
	v, err := decodeRequest(t, op, `<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><application>
		<unknown><deep>ignored</deep></unknown>
		<x:applicationName xmlns:x="urn:any">first</x:applicationName>
		<applicationName>second</applicationName>
		<callbackUrl xsi:nil="1"/>
		<grantTypes xsi:nil="true">ignored</grantTypes>
		<pkceMandatory> true </pkceMandatory>
		<audiences>a</audiences><audiences xsi:nil="true"/><audiences>b</audiences>
		<userAccessTokenExpiryTime>120</userAccessTokenExpiryTime>
		<issuerDetails><issuer>iss</issuer></issuerDetails>
		<backChannelLogoutUrl/>
		</application></r>`)
	if err != nil {
		t.Fatal(err)
	}
	app := v.(*wsdl.RegisterOAuthApplicationDataRequest).Application
	switch {
	case app == nil:
		t.Fatal("no application")
	case app.ApplicationName == nil || *app.ApplicationName != "first":
		t.Errorf("the first occurrence wins, any namespace: %v", app.ApplicationName)
	case app.CallbackUrl != nil || app.GrantTypes != nil:
		t.Errorf("xsi:nil 1 and true read as null")
	case !app.PkceMandatory:
		t.Errorf("boolean with spaces")
	case strings.Join(app.Audiences, ",") != "a,b":
		t.Errorf("audiences = %v", app.Audiences)
	case app.UserAccessTokenExpiryTime != 120:
		t.Errorf("long = %d", app.UserAccessTokenExpiryTime)
	case app.IssuerDetails == nil || app.IssuerDetails.Issuer == nil || *app.IssuerDetails.Issuer != "iss":
		t.Errorf("nested struct: %+v", app.IssuerDetails)
	case app.BackChannelLogoutUrl == nil || *app.BackChannelLogoutUrl != "":
		t.Errorf("an empty element is the empty string")
	}
}

func TestDecodeProfileFieldsOnly(t *testing.T) {
	// is-5.0's DTO has no pkceMandatory: an IS 5.0 server ignores it.
	op := loadOp(t, "is-5.0", "registerOAuthApplicationData")
	v, err := decodeRequest(t, op, `<r><application><applicationName>a</applicationName><pkceMandatory>true</pkceMandatory></application></r>`)
	if err != nil {
		t.Fatal(err)
	}
	if app := v.(*wsdl.RegisterOAuthApplicationDataRequest).Application; app.PkceMandatory {
		t.Error("a field outside the profile was read")
	}
}

func TestDecodeRefuses(t *testing.T) {
	op := loadOp(t, "is-next", "registerOAuthApplicationData")
	cases := map[string]string{
		"doctype":        `<!DOCTYPE r [<!ENTITY x "y">]><r/>`,
		"entity":         `<r><application><applicationName>&x;</applicationName></application></r>`,
		"pi":             `<r><?pi x?></r>`,
		"depth":          strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200),
		"bad boolean":    `<r><application><pkceMandatory>yes</pkceMandatory></application></r>`,
		"bad long":       `<r><application><userAccessTokenExpiryTime>soon</userAccessTokenExpiryTime></application></r>`,
		"invalid utf8":   "<r><application><applicationName>\xff\xfe</applicationName></application></r>",
		"latin1":         `<?xml version="1.0" encoding="ISO-8859-1"?><r/>`,
		"unclosed":       `<r><application>`,
		"mismatched end": `<r><application></r>`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decodeRequest(t, op, doc)
			var ie *wsdl.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %v", err)
			}
		})
	}
}

func TestEncodeResponse(t *testing.T) {
	get := loadOp(t, "is-5.0", "getOAuthApplicationData")
	name, secret := "a<b&c>\r", "s"
	e := wsdl.NewEncoder(nil)
	e.Response(get, &wsdl.GetOAuthApplicationDataResponse{Return: &wsdl.OAuthConsumerAppDTO{
		ApplicationName: &name, OauthConsumerSecret: &secret, PkceMandatory: true, // not in is-5.0
	}})
	got := string(e.Bytes())
	for _, want := range []string{
		`<ns:getOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd"`,
		`xsi:type="ax2331:OAuthConsumerAppDTO">`,
		`:OAuthVersion xsi:nil="true"/>`,
		`:applicationName>a&lt;b&amp;c&gt;&#xD;</`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("response lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "pkceMandatory") {
		t.Errorf("a field outside the profile was written:\n%s", got)
	}

	void := loadOp(t, "is-next", "registerOAuthApplicationData")
	e.Reset()
	e.Response(void, nil)
	if want := `<ns:registerOAuthApplicationDataResponse xmlns:ns="http://org.apache.axis2/xsd"><ns:return xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/></ns:registerOAuthApplicationDataResponse>`; string(e.Bytes()) != want {
		t.Errorf("void response:\n%s\nwant\n%s", e.Bytes(), want)
	}

	list := loadOp(t, "is-next", "getAllowedGrantTypes")
	e.Reset()
	e.Response(list, &wsdl.GetAllowedGrantTypesResponse{Return: []string{"a", "b"}})
	if got := string(e.Bytes()); strings.Count(got, "<ns:return>") != 2 {
		t.Errorf("arrays are repeated elements:\n%s", got)
	}
	e.Reset()
	e.Response(list, &wsdl.GetAllowedGrantTypesResponse{Return: []string{}})
	if got := string(e.Bytes()); strings.Contains(got, "return") {
		t.Errorf("an empty array has no element:\n%s", got)
	}
}
