package admin

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/isadmin/isadmin/wsdl"
)

// LoginPermission is the permission a user needs to log in.
const LoginPermission = "/permission/admin/login"

// RememberMeMaxAge is how long a remember-me cookie lives (Carbon's seven
// days).
const RememberMeMaxAge = 7 * 24 * time.Hour

// AuthenticationAdmin implements wsdl.AuthenticationAdmin: login sessions
// for the other admin services.
type AuthenticationAdmin struct {
	Identity *Identity
}

var _ wsdl.AuthenticationAdmin = (*AuthenticationAdmin)(nil)

var hostname = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$`)

// check authenticates a login attempt: false without error for wrong
// credentials or a user who may not log in, as upstream answers.
func (a *AuthenticationAdmin) check(ctx context.Context, username, password, remoteAddress string) (Principal, bool, error) {
	if remoteAddress = strings.TrimSpace(remoteAddress); remoteAddress != "" && net.ParseIP(remoteAddress) == nil && !hostname.MatchString(remoteAddress) {
		return Principal{}, false, Errorf("auth.bad-remote-address", "Authentication Failed : Invalid remote address passed - %s", remoteAddress)
	}
	if strings.TrimSpace(username) == "" || password == "" {
		return Principal{}, false, nil
	}
	sink := SessionSinkFrom(ctx)
	if _, domain := SplitUsername(username); domain == SuperTenantDomain && sink.TenantDomain != "" && !strings.HasSuffix(username, "@"+SuperTenantDomain) {
		// On /t/<domain>/services/... a bare user name belongs to that tenant.
		username += "@" + sink.TenantDomain
	}
	// Credentials that pass belong to an active tenant (Authenticate
	// checks it, and a tenant's change moves the identity version its
	// cache keeps), so the tenant is read only to explain a refusal.
	p, err := a.Identity.Authenticate(ctx, username, password)
	if errors.Is(err, ErrBadCredentials) {
		_, domain := SplitUsername(username)
		t, err := a.Identity.Store.FindTenantByDomain(ctx, domain)
		if errors.Is(err, ErrNotFound) || err == nil && !t.Active {
			return Principal{}, false, Errorf("auth.bad-tenant", "Invalid domain or unactivated tenant login")
		}
		if err != nil {
			return Principal{}, false, Internal("auth.failed", "Authentication failed", err)
		}
		return Principal{}, false, nil
	}
	if err != nil {
		return Principal{}, false, Internal("auth.failed", "Authentication failed", err)
	}
	if err := a.Identity.Authorize(ctx, p, []string{LoginPermission}); errors.Is(err, ErrAccessDenied) {
		return Principal{}, false, nil
	} else if err != nil {
		return Principal{}, false, Internal("auth.failed", "Authentication failed", err)
	}
	return p, true, nil
}

// Login starts a session; the transport sends its cookie.
func (a *AuthenticationAdmin) Login(ctx context.Context, username, password, remoteAddress string) (bool, error) {
	p, ok, err := a.check(ctx, username, password, remoteAddress)
	if !ok {
		return false, err
	}
	token, err := a.Identity.StartSession(ctx, p)
	if err != nil {
		return false, Internal("auth.failed", "Authentication failed", err)
	}
	SessionSinkFrom(ctx).NewSession = token
	return true, nil
}

// Logout ends the caller's session.
func (a *AuthenticationAdmin) Logout(ctx context.Context) error {
	sink := SessionSinkFrom(ctx)
	if err := a.Identity.EndSession(ctx, sink.Cookie); err != nil {
		return Internal("auth.logout-failed", "Error while logging out", err)
	}
	sink.Ended = true
	return nil
}

// LoginWithRememberMeOption logs in and also returns a remember-me cookie.
func (a *AuthenticationAdmin) LoginWithRememberMeOption(ctx context.Context, username, password, remoteAddress string) (*wsdl.RememberMeData, error) {
	p, ok, err := a.check(ctx, username, password, remoteAddress)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &wsdl.RememberMeData{}, nil
	}
	token, err := a.Identity.StartSession(ctx, p)
	if err != nil {
		return nil, Internal("auth.failed", "Authentication failed", err)
	}
	value, err := a.Identity.StartRememberMe(ctx, p, RememberMeMaxAge)
	if err != nil {
		return nil, Internal("auth.failed", "Authentication failed", err)
	}
	SessionSinkFrom(ctx).NewSession = token
	return &wsdl.RememberMeData{Authenticated: true, MaxAge: int32(RememberMeMaxAge / time.Second), Value: &value}, nil
}

// LoginWithRememberMeCookie starts a session from a remember-me cookie,
// for a user who still holds the login permission.
func (a *AuthenticationAdmin) LoginWithRememberMeCookie(ctx context.Context, cookie string) (bool, error) {
	p, err := a.Identity.RememberMe(ctx, cookie)
	if errors.Is(err, ErrSessionInvalid) {
		return false, nil
	}
	if err != nil {
		return false, Internal("auth.failed", "Authentication failed", err)
	}
	if err := a.Identity.Authorize(ctx, p, []string{LoginPermission}); errors.Is(err, ErrAccessDenied) {
		return false, nil
	} else if err != nil {
		return false, Internal("auth.failed", "Authentication failed", err)
	}
	token, err := a.Identity.StartSession(ctx, p)
	if err != nil {
		return false, Internal("auth.failed", "Authentication failed", err)
	}
	SessionSinkFrom(ctx).NewSession = token
	return true, nil
}

// IsDisabled reports that this authenticator is enabled.
func (a *AuthenticationAdmin) IsDisabled(ctx context.Context) (bool, error) { return false, nil }

// GetPriority returns the authenticator's priority.
func (a *AuthenticationAdmin) GetPriority(ctx context.Context) (int32, error) { return 5, nil }

// GetAuthenticatorName names the authenticator.
func (a *AuthenticationAdmin) GetAuthenticatorName(ctx context.Context) (*string, error) {
	name := "AuthenticationAdmin"
	return &name, nil
}
