package tokens

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// Line is the code line whose token endpoint a release ships.
type Line int

const (
	// CarbonIdentity is carbon-identity 4.x and 5.0 (IS 5.0 and 5.1):
	// MD5 tokens, expires_in less the 300 s skew, no check of the
	// client's grant types or state, no introspection, revocation
	// answered as text/html.
	CarbonIdentity Line = iota
	// InboundAuthOAuth is identity-inbound-auth-oauth (IS 5.2 on): UUID
	// tokens, the full expires_in, the client's grant types checked.
	InboundAuthOAuth
)

// Config is what a release's token endpoint does, read from its profile.
type Config struct {
	Line Line
	// Introspection serves POST /oauth2/introspect (IS 5.3 on).
	Introspection bool
	// CheckAppState refuses tokens to a revoked client (IS 5.3 on, where
	// clients have a state).
	CheckAppState bool
	// IntrospectUserType adds "aut" to introspection answers (IS 5.11 on).
	IntrospectUserType bool
	// TokenType is the token_type of answers: "Bearer", or "bearer".
	TokenType string
	// ExpirySkew is subtracted from expires_in (the 4.x line's
	// TimestampSkew).
	ExpirySkew time.Duration
	// Hash stores tokens hashed only: an active token is never handed out
	// again, every request gets a new one.
	Hash bool
	// Server defaults of the lifetimes, for clients that set none.
	ApplicationValidity time.Duration
	UserValidity        time.Duration
	RefreshValidity     time.Duration
	// GrantTypes are the grant types the server allows.
	GrantTypes []string
	// Profile gives the texts of error descriptions (codes token.*).
	Profile *wsdl.Profile
}

// ConfigOf reads the token settings of a profile.
func ConfigOf(p *wsdl.Profile) (Config, error) {
	first := func(key string) string {
		if v := p.Setting(key); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	c := Config{Profile: p, TokenType: "Bearer", GrantTypes: strings.Fields(first("grant-types"))}
	switch line := first("token-line"); line {
	case "carbon-identity":
		c.Line = CarbonIdentity
	case "", "inbound-auth-oauth":
		c.Line = InboundAuthOAuth
	default:
		return c, fmt.Errorf("profile %s: token-line %q: want carbon-identity or inbound-auth-oauth", p.Name, line)
	}
	c.Introspection = first("token-introspection") == "true"
	c.CheckAppState = first("token-check-app-state") == "true"
	c.IntrospectUserType = first("token-introspection-user-type") == "true"
	if v := first("token-type-name"); v != "" {
		c.TokenType = v
	}
	seconds := func(key string, def time.Duration) (time.Duration, error) {
		v := first(key)
		if v == "" {
			return def, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("profile %s: setting %s: %w", p.Name, key, err)
		}
		return time.Duration(n) * time.Second, nil
	}
	var err error
	for _, s := range []struct {
		key string
		dst *time.Duration
		def time.Duration
	}{
		{"token-expiry-skew", &c.ExpirySkew, 0},
		{"application-token-expiry", &c.ApplicationValidity, time.Hour},
		{"user-token-expiry", &c.UserValidity, time.Hour},
		{"refresh-token-expiry", &c.RefreshValidity, 24 * time.Hour},
	} {
		if *s.dst, err = seconds(s.key, s.def); err != nil {
			return c, err
		}
	}
	return c, nil
}
