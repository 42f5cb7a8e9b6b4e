package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/admin"
)

// Upstream error paths: each answers the active profile's exact text as a
// soapenv:Server fault with an empty detail and HTTP 500, and changes
// nothing in the database.

// dtoBody is an operation wrapper holding one OAuthConsumerAppDTO parameter
// with the given name/value fields.
func dtoBody(op, param string, fields ...string) string {
	var b strings.Builder
	b.WriteString(`<xsd:` + op + `><xsd:` + param + `>`)
	for i := 0; i+1 < len(fields); i += 2 {
		fmt.Fprintf(&b, `<dto:%s>%s</dto:%s>`, fields[i], fields[i+1], fields[i])
	}
	b.WriteString(`</xsd:` + param + `></xsd:` + op + `>`)
	return b.String()
}

// opBody is an operation wrapper with string parameters given as
// name/value pairs.
func opBody(op string, params ...string) string {
	var b strings.Builder
	b.WriteString(`<xsd:` + op + `>`)
	for i := 0; i+1 < len(params); i += 2 {
		fmt.Fprintf(&b, `<xsd:%s>%s</xsd:%s>`, params[i], params[i+1], params[i])
	}
	b.WriteString(`</xsd:` + op + `>`)
	return b.String()
}

// registerApp registers a client with a supplied key and secret and checks
// that it is stored.
func registerApp(t *testing.T, s *testServer, v soapVersion, name, key, secret string) {
	t.Helper()
	r := s.do(t, call{version: v, action: "registerOAuthApplicationData", body: dtoBody("registerOAuthApplicationData", "application",
		"OAuthVersion", "OAuth-2.0", "applicationName", name, "grantTypes", "client_credentials",
		"oauthConsumerKey", key, "oauthConsumerSecret", secret)})
	if r.Status != http.StatusOK && r.Status != http.StatusAccepted {
		t.Fatalf("registering %s: HTTP %d:\n%s", key, r.Status, r.Body)
	}
	assertStored(t, s, key)
}

// dbState is what the database holds for the admin user of the super
// tenant.
type dbState struct {
	Apps   []*admin.OAuthApp
	Scopes []*admin.Scope
}

