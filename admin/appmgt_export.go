package admin

import (
	"encoding/xml"
	"errors"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

// spDocument is the export format of a service provider, read back by
// importApplication and used as template content: the ServiceProvider tree
// as XML, one element per field named after it (ApplicationName,
// InboundAuthenticationConfig, ...; close to Identity Server's own export),
// repeated for arrays and absent when null. Unknown elements are ignored on
// reading.
type spDocument struct {
	XMLName xml.Name `xml:"ServiceProvider"`
	wsdl.ServiceProvider
}

// marshalSP renders a tree in the export format.
func marshalSP(sp *wsdl.ServiceProvider) (string, error) {
	b, err := xml.MarshalIndent(spDocument{ServiceProvider: *sp}, "", "  ")
	if err != nil {
		return "", err
	}
	return xml.Header + string(b) + "\n", nil
}

// unmarshalSP reads a tree in the export format.
func unmarshalSP(content string) (*wsdl.ServiceProvider, error) {
	if strings.TrimSpace(content) == "" {
		return nil, errors.New("empty service provider document")
	}
	var doc spDocument
	d := xml.NewDecoder(strings.NewReader(content))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	return &doc.ServiceProvider, nil
}

// clientDocument is an OAuth client as an export carries it in the
// inboundConfiguration of its oauth2 inbound configuration.
type clientDocument struct {
	XMLName        xml.Name `xml:"OAuthClient"`
	ConsumerKey    string
	ConsumerSecret string
	Name           string
	CallbackURL    string
	GrantTypes     string
	OAuthVersion   string
	State          string
	// Settings is the client's other settings as JSON.
	Settings string
}

func marshalClient(app *OAuthApp) (string, error) {
	b, err := xml.Marshal(clientDocument{
		ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret, Name: app.Name,
		CallbackURL: app.CallbackURL, GrantTypes: app.GrantTypes, OAuthVersion: app.OAuthVersion,
		State: app.State, Settings: string(app.Settings),
	})
	return string(b), err
}

func unmarshalClient(s string) (*OAuthApp, error) {
	var doc clientDocument
	if err := xml.Unmarshal([]byte(s), &doc); err != nil {
		return nil, err
	}
	if doc.ConsumerKey == "" || doc.ConsumerSecret == "" {
		return nil, errors.New("OAuth client without key or secret")
	}
	app := &OAuthApp{
		ConsumerKey: doc.ConsumerKey, ConsumerSecret: doc.ConsumerSecret, Name: doc.Name,
		CallbackURL: doc.CallbackURL, GrantTypes: doc.GrantTypes, OAuthVersion: doc.OAuthVersion,
		State: doc.State,
	}
	if doc.Settings != "" {
		app.Settings = []byte(doc.Settings)
	}
	if app.OAuthVersion == "" {
		app.OAuthVersion = "OAuth-2.0"
	}
	if app.State != StateRevoked {
		app.State = StateActive
	}
	return app, nil
}
