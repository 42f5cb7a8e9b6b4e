package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/admin"
)

// Field lengths: every value the SOAP services store is at most as long as
// the column Identity Server's own database scripts declare for it (the
// sources are cited on admin.FieldLimits). A value of exactly that length is
// stored; one character more gets the fault Identity Server answers when its
// database refuses the value, and nothing of the request is stored.

// oauthColumn is a column of IDN_OAUTH_CONSUMER_APPS a registration fills.
type oauthColumn struct {
	field string
	// is50 and is7 are the sizes the generations declare: the IS 5.0
	// generation's in the identity tables of API Manager 1.x
	// (wso2/carbon-apimgt, .../sql/h2.sql at
	// 92a4142100db03efddd0ae9ab0e6e00fc6f29c60, lines 9-19, and the
	// smaller MySQL consumer key of wso2/carbon-identity-framework's first
	// mysql.sql at 0d339b547c12765653481c0a1773984dd05b5ce6, line 10), IS
	// 7's in wso2/carbon-identity-framework's h2.sql at
	// f35167f52fb5b0b94adf9127a7322156391e42b1, lines 8-28.
	is50, is7 int
	// value makes a value of n characters.
	value func(n int) string
}

// repeated makes values of one character repeated.
func repeated(c string) func(int) string { return func(n int) string { return strings.Repeat(c, n) } }

// grantList is a list of the grant types password and refresh_token of
// exactly n characters; both generations allow both.
func grantList(n int) string {
	// a passwords and b refresh_tokens with a+b-1 spaces: 9a + 14b = n + 1.
	for b := 0; b*14 <= n+1; b++ {
		if (n+1-14*b)%9 == 0 {
			a := (n + 1 - 14*b) / 9
			return strings.TrimSpace(strings.Repeat("password ", a) + strings.Repeat("refresh_token ", b))
		}
	}
	panic(fmt.Sprintf("no grant list of %d characters", n))
}

// callbackOf is a URL of n characters.
func callbackOf(n int) string {
	const prefix = "https://client.example/"
	return prefix + strings.Repeat("p", n-len(prefix))
}

var oauthColumns = []oauthColumn{
	{"applicationName", 255, 255, repeated("n")},
	{"oauthConsumerKey", 255, 255, repeated("k")},
	{"oauthConsumerSecret", 512, 2048, repeated("s")},
	{"callbackUrl", 1024, 2048, callbackOf},
	{"grantTypes", 1024, 1024, grantList},
	{"OAuthVersion", 128, 128, repeated("v")},
}

// lengthRegisterFields is a registration of short values with the field set
// to value, as name/value pairs for dtoBody.
func lengthRegisterFields(id, field, value string) []string {
	fields := []string{
		"OAuthVersion", "OAuth-2.0", "applicationName", "len app " + id, "callbackUrl", "https://client.example/cb",
		"grantTypes", "password", "oauthConsumerKey", "len-key-" + id, "oauthConsumerSecret", "len-secret-" + id,
	}
	for i := 0; i < len(fields); i += 2 {
		if fields[i] == field {
			fields[i+1] = value
		}
	}
	return fields
}

// fieldOf returns the value of a name/value list.
func fieldOf(fields []string, name string) string {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == name {
			return fields[i+1]
		}
	}
	return ""
}

func TestFieldLengthsRegister(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "bystander", "len-bystander", "bystander-secret")
			for i, c := range oauthColumns {
				limit := c.is7
				if profile == "is-5.0" {
					limit = c.is50
				}
				v := bothVersions[i%2]
				t.Run(c.field+"/"+v.String(), func(t *testing.T) {
					exact := lengthRegisterFields(fmt.Sprintf("%d-%d", i, limit), c.field, c.value(limit))
					r := s.do(t, call{version: v, action: "registerOAuthApplicationData", body: dtoBody("registerOAuthApplicationData", "application", exact...)})
					voidOK(t, profile, r, "registerOAuthApplicationData")
					got := getByKey(t, s, v, fieldOf(exact, "oauthConsumerKey"))
					if value, _ := text(got, c.field); value != c.value(limit) {
						t.Errorf("%d characters: stored %.60q", limit, value)
					}

					over := lengthRegisterFields(fmt.Sprintf("%d-%d", i, limit+1), c.field, c.value(limit+1))
					before := snapshot(t, s)
					r = s.do(t, call{version: v, action: "registerOAuthApplicationData", body: dtoBody("registerOAuthApplicationData", "application", over...)})
					assertServerFault(t, r, v, byProfile(profile, "Error when adding a new OAuth consumer application.",
						"Error when executing SQL to create OAuth app "+fieldOf(over, "applicationName")+"@carbon.super"))
					assertUnchanged(t, s, before)
					assertNotStored(t, s, fieldOf(over, "oauthConsumerKey"))
				})
			}
		})
	}
}

