package main

import (
	"net/http"
	"testing"

	"github.com/isadmin/isadmin/storeapi"
)

// TestDevportalPages: what a devportal's Applications pages call beside
// the applications: key managers, throttling policies, application
// attributes, the empty APIs and subscriptions, and the older keys paths
// by key type. Every answer is checked against the OpenAPI document.
func TestDevportalPages(t *testing.T) {
	remote := startServer(t, "is-7.3")
	s := startStore(t, "is-7.3", func(c *Config) {
		c.KeyManagers = []storeapi.RemoteConfig{{Name: "Other", URL: remote.URL, Profile: "is-7.3", Username: "admin", Password: "admin"}}
	})

	var kms struct {
		Count int `json:"count"`
		List  []struct {
			Name                       string   `json:"name"`
			Type                       string   `json:"type"`
			AvailableGrantTypes        []string `json:"availableGrantTypes"`
			TokenEndpoint              string   `json:"tokenEndpoint"`
			EnableMapOAuthConsumerApps bool     `json:"enableMapOAuthConsumerApps"`
			EnableTokenGeneration      bool     `json:"enableTokenGeneration"`
		} `json:"list"`
	}
	s.api(t, sreq{method: "GET", path: "/key-managers"}).want(t, http.StatusOK, &kms)
	if kms.Count != 2 || kms.List[0].Name != storeapi.ResidentKeyManager || kms.List[0].Type != "default" || kms.List[1].Name != "Other" ||
		kms.List[0].TokenEndpoint != s.URL+"/oauth2/token" || kms.List[1].TokenEndpoint != remote.URL+"/oauth2/token" ||
		!kms.List[0].EnableMapOAuthConsumerApps || !kms.List[0].EnableTokenGeneration || len(kms.List[0].AvailableGrantTypes) == 0 {
		t.Errorf("key managers: %+v", kms)
	}

	var policies struct {
		Count int `json:"count"`
		List  []struct {
			Name string `json:"name"`
		} `json:"list"`
	}
	s.api(t, sreq{method: "GET", path: "/throttling-policies/application"}).want(t, http.StatusOK, &policies)
	if policies.Count != len(policies.List) || policies.Count == 0 {
		t.Errorf("application policies: %+v", policies)
	}
	s.api(t, sreq{method: "GET", path: "/throttling-policies/application/Unlimited"}).want(t, http.StatusOK, nil)
	s.api(t, sreq{method: "GET", path: "/throttling-policies/application/Platinum"}).wantError(t, http.StatusNotFound, "Platinum")
	s.api(t, sreq{method: "GET", path: "/throttling-policies/api"}).wantError(t, http.StatusBadRequest, "policyLevel")
	s.api(t, sreq{method: "GET", path: "/settings/application-attributes"}).want(t, http.StatusOK, nil)

	app := createApp(t, s, "", "Pages")
	other := createApp(t, s, "", "Elsewhere")
	var empty struct {
		Count int   `json:"count"`
		List  []any `json:"list"`
	}
	for _, p := range []string{"/apis", "/subscriptions", "/subscriptions?applicationId=" + app.ApplicationID} {
		s.api(t, sreq{method: "GET", path: p}).want(t, http.StatusOK, &empty)
		if empty.Count != 0 || empty.List == nil || len(empty.List) != 0 {
			t.Errorf("%s: %+v", p, empty)
		}
	}
	addUser(t, s, "bob", "pw", storeapi.SubscribePermission)
	s.api(t, sreq{method: "GET", path: "/subscriptions?applicationId=" + other.ApplicationID, user: "bob:pw"}).wantError(t, http.StatusForbidden, "permission")
	s.api(t, sreq{method: "GET", path: "/apis/some-api"}).wantError(t, http.StatusNotFound, "publishes no APIs")
	s.api(t, sreq{method: "POST", path: "/subscriptions", body: map[string]any{"apiId": "x", "applicationId": app.ApplicationID, "throttlingPolicy": "Gold"}}).wantError(t, http.StatusNotFound, "nothing to subscribe to")
	s.api(t, sreq{method: "DELETE", path: "/subscriptions/some-subscription"}).wantError(t, http.StatusNotFound, "some-subscription")

	// The older keys paths address the resident key manager's keys by type.
	soapRegister(t, s, "is-7.3", "bytype", "bytype-key", "bytype-secret")
	mapKeys(t, s, "", app.ApplicationID, mapBody("bytype-key", "bytype-secret", "PRODUCTION")).want(t, http.StatusOK, nil)
	var k keyJSON
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID + "/keys/PRODUCTION"}).want(t, http.StatusOK, &k)
	if k.ConsumerKey != "bytype-key" || k.Mode != "MAPPED" {
		t.Errorf("keys/PRODUCTION: %+v", k)
	}
	var list struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID + "/keys"}).want(t, http.StatusOK, &list)
	if list.Count != 1 {
		t.Errorf("keys: %+v", list)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/keys/PRODUCTION/generate-token", body: map[string]any{"validityPeriod": 0, "scopes": []string{}}}).want(t, http.StatusOK, &tok)
	if tok.AccessToken == "" {
		t.Error("generate-token by key type gave no token")
	}
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID + "/keys/SANDBOX"}).wantError(t, http.StatusNotFound, "no SANDBOX keys")
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID + "/keys/OTHER"}).want(t, http.StatusBadRequest, nil)
	s.api(t, sreq{method: "POST", path: "/applications/" + app.ApplicationID + "/keys/PRODUCTION/clean-up"}).want(t, http.StatusOK, nil)
	s.api(t, sreq{method: "GET", path: "/applications/" + app.ApplicationID + "/keys"}).want(t, http.StatusOK, &list)
	if list.Count != 0 {
		t.Errorf("keys after clean-up: %+v", list)
	}
	if _, _, ok := soapSecret(t, s, "bytype-key"); !ok {
		t.Error("clean-up deleted the MAPPED client")
	}
}
