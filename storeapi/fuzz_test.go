package storeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/julienschmidt/httprouter"
	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/storeapi"
)

// FuzzStoreJSON sends arbitrary bodies to every store entry point that
// decodes JSON: application create and update, generate-keys, map-keys,
// key update, and the legacy action's jsonParams. Whatever the body, the
// answer is never a server error and is JSON of the documented shape.
func FuzzStoreJSON(f *testing.F) {
	seeds := []string{
		`{"name":"a","throttlingPolicy":"Unlimited"}`,
		`{"name":"a","throttlingPolicy":"Unlimited","description":"d","tokenType":"JWT","groups":["g"],"attributes":{"k":"v"}}`,
		`{"keyType":"PRODUCTION","grantTypesToBeSupported":["client_credentials"],"callbackUrl":"https://cb"}`,
		`{"consumerKey":"k","consumerSecret":"s","keyType":"SANDBOX","keyManager":"Resident Key Manager","supportedGrantTypes":["password"]}`,
		`{"supportedGrantTypes":["password"],"callbackUrl":"x"}`,
		`{"client_secret":"s","grant_types":"password client_credentials"}`,
		``, `null`, `[]`, `{}`, `{"name":1}`, `{"keyType":null}`, `{"a":1}{"b":2}`, "\xff\xfe", `{"name":"` + strings.Repeat("x", 300) + `"}`,
	}
	for _, s := range seeds {
		for target := range 6 {
			f.Add(uint8(target), []byte(s))
		}
	}
	ctx := context.Background()
	db := schematest.Open(f, schematest.Location(f, f.TempDir()))
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	if _, err := id.EnsureAdmin(ctx, admin.SuperTenantID, "admin", "admin", false); err != nil {
		f.Fatal(err)
	}
	oauth := &admin.OAuthAdmin{Store: db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"client_credentials", "password"}}}
	s := &storeapi.Server{
		Store: db, Identity: id, MapExistingAuthApps: true, ProvisionUnknownKeys: true,
		KeyManagers: map[string]storeapi.KeyManager{storeapi.ResidentKeyManager: &storeapi.Local{OAuth: oauth}},
	}
	r := httprouter.New()
	s.Register(r)
	call := func(method, path, contentType string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.SetBasicAuth("admin", "admin")
		req.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	// An application with generated keys, for the paths that need them.
	w := call(http.MethodPost, storeapi.BasePath+"/applications", "application/json", []byte(`{"name":"fuzz","throttlingPolicy":"Unlimited"}`))
	var app struct{ ApplicationID string }
	if err := json.Unmarshal(w.Body.Bytes(), &app); err != nil || app.ApplicationID == "" {
		f.Fatalf("creating the application: %d %s", w.Code, w.Body)
	}
	appPath := storeapi.BasePath + "/applications/" + app.ApplicationID
	w = call(http.MethodPost, appPath+"/generate-keys", "application/json", []byte(`{"keyType":"PRODUCTION","grantTypesToBeSupported":["client_credentials"]}`))
	var key struct{ KeyMappingID string }
	if err := json.Unmarshal(w.Body.Bytes(), &key); err != nil || key.KeyMappingID == "" {
		f.Fatalf("generating keys: %d %s", w.Code, w.Body)
	}

	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		var w *httptest.ResponseRecorder
		switch target % 6 {
		case 0:
			w = call(http.MethodPost, storeapi.BasePath+"/applications", "application/json", body)
		case 1:
			w = call(http.MethodPut, appPath, "application/json", body)
		case 2:
			w = call(http.MethodPost, appPath+"/generate-keys", "application/json", body)
		case 3:
			w = call(http.MethodPost, appPath+"/map-keys", "application/json", body)
		case 4:
			w = call(http.MethodPut, appPath+"/oauth-keys/"+key.KeyMappingID, "application/json", body)
		case 5:
			form := url.Values{"action": {"mapExistingOauthClient"}, "applicationName": {"fuzz"}, "keytype": {"SANDBOX"},
				"client_id": {"fuzz-client"}, "jsonParams": {string(body)}}
			w = call(http.MethodPost, "/store/site/blocks/subscription/subscription-add/ajax/subscription-add.jag",
				"application/x-www-form-urlencoded", []byte(form.Encode()))
			if w.Code != http.StatusOK || !json.Valid(w.Body.Bytes()) {
				t.Fatalf("legacy action: HTTP %d %q", w.Code, w.Body)
			}
			return
		}
		if w.Code >= 500 {
			t.Fatalf("target %d: HTTP %d for a client's body: %s", target%6, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("target %d: the answer is no JSON: %q", target%6, w.Body)
		}
		if w.Code >= 400 {
			var e struct {
				Code        *int64
				Message     *string
				Description *string
				MoreInfo    *string
				Error       []any
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == nil || e.Message == nil || e.Description == nil || e.MoreInfo == nil || e.Error == nil {
				t.Fatalf("target %d: HTTP %d without the error shape: %s", target%6, w.Code, w.Body)
			}
		}
	})
}