func snapshot(t testing.TB, s *testServer) dbState {
	t.Helper()
	ctx := context.Background()
	apps, err := s.DB.ListOAuthApps(ctx, admin.SuperTenantID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	scopes, err := s.DB.ListScopes(ctx, admin.SuperTenantID)
	if err != nil {
		t.Fatal(err)
	}
	return dbState{Apps: apps, Scopes: scopes}
}

func (d dbState) String() string {
	var b strings.Builder
	for _, a := range d.Apps {
		fmt.Fprintf(&b, "app %d %q key=%q secret=%q cb=%q grants=%q state=%q updated=%s settings=%s\n",
			a.ID, a.Name, a.ConsumerKey, a.ConsumerSecret, a.CallbackURL, a.GrantTypes, a.State, a.UpdatedAt, a.Settings)
	}
	for _, sc := range d.Scopes {
		fmt.Fprintf(&b, "scope %q %v\n", sc.Name, sc.Claims)
	}
	return b.String()
}

func assertUnchanged(t testing.TB, s *testServer, before dbState) {
	t.Helper()
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("database changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// faultDetail returns the detail element of a fault response.
func faultDetail(t testing.TB, r *result) *etree.Element {
	t.Helper()
	f := r.payload(t)
	if d := f.SelectElement("detail"); d != nil {
		return d
	}
	if d := f.SelectElement("Detail"); d != nil {
		return d
	}
	t.Fatalf("fault has no detail element:\n%s", r.Body)
	return nil
}

// assertServerFault checks a domain fault: the exact text, soapenv:Server
// (Receiver), HTTP 500 and an empty detail.
func assertServerFault(t testing.TB, r *result, v soapVersion, want string) {
	t.Helper()
	if r.Status != http.StatusInternalServerError {
		t.Errorf("HTTP status %d, want 500", r.Status)
	}
	assertNoLeak(t, r.Body)
	code, reason := r.fault(t)
	if wantCode := faultCodeOf(v, "Server"); code != wantCode {
		t.Errorf("fault code %q, want %q", code, wantCode)
	}
	if reason != want {
		t.Errorf("fault string:\n got %q\nwant %q", reason, want)
	}
	if d := faultDetail(t, r); len(d.ChildElements()) != 0 || strings.TrimSpace(d.Text()) != "" {
		t.Errorf("detail is not empty:\n%s", r.Body)
	}
}

// byProfile picks the is-5.0 or the is-7 text.
func byProfile(profile, is50, is7 string) string {
	if profile == "is-5.0" {
		return is50
	}
	return is7
}

type errorCase struct {
	name string
	// only restricts the case to one profile.
	only string
	// setup prepares the database; id is unique per subtest.
	setup func(t *testing.T, s *testServer, v soapVersion, id string)
	// req is the request's action and body.
	req func(id string) (action, body string)
	// want is the exact fault text.
	want func(profile, id string) string
	// typedDetail marks the one error is-5.0 sent with a typed detail.
	typedDetail bool
	// notStored is a consumer key the request must not have stored.
	notStored func(id string) string
}

func errorCases() []errorCase {
	key := func(id string) string { return "err-key-" + id }
	registerWith := func(fields ...string) func(string) (string, string) {
		return func(id string) (string, string) {
			all := append([]string{"OAuthVersion", "OAuth-2.0", "applicationName", "err app " + id}, fields...)
			all = append(all, "oauthConsumerKey", key(id), "oauthConsumerSecret", "secret-"+id)
			return "registerOAuthApplicationData", dtoBody("registerOAuthApplicationData", "application", all...)
		}
	}
	existing := func(t *testing.T, s *testServer, v soapVersion, id string) {
		registerApp(t, s, v, "existing "+id, key(id), "secret-"+id)
	}
	const bogusGrant = "urn:example:bogus-grant"
	return []errorCase{
		{
			name: "CallbackMissingAuthorizationCode",
			req:  registerWith("grantTypes", "authorization_code"),
			want: func(p, id string) string {
				return byProfile(p, "Callback Url is required for Code or Implicit grant types", "Callback URI is mandatory for Code or Implicit grant types")
			},
			notStored: key,
		},
		{
			name: "CallbackMissingImplicit",
			req:  registerWith("grantTypes", "implicit"),
			want: func(p, id string) string {
				return byProfile(p, "Callback Url is required for Code or Implicit grant types", "Callback URI is mandatory for Code or Implicit grant types")
			},
			notStored: key,
		},
		{
			name: "GrantTypeNotAllowed",
			setup: func(t *testing.T, s *testServer, v soapVersion, id string) {
				allowed := returns(s.do(t, call{version: v, action: "getAllowedGrantTypes", body: `<xsd:getAllowedGrantTypes/>`}).ok(t))
				if len(allowed) == 0 || slices.Contains(allowed, bogusGrant) {
					t.Fatalf("getAllowedGrantTypes = %v", allowed)
				}
			},
			req: registerWith("grantTypes", "client_credentials "+bogusGrant),
			want: func(p, id string) string {
				return byProfile(p, bogusGrant+" not allowed", "'"+bogusGrant+"' grant type is not allowed.")
			},
			typedDetail: true,
			notStored:   key,
		},
		{
			name: "DuplicateName",
			setup: func(t *testing.T, s *testServer, v soapVersion, id string) {
				registerApp(t, s, v, "dup "+id, "err-first-"+id, "secret")
			},
			req: func(id string) (string, string) {
				return "registerOAuthApplicationData", dtoBody("registerOAuthApplicationData", "application",
					"OAuthVersion", "OAuth-2.0", "applicationName", "dup "+id, "grantTypes", "password",
					"oauthConsumerKey", key(id), "oauthConsumerSecret", "other")
			},
			want: func(p, id string) string {
				return byProfile(p, "Error when adding the consumer application. An application with the same name already exists.",
					"An application with the same name already exists.")
			},
			notStored: key,
		},
		{
			name:  "DuplicateConsumerKey",
			setup: existing,
			req: func(id string) (string, string) {
				return "registerOAuthApplicationData", dtoBody("registerOAuthApplicationData", "application",
					"OAuthVersion", "OAuth-2.0", "applicationName", "another name "+id, "grantTypes", "password",
					"oauthConsumerKey", key(id), "oauthConsumerSecret", "other secret")
			},
			want: func(p, id string) string {
				return byProfile(p, "Error when adding a new OAuth consumer application.", "An application with the same clientId already exists.")
			},
		},
		{
			name: "GetUnknownKey",
			req: func(id string) (string, string) {
				return "getOAuthApplicationData", opBody("getOAuthApplicationData", "consumerKey", key(id))
			},
			want: func(p, id string) string {
				return byProfile(p, "Cannot find an application associated with the given consumer key : "+key(id),
					"Cannot find a valid OAuth client for consumerKey: "+key(id))
			},
		},
		{
			name: "GetUnknownName",
			req: func(id string) (string, string) {
				return "getOAuthApplicationDataByAppName", opBody("getOAuthApplicationDataByAppName", "appName", "no such app "+id)
			},
			want: func(p, id string) string {
				return byProfile(p, "Cannot find an application associated with the given consumer key : no such app "+id,
					"Cannot find a valid OAuth client with application name: no such app "+id+" in tenant: -1234")
			},
		},
		{
			name:  "UpdateMissingSecret",
			setup: existing,
			req: func(id string) (string, string) {
				return "updateConsumerApplication", dtoBody("updateConsumerApplication", "consumerAppDTO",
					"applicationName", "renamed "+id, "oauthConsumerKey", key(id))
			},
			want: func(p, id string) string {
				return "ConsumerKey or ConsumerSecret is not provided for updating the OAuth application."
			},
		},
		{
			name:  "UpdateMissingKey",
			setup: existing,
			req: func(id string) (string, string) {
				return "updateConsumerApplication", dtoBody("updateConsumerApplication", "consumerAppDTO",
					"applicationName", "renamed "+id, "oauthConsumerSecret", "secret-"+id)
			},
			want: func(p, id string) string {
				return "ConsumerKey or ConsumerSecret is not provided for updating the OAuth application."
			},
		},
		{
			name: "UpdateUnknownKey",
			req: func(id string) (string, string) {
				return "updateConsumerApplication", dtoBody("updateConsumerApplication", "consumerAppDTO",
					"applicationName", "renamed "+id, "oauthConsumerKey", key(id), "oauthConsumerSecret", "secret-"+id)
			},
			want: func(p, id string) string {
				return byProfile(p, "Cannot find an application associated with the given consumer key : "+key(id),
					"OAuth application cannot be found for consumerKey: "+key(id))
			},
			notStored: key,
		},
		{
			name:  "UpdateWrongSecret",
			setup: existing,
			req: func(id string) (string, string) {
				return "updateConsumerApplication", dtoBody("updateConsumerApplication", "consumerAppDTO",
					"applicationName", "renamed "+id, "callbackUrl", "https://evil.example/cb", "grantTypes", "password",
					"oauthConsumerKey", key(id), "oauthConsumerSecret", "wrong-secret")
			},
			want: func(p, id string) string {
				return "Invalid ConsumerSecret is provided for updating the OAuth application with consumerKey: " + key(id)
			},
		},
		{
			name: "RemoveUnknownKey",
			req: func(id string) (string, string) {
				return "removeOAuthApplicationData", opBody("removeOAuthApplicationData", "consumerKey", key(id))
			},
			want: func(p, id string) string {
				return byProfile(p, "Cannot find an application associated with the given consumer key : "+key(id),
					"Cannot find a valid OAuth client for consumerKey: "+key(id))
			},
		},
		{
			name: "UpdateStateUnknownKey",
			only: "is-next",
			req: func(id string) (string, string) {
				return "updateConsumerAppState", opBody("updateConsumerAppState", "consumerKey", key(id), "newState", "REVOKED")
			},
			want: func(p, id string) string {
				return "Error while updating state of OAuth app with consumerKey: " + key(id)
			},
		},
		{
			name:  "UpdateStateInvalidValue",
			only:  "is-next",
			setup: existing,
			req: func(id string) (string, string) {
				return "updateConsumerAppState", opBody("updateConsumerAppState", "consumerKey", key(id), "newState", "SUSPENDED")
			},
			want: func(p, id string) string {
				return "Invalid application state: SUSPENDED. Use ACTIVE or REVOKED."
			},
		},
		{
			name: "AddScopeDuplicate",
			only: "is-next",
			setup: func(t *testing.T, s *testServer, v soapVersion, id string) {
				r := s.do(t, call{version: v, action: "addScope", body: opBody("addScope", "scope", "scope-"+id, "claims", "email")})
				voidOK(t, "is-next", r, "addScope")
			},
			req: func(id string) (string, string) {
				return "addScope", opBody("addScope", "scope", "scope-"+id, "claims", "phone")
			},
			want: func(p, id string) string { return "Scope with the name scope-" + id + " already exists." },
		},
		{
			name: "DeleteScopeUnknown",
			only: "is-next",
			req: func(id string) (string, string) {
				return "deleteScope", opBody("deleteScope", "scope", "scope-"+id)
			},
			want: func(p, id string) string { return "Scope with the name scope-" + id + " does not exist." },
		},
	}
}

func TestErrorPaths(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "bystander", "err-bystander", "bystander-secret")
			for i, ec := range errorCases() {
				if ec.only != "" && ec.only != profile {
					continue
				}
				for _, v := range bothVersions {
					t.Run(ec.name+"/"+v.String(), func(t *testing.T) {
						id := fmt.Sprintf("%d-%s", i, v)
						if ec.setup != nil {
							ec.setup(t, s, v, id)
						}
						before := snapshot(t, s)
						action, body := ec.req(id)
						r := s.do(t, call{version: v, action: action, body: body})
						want := ec.want(profile, id)
						if ec.typedDetail && profile == "is-5.0" {
							assertTypedDetail(t, r, v, want)
						} else {
							assertServerFault(t, r, v, want)
						}
						assertUnchanged(t, s, before)
						if ec.notStored != nil {
							assertNotStored(t, s, ec.notStored(id))
						}
					})
				}
			}
		})
	}
}

