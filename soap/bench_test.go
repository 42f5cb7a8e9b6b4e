package soap

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/rs/zerolog"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// benchIdentity admits one user without a database.
type benchIdentity struct{}

func (benchIdentity) Authenticate(ctx context.Context, user, pass string) (admin.Principal, error) {
	if user != "admin" || pass != "admin" {
		return admin.Principal{}, admin.ErrBadCredentials
	}
	return admin.Principal{TenantID: admin.SuperTenantID, TenantDomain: admin.SuperTenantDomain, Username: "admin"}, nil
}

func (benchIdentity) Session(ctx context.Context, cookie string) (admin.Principal, error) {
	return admin.Principal{}, admin.ErrSessionInvalid
}

func (benchIdentity) PendingSession(ctx context.Context, p admin.Principal) (string, error) {
	return admin.NewSessionToken(), nil
}

func (benchIdentity) Authorize(ctx context.Context, p admin.Principal, anyOf []string) error {
	return nil
}

// cannedOAuth answers getOAuthApplicationData with one client.
type cannedOAuth struct {
	wsdl.OAuthAdminService
	dto *wsdl.OAuthConsumerAppDTO
}

func (c cannedOAuth) GetOAuthApplicationData(ctx context.Context, key string) (*wsdl.OAuthConsumerAppDTO, error) {
	return c.dto, nil
}

// BenchmarkServeGetOAuthApplicationData measures the SOAP engine for one
// request: envelope reading, dispatch, authentication hook, decoding,
// encoding and writing, without database or network.
func BenchmarkServeGetOAuthApplicationData(b *testing.B) {
	p, err := wsdl.Load("is-next")
	if err != nil {
		b.Fatal(err)
	}
	s := func(v string) *string { return &v }
	dto := &wsdl.OAuthConsumerAppDTO{ApplicationName: s("bench"), OauthConsumerKey: s("key"), OauthConsumerSecret: s("secret"),
		GrantTypes: s("password"), OAuthVersion: s("OAuth-2.0"), State: s("ACTIVE"), Username: s("admin@carbon.super")}
	srv := &Server{
		Profile:  p,
		Services: map[string]any{"OAuthAdminService": cannedOAuth{dto: dto}},
		Identity: benchIdentity{},
		// Over plain HTTP, as the test server is.
		HTTPAdminServices: true,
		Log:               zerolog.Nop(),
		Now:               time.Now,
	}
	router := httprouter.New()
	srv.Register(router)
	body := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://org.apache.axis2/xsd"><soapenv:Header/><soapenv:Body><xsd:getOAuthApplicationData><xsd:consumerKey>key</xsd:consumerKey></xsd:getOAuthApplicationData></soapenv:Body></soapenv:Envelope>`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/services/OAuthAdminService", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `"urn:getOAuthApplicationData"`)
		req.SetBasicAuth("admin", "admin")
		w := httptest.NewRecorder()
		router.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body)
		}
		io.Discard.Write(w.Body.Bytes())
	}
}
