package storeapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/julienschmidt/httprouter"
	"golang.org/x/crypto/bcrypt"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
	"github.com/isadmin/isadmin/schema/schematest"
	"github.com/isadmin/isadmin/store"
	"github.com/isadmin/isadmin/storeapi"
)

// failingStore refuses every key mapping, as a concurrent request that
// stored its own first would make the database do.
type failingStore struct{ *schema.DB }

func (failingStore) CreateKeyMapping(ctx context.Context, m *store.KeyMapping) error {
	return store.ErrKeyTypeTaken
}

type fixture struct {
	db  *schema.DB
	srv *httptest.Server
}

func newFixture(t *testing.T, store func(*schema.DB) store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	db := schematest.Open(t, schematest.Location(t, t.TempDir()))
	id := &admin.Identity{Store: db, HashCost: bcrypt.MinCost}
	if _, err := id.EnsureAdmin(ctx, admin.SuperTenantID, "admin", "admin", false); err != nil {
		t.Fatal(err)
	}
	oauth := &admin.OAuthAdmin{Store: db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"client_credentials", "password"}}}
	s := &storeapi.Server{
		Store: store(db), Identity: id, MapExistingAuthApps: true, ProvisionUnknownKeys: true,
		KeyManagers: map[string]storeapi.KeyManager{storeapi.ResidentKeyManager: &storeapi.Local{OAuth: oauth}},
	}
	r := httprouter.New()
	s.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &fixture{db: db, srv: srv}
}

func (f *fixture) post(t *testing.T, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+storeapi.BasePath+path, strings.NewReader(body))
	req.SetBasicAuth("admin", "admin")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestNothingLeftBehind: when the mapping cannot be stored, the client the