// assertTypedDetail checks is-5.0's disallowed grant type fault: the exact
// text, soapenv:Server and the declared OAuthAdminServiceException detail
// carrying the text.
func assertTypedDetail(t testing.TB, r *result, v soapVersion, want string) {
	t.Helper()
	if r.Status != http.StatusInternalServerError {
		t.Errorf("HTTP status %d, want 500", r.Status)
	}
	code, reason := r.fault(t)
	if wantCode := faultCodeOf(v, "Server"); code != wantCode || reason != want {
		t.Errorf("fault %s %q, want %s %q", code, reason, wantCode, want)
	}
	msg := faultDetail(t, r).FindElement("OAuthAdminServiceException/OAuthAdminServiceException/Message")
	if msg == nil || msg.Text() != want || msg.NamespaceURI() != "http://oauth.identity.carbon.wso2.org" {
		t.Errorf("typed detail missing or wrong:\n%s", r.Body)
	}
}

// TestErrorUpdateWrongSecretKeepsRow reads the row back over the wire after
// a refused update.
func TestErrorUpdateWrongSecretKeepsRow(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "keep me", "err-keep", "right-secret")
			r := s.do(t, call{action: "updateConsumerApplication", body: dtoBody("updateConsumerApplication", "consumerAppDTO",
				"applicationName", "hijacked", "callbackUrl", "https://evil.example/cb", "grantTypes", "password",
				"oauthConsumerKey", "err-keep", "oauthConsumerSecret", "wrong-secret")})
			assertServerFault(t, r, soap11, "Invalid ConsumerSecret is provided for updating the OAuth application with consumerKey: err-keep")
			ret := s.do(t, call{action: "getOAuthApplicationData", body: opBody("getOAuthApplicationData", "consumerKey", "err-keep")}).ok(t).SelectElement("return")
			for field, want := range map[string]string{"applicationName": "keep me", "grantTypes": "client_credentials", "oauthConsumerSecret": "right-secret"} {
				if got, _ := text(ret, field); got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			if got, ok := text(ret, "callbackUrl"); ok && got != "" {
				t.Errorf("callbackUrl = %q, want none", got)
			}
		})
	}
}

