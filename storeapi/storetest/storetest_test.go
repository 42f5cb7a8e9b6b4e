package storetest_test

import (
	"strings"
	"testing"

	"github.com/isadmin/isadmin/storeapi"
	"github.com/isadmin/isadmin/storeapi/storetest"
)

// TestCheck makes sure the checker refuses what it should, so that passing
// responses mean something.
func TestCheck(t *testing.T) {
	spec, err := storetest.Load(storeapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	const app = storeapi.BasePath + "/applications/abc"
	good := `{"code":404,"message":"Not Found","description":"d","moreInfo":"","error":[]}`
	for _, c := range []struct {
		method, path string
		status       int
		body, want   string
	}{
		{"GET", app, 404, good, ""},
		{"PATCH", app, 404, good, "not documented"},
		{"GET", storeapi.BasePath + "/nowhere", 404, good, "not documented"},
		{"GET", app, 418, good, "status 418 not documented"},
		{"GET", app, 404, `{"code":404,"message":"Not Found","description":"d","moreInfo":""}`, `required property "error" missing`},
		{"GET", app, 404, `{"code":"404","message":"Not Found","description":"d","moreInfo":"","error":[]}`, "want an integer"},
		{"GET", app, 404, `{"code":404,"message":"Not Found","description":"d","moreInfo":"","error":[],"extra":1}`, `undocumented property "extra"`},
		{"GET", app, 404, `{"code":404,"message":"Not Found","description":"d","moreInfo":"","error":[{"code":1,"message":"m"}]}`, "want a string"},
		{"GET", app, 404, ``, "empty body"},
		{"GET", app + "/oauth-keys", 200, `{"count":1,"list":[{"mode":"BORROWED"}]}`, "is not one of"},
		{"GET", app + "/oauth-keys", 200, `{"count":1,"list":[{"mode":"MAPPED","additionalProperties":{"anything":[1]}}]}`, ""},
		{"DELETE", app, 200, `{"x":1}`, "none documented"},
		{"DELETE", app, 200, ``, ""},
		{"POST", storeapi.LoginJag, 200, `{"error":false}`, ""},
		{"POST", storeapi.LoginJag, 200, `{"error":"no"}`, "want a boolean"},
		// What only kin-openapi checks: lengths.
		{"GET", app, 200, `{"name":"` + strings.Repeat("n", 101) + `","throttlingPolicy":"Unlimited"}`, "kin-openapi"},
		{"GET", app, 200, `{"name":"","throttlingPolicy":"Unlimited"}`, "kin-openapi"},
	} {
		err := spec.Check(c.method, c.path, c.status, []byte(c.body))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s %d %s: %v", c.method, c.path, c.status, c.body, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %s %d %s: %v, want %q", c.method, c.path, c.status, c.body, err, c.want)
		}
	}
}

// TestLoadRefusesInvalid: a document that is no valid OpenAPI 3 is
// refused, so the served document's loading proves it valid.
func TestLoadRefusesInvalid(t *testing.T) {
	for _, doc := range []string{
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nowhere"}}}}}}`,
		`{"openapi":"3.0.3","paths":{}}`,
		`{"swagger":"2.0"}`,
	} {
		if _, err := storetest.Load([]byte(doc)); err == nil {
			t.Errorf("loaded %s", doc)
		}
	}
	if _, err := storetest.Load(storeapi.OpenAPI()); err != nil {
		t.Errorf("the served document: %v", err)
	}
}
