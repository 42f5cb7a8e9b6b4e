package soap

import (
	"encoding/base64"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"testing"
)

func TestBasicAuth(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		header     string
		user, pass string
		res        basicResult
	}{
		{"", "", "", basicNone},
		{"Bearer abc", "", "", basicNone},
		{"Basic " + b64("admin:admin"), "admin", "admin", basicOK},
		{"basic " + b64("admin:admin"), "admin", "admin", basicOK},
		{"  Basic " + b64("admin:a:b") + "  ", "admin", "a:b", basicOK},
		// The second word counts, whatever follows it.
		{"Basic " + b64("u:p") + " ignored", "u", "p", basicOK},
		{"Basic", "", "", basicMalformed},
		{"Basic  " + b64("u:p"), "", "", basicMalformed}, // the second word is empty
		{"Basic " + b64("no colon"), "", "", basicMalformed},
		{"Basic not*base64", "", "", basicMalformed},
		{"Basic " + b64(" :p"), "", "", basicEmpty},
		{"Basic " + b64("u: "), "", "", basicEmpty},
	} {
		r, _ := http.NewRequest(http.MethodPost, "http://x/", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		user, pass, res := basicAuth(r)
		if user != c.user || pass != c.pass || res != c.res {
			t.Errorf("%q: %q %q %v, want %q %q %v", c.header, user, pass, res, c.user, c.pass, c.res)
		}
	}
}

// TestParseMediaType: the remembered answers are mime.ParseMediaType's,
// and no more than maxMediaTypes values are kept however many come.
func TestParseMediaType(t *testing.T) {
	values := []string{
		"text/xml; charset=UTF-8",
		`application/soap+xml; charset=utf-8; action="urn:getOAuthApplicationData"`,
		"TEXT/XML",
		"text/xml; charset=",
		"not a media type",
		"",
	}
	for i := range 3 * maxMediaTypes {
		values = append(values, fmt.Sprintf("text/xml; charset=x-%d", i))
	}
	for round := range 2 { // the second round reads what the first kept
		for _, v := range values {
			mt, params, err := parseMediaType(v)
			wantMT, wantParams, wantErr := mime.ParseMediaType(v)
			if mt != wantMT || !maps.Equal(params, wantParams) || (err == nil) != (wantErr == nil) {
				t.Fatalf("round %d, %q: %q %v %v, want %q %v %v", round, v, mt, params, err, wantMT, wantParams, wantErr)
			}
		}
	}
	kept := 0
	mediaTypes.Range(func(any, any) bool { kept++; return true })
	if kept > maxMediaTypes || int(mediaTypesCount.Load()) != kept {
		t.Fatalf("%d values kept (count %d), want at most %d", kept, mediaTypesCount.Load(), maxMediaTypes)
	}
}