// TestErrorStateOfUnknownKey: getOauthApplicationState answers a nil return,
// not a fault, for an unknown key.
func TestErrorStateOfUnknownKey(t *testing.T) {
	s := startServer(t, "is-next")
	for _, v := range bothVersions {
		t.Run(v.String(), func(t *testing.T) {
			before := snapshot(t, s)
			r := s.do(t, call{version: v, action: "getOauthApplicationState", body: opBody("getOauthApplicationState", "consumerKey", "err-unknown-"+v.String())})
			p := r.ok(t)
			if p.Tag != "getOauthApplicationStateResponse" {
				t.Fatalf("got %s", p.Tag)
			}
			ret := p.SelectElements("return")
			if len(ret) != 1 || ret[0].SelectAttrValue("xsi:nil", "") != "true" || ret[0].Text() != "" {
				t.Errorf("want one nil return, got:\n%s", r.Body)
			}
			assertUnchanged(t, s, before)
		})
	}
}

// TestErrorUnknownOperationInIS50: operations of IS 7 only get Axis2's
// unknown-operation fault from an is-5.0 server: DispatchPhase
// (apache axis-axis2-java-core modules/kernel/src/org/apache/axis2/engine/
// DispatchPhase.java, checkPostConditions, lines 88-94) sets the code
// "Client" without a namespace, which MessageContextBuilder writes with a
// prefix of its own bound to the envelope namespace, in SOAP 1.1 and 1.2
// alike; HTTP 500.
func TestErrorUnknownOperationInIS50(t *testing.T) {
	s := startServer(t, "is-5.0")
	registerApp(t, s, soap11, "state app", "err-state", "s")
	ops := []struct{ op, body string }{
		{"updateConsumerAppState", opBody("updateConsumerAppState", "consumerKey", "err-state", "newState", "REVOKED")},
		{"getOauthApplicationState", opBody("getOauthApplicationState", "consumerKey", "err-state")},
		{"addScope", opBody("addScope", "scope", "err-scope", "claims", "email")},
		{"deleteScope", opBody("deleteScope", "scope", "err-scope")},
		{"updateOauthSecretKey", opBody("updateOauthSecretKey", "consumerKey", "err-state")},
		{"registerAndRetrieveOAuthApplicationData", dtoBody("registerAndRetrieveOAuthApplicationData", "application",
			"applicationName", "never", "grantTypes", "password", "oauthConsumerKey", "err-never", "oauthConsumerSecret", "s")},
	}
	for _, o := range ops {
		for _, v := range bothVersions {
			for _, byAction := range []bool{true, false} {
				name := o.op + "/" + v.String() + "/by-element"
				action := ""
				if byAction {
					name = o.op + "/" + v.String() + "/by-action"
					action = o.op
				}
				t.Run(name, func(t *testing.T) {
					before := snapshot(t, s)
					r := s.do(t, call{version: v, action: action, body: o.body})
					if r.Status != http.StatusInternalServerError {
						t.Errorf("HTTP status %d, want 500", r.Status)
					}
					code, reason := r.fault(t)
					if code != "axis2ns2:Client" || r.payload(t).SelectAttrValue("xmlns:axis2ns2", "") != envNS(v) {
						t.Errorf("fault code %q, want axis2ns2:Client with the prefix bound on the Fault:\n%s", code, r.Body)
					}
					const prefix = "The endpoint reference (EPR) for the Operation not found is"
					if !strings.HasPrefix(reason, prefix) {
						t.Errorf("fault string %q does not start with %q", reason, prefix)
					}
					if byAction && !strings.Contains(reason, "WSA Action = urn:"+o.op) {
						t.Errorf("fault string %q does not name urn:%s", reason, o.op)
					}
					assertUnchanged(t, s, before)
					assertNotStored(t, s, "err-never")
				})
			}
		}
	}
}