// TestFieldLengthsIssueSizes sends the sizes of the finding: a 5 MB
// callbackUrl is refused and not stored, and the server stays small.
func TestFieldLengthsIssueSizes(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "bystander", "len-bystander", "bystander-secret")
			fields := lengthRegisterFields("5mb", "callbackUrl", callbackOf(5<<20))
			before := snapshot(t, s)
			r := s.do(t, call{action: "registerOAuthApplicationData", body: dtoBody("registerOAuthApplicationData", "application", fields...)})
			assertServerFault(t, r, soap11, byProfile(profile, "Error when adding a new OAuth consumer application.",
				"Error when executing SQL to create OAuth app len app 5mb@carbon.super"))
			assertUnchanged(t, s, before)
			assertNotStored(t, s, "len-key-5mb")
		})
	}
}

func TestFieldLengthsUpdate(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "updated", "len-upd", "upd-secret")
			// CALLBACK_URL is VARCHAR(1024) in the IS 5.0 generation,
			// VARCHAR(2048) in IS 7.
			n := 2048
			if profile == "is-5.0" {
				n = 1024
			}
			update := func(v soapVersion, callback string) *result {
				return s.do(t, call{version: v, action: "updateConsumerApplication", body: dtoBody("updateConsumerApplication", "consumerAppDTO",
					"OAuthVersion", "OAuth-2.0", "applicationName", "updated", "callbackUrl", callback, "grantTypes", "password",
					"oauthConsumerKey", "len-upd", "oauthConsumerSecret", "upd-secret")})
			}
			for _, v := range bothVersions {
				voidOK(t, profile, update(v, callbackOf(n)), "updateConsumerApplication")
				if got, _ := text(getByKey(t, s, v, "len-upd"), "callbackUrl"); got != callbackOf(n) {
					t.Fatalf("a callback of %d characters was not stored: %.60q", n, got)
				}
				before := snapshot(t, s)
				assertServerFault(t, update(v, callbackOf(n+1)), v, "Error when updating OAuth application")
				assertUnchanged(t, s, before)
			}
		})
	}
}

// TestFieldLengthsScopes bounds IDN_OAUTH2_SCOPE.NAME and the claim URIs
// of IDN_CLAIM (IS 7 only: IS 5.0 has no scope operations).
func TestFieldLengthsScopes(t *testing.T) {
	s := startServer(t, "is-next")
	for _, v := range bothVersions {
		ok := strings.Repeat("s", 254) + fmt.Sprint(int(v))
		voidOK(t, "is-next", s.do(t, call{version: v, action: "addScope", body: opBody("addScope", "scope", ok, "claims", "email")}), "addScope")

		long := strings.Repeat("t", 255) + fmt.Sprint(int(v))
		before := snapshot(t, s)
		assertServerFault(t, s.do(t, call{version: v, action: "addScope", body: opBody("addScope", "scope", long, "claims", "email")}), v,
			"Error while inserting OIDC scopes and claims.")
		assertUnchanged(t, s, before)

		claim := "http://wso2.org/claims/" + strings.Repeat("c", 255-len("http://wso2.org/claims/"))
		voidOK(t, "is-next", s.do(t, call{version: v, action: "updateScope", body: opBody("updateScope", "scope", ok, "addClaims", claim)}), "updateScope")
		before = snapshot(t, s)
		assertServerFault(t, s.do(t, call{version: v, action: "updateScope", body: opBody("updateScope", "scope", ok, "addClaims", claim+"x")}), v,
			"Error while updating OIDC claims for the scope: "+ok+" in tenant: -1234")
		assertUnchanged(t, s, before)
	}
}

// assertNoApplication fails when the super tenant has an application of
// that name.
func assertNoApplication(t testing.TB, s *testServer, name string) {
	t.Helper()
	if rec, err := s.DB.FindServiceProviderByName(context.Background(), admin.SuperTenantID, name); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("application %.40q stored: %+v, %v", name, rec, err)
	}
}

