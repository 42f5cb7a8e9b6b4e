package tokens

import (
	"regexp"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

func TestNewTokenFormats(t *testing.T) {
	md5Hex := regexp.MustCompile(`^[1-9a-f][0-9a-f]{0,31}$`)
	uuid3 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, c := range []struct {
		line Line
		re   *regexp.Regexp
	}{{CarbonIdentity, md5Hex}, {InboundAuthOAuth, uuid3}} {
		s := &Server{Config: Config{Line: c.line}}
		seen := map[string]bool{}
		for range 2000 {
			tok := s.newToken()
			if !c.re.MatchString(tok) {
				t.Fatalf("line %d: token %q", c.line, tok)
			}
			if seen[tok] {
				t.Fatalf("line %d: token %q twice", c.line, tok)
			}
			seen[tok] = true
		}
	}
}

func TestScopeOf(t *testing.T) {
	for in, want := range map[string]string{"": "", "b a": "a b", " a  a b ": "a b", "am_application_scope default": "am_application_scope default"} {
		if got := scopeOf(in); got != want {
			t.Errorf("scopeOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpiresIn(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hour := issued{Token: &admin.Token{IssuedAt: now.Add(-100 * time.Second), Validity: time.Hour}}
	fresh := issued{Token: &admin.Token{IssuedAt: now, Validity: time.Hour}, new: true}
	never := issued{Token: &admin.Token{IssuedAt: now.Add(-time.Hour), Validity: -1}}
	old := &Server{Config: Config{Line: CarbonIdentity, ExpirySkew: 300 * time.Second}}
	cur := &Server{Config: Config{Line: InboundAuthOAuth}}
	for _, c := range []struct {
		s    *Server
		t    issued
		want int64
	}{
		{old, hour, 3200}, {cur, hour, 3500}, {old, fresh, 3300}, {cur, fresh, 3600},
		{old, never, neverExpires}, {cur, never, neverExpires},
		{cur, issued{Token: &admin.Token{IssuedAt: now.Add(-2 * time.Hour), Validity: time.Hour}}, 0},
	} {
		if got := c.s.expiresIn(c.t, now); got != c.want {
			t.Errorf("expiresIn(%+v) with skew %v = %d, want %d", c.t, c.s.Config.ExpirySkew, got, c.want)
		}
	}
}

func TestConfigOf(t *testing.T) {
	for _, c := range []struct {
		profile                  string
		line                     Line
		skew                     time.Duration
		introspect, state, aut   bool
		application, refreshLife time.Duration
	}{
		{"is-5.0", CarbonIdentity, 300 * time.Second, false, false, false, time.Hour, 84600 * time.Second},
		{"is-5.1", CarbonIdentity, 300 * time.Second, false, false, false, time.Hour, 84600 * time.Second},
		{"is-5.2", InboundAuthOAuth, 0, false, false, false, time.Hour, 84600 * time.Second},
		{"is-5.3", InboundAuthOAuth, 0, true, true, false, time.Hour, 84600 * time.Second},
		{"is-5.11", InboundAuthOAuth, 0, true, true, true, time.Hour, 86400 * time.Second},
		{"is-7.3", InboundAuthOAuth, 0, true, true, true, time.Hour, 86400 * time.Second},
	} {
		p, err := wsdl.Load(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ConfigOf(p)
		if err != nil {
			t.Fatalf("%s: %v", c.profile, err)
		}
		if got.Line != c.line || got.ExpirySkew != c.skew || got.Introspection != c.introspect || got.CheckAppState != c.state ||
			got.IntrospectUserType != c.aut || got.ApplicationValidity != c.application || got.RefreshValidity != c.refreshLife || got.TokenType != "Bearer" {
			t.Errorf("%s: %+v", c.profile, got)
		}
	}
}