// TestErrorAuthentication: missing credentials are asked for; wrong ones are
// Carbon's authentication fault.
func TestErrorAuthentication(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "auth app", "err-auth-existing", "s")
			for _, v := range bothVersions {
				body := func(key string) string {
					return dtoBody("registerOAuthApplicationData", "application", "applicationName", "auth "+key,
						"grantTypes", "password", "oauthConsumerKey", key, "oauthConsumerSecret", "s")
				}
				t.Run("NoCredentials/"+v.String(), func(t *testing.T) {
					before := snapshot(t, s)
					key := "err-noauth-" + v.String()
					r := s.do(t, call{version: v, action: "registerOAuthApplicationData", body: body(key), noAuth: true})
					if r.Status != http.StatusUnauthorized {
						t.Errorf("HTTP status %d, want 401", r.Status)
					}
					if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Basic realm=") {
						t.Errorf("WWW-Authenticate = %q, want Basic realm=...", h)
					}
					assertNoLeak(t, r.Body)
					assertUnchanged(t, s, before)
					assertNotStored(t, s, key)
				})
				// Carbon's texts: AuthenticationHandler prefixes "Access
				// Denied. " to AuthenticationFailureException's message for
				// a wrong user name or password, and answers anything it did
				// not expect (a header it cannot split) with "Authentication
				// failure" (wso2/carbon-kernel core/org.wso2.carbon.server.admin/
				// .../AuthenticationHandler.java lines 115-132). A blank
				// password is a 401 (TestAuthenticationAnswers).
				bad := []struct {
					name   string
					hdr    http.Header
					user   string
					pass   string
					reason string
				}{
					{name: "WrongPassword", user: "admin", pass: "wrong", reason: "Access Denied. Authentication failed - Invalid credentials provided."},
					{name: "WrongUser", user: "nobody", pass: "admin", reason: "Access Denied. Authentication failed - Invalid credentials provided."},
					{name: "UndecodableCredentials", hdr: http.Header{"Authorization": {"Basic !!!not-base64!!!"}}, reason: "Authentication failure"},
					{name: "NoColon", hdr: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("admin"))}}, reason: "Authentication failure"},
				}
				for _, b := range bad {
					t.Run(b.name+"/"+v.String(), func(t *testing.T) {
						before := snapshot(t, s)
						key := "err-" + strings.ToLower(b.name) + "-" + v.String()
						r := s.do(t, call{version: v, action: "registerOAuthApplicationData", body: body(key), user: b.user, pass: b.pass, header: b.hdr, noAuth: b.hdr != nil})
						if r.Status != http.StatusInternalServerError {
							t.Errorf("HTTP status %d, want 500", r.Status)
						}
						code, reason := r.fault(t)
						if code != "axis2ns2:50977" || reason != b.reason {
							t.Errorf("fault %q %q, want axis2ns2:50977 %q", code, reason, b.reason)
						}
						f := r.payload(t)
						if ns := f.SelectAttrValue("xmlns:axis2ns2", ""); ns != envNS(v) {
							t.Errorf("axis2ns2 bound to %q on the Fault element, want %q:\n%s", ns, envNS(v), r.Body)
						}
						assertNoLeak(t, r.Body)
						assertUnchanged(t, s, before)
						assertNotStored(t, s, key)
					})
				}
			}
		})
	}
}