// request created in the key manager is deleted again.
func TestNothingLeftBehind(t *testing.T) {
	f := newFixture(t, func(db *schema.DB) store.Store { return failingStore{db} })
	status, app := f.post(t, "/applications", `{"name":"A","throttlingPolicy":"Unlimited"}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, app)
	}
	id := app["applicationId"].(string)
	ctx := context.Background()

	status, body := f.post(t, "/applications/"+id+"/map-keys", `{"consumerKey":"oob","consumerSecret":"s","keyType":"PRODUCTION"}`)
	if status != http.StatusConflict || !strings.Contains(body["description"].(string), "PRODUCTION keys") {
		t.Errorf("map-keys: %d %v", status, body)
	}
	if _, err := f.db.FindOAuthAppByKey(ctx, admin.SuperTenantID, "oob"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("the provisioned client was left behind: %v", err)
	}

	status, body = f.post(t, "/applications/"+id+"/generate-keys", `{"keyType":"SANDBOX","grantTypesToBeSupported":["client_credentials"]}`)
	if status != http.StatusConflict {
		t.Errorf("generate-keys: %d %v", status, body)
	}
	if apps, err := f.db.ListOAuthApps(ctx, admin.SuperTenantID, "admin"); err != nil || len(apps) != 0 {
		t.Errorf("generated clients left behind: %v %v", apps, err)
	}
}

// TestFoundClientIsNeverDeleted: a failed mapping of a client the key
// manager had already leaves that client alone.
func TestFoundClientIsNeverDeleted(t *testing.T) {
	f := newFixture(t, func(db *schema.DB) store.Store { return failingStore{db} })
	ctx := admin.WithPrincipal(context.Background(), admin.Principal{TenantID: admin.SuperTenantID, TenantDomain: admin.SuperTenantDomain, Username: "admin"})
	oauth := &admin.OAuthAdmin{Store: f.db, Config: admin.OAuthConfig{AllowedGrantTypes: []string{"client_credentials"}}}
	km := &storeapi.Local{OAuth: oauth}
	if _, err := km.CreateClient(ctx, &storeapi.OAuthClient{Name: "mine", ConsumerKey: "mine", ConsumerSecret: "s", GrantTypes: []string{"client_credentials"}}); err != nil {
		t.Fatal(err)
	}
	_, app := f.post(t, "/applications", `{"name":"A","throttlingPolicy":"Unlimited"}`)
	status, _ := f.post(t, "/applications/"+app["applicationId"].(string)+"/map-keys", `{"consumerKey":"mine","consumerSecret":"s","keyType":"PRODUCTION"}`)
	if status != http.StatusConflict {
		t.Errorf("map-keys: %d", status)
	}
	if _, err := km.Client(ctx, "mine"); err != nil {
		t.Errorf("the found client was deleted: %v", err)
	}
}

func TestLocalNeedsCaller(t *testing.T) {
	km := &storeapi.Local{OAuth: &admin.OAuthAdmin{}}
	var ke *storeapi.KeyManagerError
	if _, err := km.Client(context.Background(), "k"); !errors.As(err, &ke) || ke.Status != http.StatusInternalServerError {
		t.Errorf("without a principal: %v", err)
	}
}

func TestParseKeyManager(t *testing.T) {
	env := map[string]string{"PW": "pw"}
	getenv := func(k string) string { return env[k] }
	c, err := storeapi.ParseKeyManager(" name=KM , url=https://is:9443/ ,profile=is-5.0,user=admin@t.com,password-env=PW,soap=1.2,insecure-tls=true,timeout=5s", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "KM" || c.URL != "https://is:9443" || c.Profile != "is-5.0" || c.Username != "admin@t.com" || c.Password != "pw" ||
		!c.SOAP12 || !c.InsecureTLS || c.Timeout.Seconds() != 5 {
		t.Errorf("parsed %+v", c)
	}
	for spec, want := range map[string]string{
		"url=http://x,user=u,password-env=PW":                           "name is missing",
		"name=A,user=u,password-env=PW":                                 "url is missing",
		"name=A,url=x,user=u,password-env=PW":                           "must start with http",
		"name=A,url=http://x,password-env=PW":                           "user is missing",
		"name=A,url=http://x,user=u":                                    "password-env is missing",
		"name=A,url=http://x,user=u,password-env=NONE":                  "NONE is empty",
		"name=A,url=http://x,user=u,password=pw":                        "environment variable",
		"name=A,url=http://x,user=u,password-env=PW,soap=2":             "soap",
		"name=A,url=http://x,user=u,password-env=PW,colour=red":         "unknown key",
		"name=A,name=B,url=http://x,user=u,password-env=PW":             "given twice",
		"name=A,url=http://x,user=u,password-env=PW,profile=is-4":       "unknown profile",
		"name=Resident Key Manager,url=http://x,user=u,password-env=PW": "local key manager",
		"name=A,url=http://x,user=u,password-env=PW,timeout=-1s":        "timeout",
		"name=A,url,user=u,password-env=PW":                             "key=value",
	} {
		if _, err := storeapi.ParseKeyManager(spec, getenv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", spec, err, want)
		} else if !strings.HasPrefix(err.Error(), "storeapi: ") {
			t.Errorf("%q: error without the package prefix: %v", spec, err)
		}
	}
}

// TestFieldLengthsCountCharacters: the store measures values in characters,
// as AM_APPLICATION's VARCHAR(n) does: a throttling policy of 50 é (100
// bytes) fits APPLICATION_TIER VARCHAR(50), 51 do not, and a refused
// application is not stored.
func TestFieldLengthsCountCharacters(t *testing.T) {
	f := newFixture(t, func(db *schema.DB) store.Store { return db })
	body := func(name string, n int) string {
		return `{"name":"` + name + `","throttlingPolicy":"` + strings.Repeat("é", n) + `"}`
	}
	if status, app := f.post(t, "/applications", body("fits", 50)); status != http.StatusCreated || app["throttlingPolicy"] != strings.Repeat("é", 50) {
		t.Errorf("50 characters: %d %v", status, app)
	}
	status, e := f.post(t, "/applications", body("over", 51))
	if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e["description"]), "throttlingPolicy may have at most 50 characters") {
		t.Errorf("51 characters: %d %v", status, e)
	}
	if _, err := f.db.FindStoreApplicationByName(context.Background(), admin.SuperTenantID, "admin", "over"); !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("the refused application was stored: %v", err)
	}
}
