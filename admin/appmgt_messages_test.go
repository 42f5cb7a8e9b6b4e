package admin

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// appMgtErrors is one of every error the application management service
// returns, with sample arguments.
func appMgtErrors() []*Error {
	cause := errors.New("cause")
	return []*Error{
		errNoServiceProvider("createApplication"),
		errNameRequired(),
		errNameInvalid("bad/name"),
		errNameExists("app", "carbon.super"),
		errRenameExists("app", "carbon.super"),
		errIDNotFound(16, "carbon.super"),
		errNameNotFound("app", "carbon.super"),
		errOAuthClientNotFound("key"),
		errOAuthClientLinked("key", "app"),
		errOAuthClientExists("key"),
		errInvalidPage(),
		errTemplateNameRequired(),
		errTemplateExists("t", "carbon.super"),
		errTemplateNotFound("t", "carbon.super"),
		errTemplateInvalid("t", "carbon.super"),
		errImportEmpty("sp.xml", "carbon.super"),
		errImportInvalid("sp.xml", "carbon.super"),
		errCreateFailed(cause, "app", "carbon.super"),
		errReadFailed(cause, "app", "carbon.super"),
		errUpdateFailed(cause, "app", "carbon.super"),
		errDeleteFailed(cause, "app", "carbon.super"),
		errListFailed(cause, "carbon.super"),
		errTemplateFailed(cause),
		Internal("appmgt.oauth-read-failed", "Error while reading the OAuth application %s", cause, "key"),
		Internal("appmgt.export-failed", "Error in exporting Service Provider %s@%s", cause, "app", "carbon.super"),
		Internal("appmgt.templates-unavailable", "Application templates are not supported by this server.", nil),
		errCreateTooLong(cause, "app", "carbon.super"),
		errUpdateAppTooLong(cause, "app", "carbon.super"),
		errTemplateTooLong(cause),
	}
}

// Every code has a text in both profiles; IS 7's texts are the defaults;
// every text renders its code's arguments without fmt complaints.
func TestAppMgtMessages(t *testing.T) {
	for _, name := range []string{"is-5.0", "is-next"} {
		p, err := wsdl.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range appMgtErrors() {
			text, ok := p.Message(e.Code)
			if !ok {
				t.Errorf("%s: no text for %s", name, e.Code)
				continue
			}
			if name == "is-next" && text != e.Default {
				t.Errorf("is-7 %s = %q, default %q", e.Code, text, e.Default)
			}
			if got := fmt.Sprintf(text, e.Args...); strings.Contains(got, "%!") {
				t.Errorf("%s %s renders %q", name, e.Code, got)
			}
		}
	}
	if got := fmt.Sprintf(errNameExists("app", "t").Default, "app", "t"); got != "An application with name: 'app' already exists in tenantDomain: t" {
		t.Errorf("name-exists renders %q", got)
	}
}

// The OAuth faults of values longer than their columns: IS 7's texts are
// the defaults (the register text's trailing space keeps it out of the
// profile file); IS 5.0 has texts for the operations it has.
func TestFieldLimitMessages(t *testing.T) {
	cause := errors.New("cause")
	for _, c := range []struct {
		err  *Error
		is50 string
		is7  string
	}{
		{errRegisterTooLong(cause, "app", "carbon.super"), "Error when adding a new OAuth consumer application.", "Error when executing SQL to create OAuth app app@carbon.super "},
		{errUpdateTooLong(cause), "Error when updating OAuth application", "Error when updating OAuth application"},
		{errAddScopeTooLong(cause), "", "Error while inserting OIDC scopes and claims."},
		{errUpdateScopeTooLong(cause, "openid", -1234), "", "Error while updating OIDC claims for the scope: openid in tenant: -1234"},
		{errCreateTooLong(cause, "app", "carbon.super"), "Error occurred while creating the application", "Error while creating application: app for tenant: carbon.super"},
		{errUpdateAppTooLong(cause, "app", "carbon.super"), "Error occurred while updating the application", "Error while updating application: app for tenant: carbon.super"},
		{errTemplateTooLong(cause), "Server error occurred.", "Server error occurred."},
	} {
		if c.err.Kind != ClientError || !errors.Is(c.err, cause) {
			t.Errorf("%s: want a client error carrying its cause", c.err.Code)
		}
		for profile, want := range map[string]string{"is-5.0": c.is50, "is-next": c.is7} {
			if want == "" {
				continue
			}
			p, err := wsdl.Load(profile)
			if err != nil {
				t.Fatal(err)
			}
			text, ok := p.Message(c.err.Code)
			if !ok {
				text = c.err.Default
			}
			if got := fmt.Sprintf(text, c.err.Args...); got != want {
				t.Errorf("%s %s renders %q, want %q", profile, c.err.Code, got, want)
			}
		}
	}
}