// TestErrorNamespaceMismatch: a wrapper in the wrong namespace, dispatched
// by its action, is refused as Axis2's RPCUtil refuses it: a plain
// AxisFault, so the default code Server (Receiver in SOAP 1.2), HTTP 500
// (apache axis-axis2-java-core modules/adb/src/org/apache/axis2/rpc/
// receivers/RPCUtil.java, invokeServiceClass lines 168-183).
func TestErrorNamespaceMismatch(t *testing.T) {
	const wrongNS = "http://example.com/wrong-ns"
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			registerApp(t, s, soap11, "ns app", "err-ns-existing", "s")
			for _, v := range bothVersions {
				for _, tc := range []struct{ action, body, key string }{
					{"getOAuthApplicationData", `<w:getOAuthApplicationData xmlns:w="` + wrongNS + `"><w:consumerKey>err-ns-existing</w:consumerKey></w:getOAuthApplicationData>`, ""},
					{"registerOAuthApplicationData", `<w:registerOAuthApplicationData xmlns:w="` + wrongNS + `"><w:application><dto:applicationName>ns ` + v.String() +
						`</dto:applicationName><dto:grantTypes>password</dto:grantTypes><dto:oauthConsumerKey>err-ns-` + v.String() +
						`</dto:oauthConsumerKey></w:application></w:registerOAuthApplicationData>`, "err-ns-" + v.String()},
				} {
					t.Run(tc.action+"/"+v.String(), func(t *testing.T) {
						before := snapshot(t, s)
						r := s.do(t, call{version: v, action: tc.action, body: tc.body})
						if r.Status != http.StatusInternalServerError {
							t.Errorf("HTTP status %d, want 500", r.Status)
						}
						code, reason := r.fault(t)
						if want := faultCodeOf(v, "Server"); code != want {
							t.Errorf("fault code %q, want %q", code, want)
						}
						if want := "namespace mismatch require " + axis2NS + " found " + wrongNS; reason != want {
							t.Errorf("fault string %q, want %q", reason, want)
						}
						assertUnchanged(t, s, before)
						if tc.key != "" {
							assertNotStored(t, s, tc.key)
						}
					})
				}
			}
		})
	}
}

// TestErrorUnknownService: a service the server does not have is
// DispatchPhase's fault, its code Client by local name as for an unknown
// operation.
func TestErrorUnknownService(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			for _, v := range bothVersions {
				t.Run(v.String(), func(t *testing.T) {
					before := snapshot(t, s)
					key := "err-nosvc-" + v.String()
					r := s.do(t, call{path: "/services/NoSuchService", version: v, action: "registerOAuthApplicationData",
						body: hostileRegister(key, "no service", "")})
					if r.Status < 400 || r.Status > 599 {
						t.Errorf("HTTP status %d, want an error status", r.Status)
					}
					code, reason := r.fault(t)
					if code != "axis2ns2:Client" {
						t.Errorf("fault code %q, want axis2ns2:Client", code)
					}
					if want := "The service cannot be found for the endpoint reference (EPR) /services/NoSuchService"; reason != want {
						t.Errorf("fault string %q, want %q", reason, want)
					}
					assertNoLeak(t, r.Body)
					assertUnchanged(t, s, before)
					assertNotStored(t, s, key)
				})
			}
		})
	}
}
