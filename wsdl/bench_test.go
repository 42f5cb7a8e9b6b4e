package wsdl_test

import (
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// fullDTO is an is-7 client with the fields a real registration sets.
func fullDTO() *wsdl.OAuthConsumerAppDTO {
	s := func(v string) *string { return &v }
	return &wsdl.OAuthConsumerAppDTO{
		OAuthVersion: s("OAuth-2.0"), ApplicationName: s("bench-app"), CallbackUrl: s("https://app.example/callback"),
		GrantTypes: s("authorization_code refresh_token password"), OauthConsumerKey: s("TXdYtJ2D8npgBH7e4QgP_5FDN50a"),
		OauthConsumerSecret: s("UGlYgO0x4CfBAJ5oOaRIW8PSYDca"), Username: s("admin@carbon.super"), State: s("ACTIVE"),
		UserAccessTokenExpiryTime: 3600, ApplicationAccessTokenExpiryTime: 3600, RefreshTokenExpiryTime: 86400,
		IdTokenExpiryTime: 3600, TokenType: s("Default"), PkceSupportPlain: true,
	}
}

func BenchmarkEncodeGetResponse(b *testing.B) {
	op := loadOp(b, "is-next", "getOAuthApplicationData")
	resp := &wsdl.GetOAuthApplicationDataResponse{Return: fullDTO()}
	e := wsdl.NewEncoder(make([]byte, 0, 8192))
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		e.Response(op, resp)
	}
	b.SetBytes(int64(len(e.Bytes())))
}

func BenchmarkEncodeList100(b *testing.B) {
	op := loadOp(b, "is-next", "getAllOAuthApplicationData")
	list := make([]*wsdl.OAuthConsumerAppDTO, 100)
	for i := range list {
		list[i] = fullDTO()
	}
	resp := &wsdl.GetAllOAuthApplicationDataResponse{Return: list}
	e := wsdl.NewEncoder(make([]byte, 0, 1<<20))
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		e.Response(op, resp)
	}
	b.SetBytes(int64(len(e.Bytes())))
}

func BenchmarkDecodeRegisterRequest(b *testing.B) {
	op := loadOp(b, "is-next", "registerOAuthApplicationData")
	e := wsdl.NewEncoder(nil)
	e.Request(op, &wsdl.RegisterOAuthApplicationDataRequest{Application: fullDTO()})
	body := string(e.Bytes())
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d := wsdl.NewDecoder(strings.NewReader(body), 0)
		if _, _, err := d.NextElement(); err != nil {
			b.Fatal(err)
		}
		v := op.Binding.NewRequest()
		if err := d.DecodeStruct(op.Input, v); err != nil {
			b.Fatal(err)
		}
	}
}