// TestFieldLengthsApplications bounds SP_APP.APP_NAME (255) and
// DESCRIPTION (1024), the same in both generations.
func TestFieldLengthsApplications(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			createFault := func(name string) string {
				return byProfile(profile, "Error occurred while creating the application", "Error while creating application: "+name+" for tenant: carbon.super")
			}
			for _, v := range bothVersions {
				name := strings.Repeat("a", 254) + fmt.Sprint(int(v))
				amCreate(t, s, profile, v, name, "")
				long := strings.Repeat("b", 255) + fmt.Sprint(int(v))
				assertServerFault(t, amCall(t, s, v, "createApplication", amCreateBody(long, "")), v, createFault(long))
				assertNoApplication(t, s, long)

				described := fmt.Sprint("described-", int(v))
				id := amCreate(t, s, profile, v, described, strings.Repeat("d", 1024))
				over := fmt.Sprint("overdescribed-", int(v))
				assertServerFault(t, amCall(t, s, v, "createApplication", amCreateBody(over, strings.Repeat("d", 1025))), v, createFault(over))
				assertNoApplication(t, s, over)

				// updateApplication: the description is bounded alike, and
				// a refused update changes nothing.
				before, err := s.DB.FindServiceProviderByName(context.Background(), admin.SuperTenantID, described)
				if err != nil {
					t.Fatal(err)
				}
				body := fmt.Sprintf(`<m:applicationID>%d</m:applicationID><m:applicationName>%s</m:applicationName><m:description>%s</m:description>`+
					`<m:localAndOutBoundAuthenticationConfig><m:authenticationType>default</m:authenticationType></m:localAndOutBoundAuthenticationConfig><m:permissionAndRoleConfig/>`,
					id, described, strings.Repeat("e", 1025))
				assertServerFault(t, amCall(t, s, v, "updateApplication", `<xsd:updateApplication>`+amSP(body)+`</xsd:updateApplication>`), v,
					byProfile(profile, "Error occurred while updating the application", "Error while updating application: "+described+" for tenant: carbon.super"))
				after, err := s.DB.FindServiceProviderByName(context.Background(), admin.SuperTenantID, described)
				if err != nil || after.Description != before.Description || string(after.Document) != string(before.Document) {
					t.Errorf("the refused update changed the application: %v", err)
				}
			}
		})
	}
}

// TestFieldLengthsTemplates bounds SP_TEMPLATE.NAME (255); templates exist
// in IS 7 only.
func TestFieldLengthsTemplates(t *testing.T) {
	s := startServer(t, "is-next")
	content := `&lt;ServiceProvider&gt;&lt;Description&gt;t&lt;/Description&gt;&lt;/ServiceProvider&gt;`
	create := func(v soapVersion, name string) *result {
		return amCall(t, s, v, "createApplicationTemplate", `<xsd:createApplicationTemplate><xsd:spTemplate xmlns:m="`+modelNS+`"><m:content>`+
			content+`</m:content><m:name>`+name+`</m:name></xsd:spTemplate></xsd:createApplicationTemplate>`)
	}
	exists := func(v soapVersion, name string) bool {
		r := amCall(t, s, v, "isExistingApplicationTemplate", amOp("isExistingApplicationTemplate", "templateName", name))
		got, _ := text(r.ok(t), "return")
		return got == "true"
	}
	for _, v := range bothVersions {
		name := strings.Repeat("n", 254) + fmt.Sprint(int(v))
		voidOK(t, "is-next", create(v, name), "createApplicationTemplate")
		if !exists(v, name) {
			t.Errorf("a template name of 255 characters was not stored")
		}
		long := strings.Repeat("o", 255) + fmt.Sprint(int(v))
		assertServerFault(t, create(v, long), v, "Server error occurred.")
		if exists(v, long) {
			t.Errorf("a template name of 256 characters was stored")
		}
	}
}

// TestFieldLengthsStoreProvisioning: a callback the key manager's column
// cannot hold is refused by the resident key manager when the store
// generates keys, and no key mapping is made.
func TestFieldLengthsStoreProvisioning(t *testing.T) {
	s := startStore(t, "is-next")
	app := createApp(t, s, "", "LongCallback")
	r := s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/generate-keys",
		body: map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"authorization_code"}, "callbackUrl": callbackOf(2049)}})
	r.wantError(t, http.StatusBadRequest, "Error when executing SQL to create OAuth app admin_LongCallback_PRODUCTION@carbon.super")
	if keys := oauthKeys(t, s, "", app.ApplicationID); len(keys) != 0 {
		t.Errorf("keys were mapped: %+v", keys)
	}
	s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/generate-keys",
		body: map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []string{"authorization_code"}, "callbackUrl": callbackOf(2048)}}).
		want(t, http.StatusOK, nil)
}
