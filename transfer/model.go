// Package transfer copies OAuth clients and service providers into the
// database: from a running Identity Server (or another isadmin) over its
// SOAP admin services, in the wire profile of its release, or from an
// export file; and writes the database out as an export file.
//
// A Source reads one tenant at a time into a TenantData; a Sink writes it,
// each client and each service provider in a transaction of its own, and
// tells what it did with each: created, updated, unchanged, kept (changed,
// but updates were not wanted) or failed, with the reason. Import runs a
// source into a sink tenant by tenant and reports through a Progress.
package transfer

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/wsdl"
)

// Client is an OAuth client as an import carries it.
type Client struct {
	ConsumerKey string `json:"consumerKey"`
	// ConsumerSecret is "" when the source did not give it (a release that
	// keeps secrets hashed).
	ConsumerSecret string `json:"consumerSecret,omitempty"`
	Name           string `json:"name"`
	// Owner is the owner's user name in the tenant, without the tenant
	// domain.
	Owner        string `json:"owner"`
	CallbackURL  string `json:"callbackUrl"`
	GrantTypes   string `json:"grantTypes"`
	OAuthVersion string `json:"oauthVersion"`
	State        string `json:"state"`
	// Settings are the client's other fields, by their wire names
	// (OAuthConsumerAppDTO); the fields above are never set in it.
	Settings *wsdl.OAuthConsumerAppDTO `json:"settings"`

	// known names the wire fields the source carries; nil: all of them.
	// The sink keeps what the database has for the others.
	known map[string]bool
}

// ServiceProvider is a service provider (application) as an import
// carries it.
type ServiceProvider struct {
	Name string `json:"name"`
	// UUID is the application's resource id; "" when the source does not
	// give one (releases before IS 5.9 have none on the wire): a new
	// provider gets a new one, an existing one keeps its own.
	UUID        string `json:"uuid,omitempty"`
	Description string `json:"description,omitempty"`
	// Owner is the owner's user name ("DOMAIN/name" outside the PRIMARY
	// user store), without the tenant domain.
	Owner string `json:"owner"`
	// Configuration is the rest of the application's tree as it is
	// stored: no id, name, description, owner, resource id, tenant or
	// secret. Its oauth2 inbound configurations link the OAuth clients of
	// their inboundAuthKey.
	Configuration *wsdl.ServiceProvider `json:"configuration"`

	// known is the ServiceProvider type of the source's profile: the sink
	// keeps what the database has for the fields it lacks, at every
	// level. Nil: the source carries every field.
	known *wsdl.Type
}

// TenantData is what a source read of one tenant.
type TenantData struct {
	Domain           string
	Clients          []*Client
	ServiceProviders []*ServiceProvider
	// Failed are the items the source could not read, with the reason.
	Failed []Result
	// Warnings are said once in the summary.
	Warnings []string
}

// The wire fields of OAuthConsumerAppDTO that have columns of their own.
var clientColumns = map[string]bool{
	"OAuthVersion": true, "applicationName": true, "callbackUrl": true, "grantTypes": true,
	"oauthConsumerKey": true, "oauthConsumerSecret": true, "username": true, "state": true,
}

// settingsOnly returns a copy of dto without the fields that have columns.
func settingsOnly(dto *wsdl.OAuthConsumerAppDTO) *wsdl.OAuthConsumerAppDTO {
	c := new(wsdl.OAuthConsumerAppDTO)
	if dto != nil {
		*c = *dto
	}
	c.OAuthVersion, c.ApplicationName, c.CallbackUrl, c.GrantTypes = nil, nil, nil, nil
	c.OauthConsumerKey, c.OauthConsumerSecret, c.Username, c.State = nil, nil, nil, nil
	return c
}

// clientOfApp is a stored client.
func clientOfApp(app *admin.OAuthApp) (*Client, error) {
	settings := new(wsdl.OAuthConsumerAppDTO)
	if len(app.Settings) > 0 {
		if err := json.Unmarshal(app.Settings, settings); err != nil {
			return nil, err
		}
	}
	return &Client{
		ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret, Name: app.Name, Owner: app.Owner,
		CallbackURL: app.CallbackURL, GrantTypes: app.GrantTypes, OAuthVersion: app.OAuthVersion, State: app.State,
		Settings: settingsOnly(settings),
	}, nil
}

// clientOfDTO is a client as a source in a profile read it; fields are the
// wire fields of the profile's OAuthConsumerAppDTO.
func clientOfDTO(dto *wsdl.OAuthConsumerAppDTO, tenantDomain string, fields map[string]bool) *Client {
	c := &Client{
		ConsumerKey: str(dto.OauthConsumerKey), ConsumerSecret: str(dto.OauthConsumerSecret),
		Name: str(dto.ApplicationName), CallbackURL: str(dto.CallbackUrl), GrantTypes: str(dto.GrantTypes),
		OAuthVersion: str(dto.OAuthVersion), State: str(dto.State), Settings: settingsOnly(dto),
		known: maps.Clone(fields),
	}
	if u := str(dto.Username); u != "" {
		c.Owner = strings.TrimSuffix(u, "@"+tenantDomain)
	} else {
		delete(c.known, "username")
	}
	if c.ConsumerSecret == "" {
		delete(c.known, "oauthConsumerSecret")
	}
	if c.State == "" {
		delete(c.known, "state")
	}
	return c
}

// knows tells whether the source carried the wire field.
func (c *Client) knows(field string) bool { return c.known == nil || c.known[field] }

// canonical puts a client in its one written form: grant types separated
// by single spaces, settings without column fields.
func (c *Client) canonical() {
	c.GrantTypes = strings.Join(strings.Fields(c.GrantTypes), " ")
	c.Settings = settingsOnly(c.Settings)
}

// app is the stored form of a canonical client.
func (c *Client) app(tenantID int64) (*admin.OAuthApp, error) {
	settings, err := admin.ClientSettings(c.Settings)
	if err != nil {
		return nil, err
	}
	return &admin.OAuthApp{
		TenantID: tenantID, Owner: c.Owner, Name: c.Name, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
		CallbackURL: c.CallbackURL, GrantTypes: c.GrantTypes, OAuthVersion: c.OAuthVersion, State: c.State,
		Settings: settings,
	}, nil
}

// mergeClient is the client to store: src's fields where the source
// carries them, old's (the stored client; nil for none) elsewhere, and a
// new client's defaults where neither has them.
func mergeClient(src, old *Client) (*Client, error) {
	if old == nil {
		old = &Client{OAuthVersion: "OAuth-2.0", State: admin.StateActive, Settings: new(wsdl.OAuthConsumerAppDTO)}
	}
	m := *src
	m.known = nil
	pick := func(field string, dst *string, oldValue string) {
		if !src.knows(field) {
			*dst = oldValue
		}
	}
	pick("applicationName", &m.Name, old.Name)
	pick("callbackUrl", &m.CallbackURL, old.CallbackURL)
	pick("grantTypes", &m.GrantTypes, old.GrantTypes)
	pick("OAuthVersion", &m.OAuthVersion, old.OAuthVersion)
	pick("state", &m.State, old.State)
	pick("username", &m.Owner, old.Owner)
	pick("oauthConsumerSecret", &m.ConsumerSecret, old.ConsumerSecret)
	if m.ConsumerSecret == "" {
		m.ConsumerSecret = old.ConsumerSecret
	}
	if m.OAuthVersion == "" {
		m.OAuthVersion = old.OAuthVersion
	}
	if m.State == "" {
		m.State = old.State
	}
	if src.known != nil {
		settings, err := mergeObject(old.Settings, src.Settings, func(field string) (bool, *wsdl.Type) {
			return src.known[field] && !clientColumns[field], nil
		})
		if err != nil {
			return nil, err
		}
		m.Settings = new(wsdl.OAuthConsumerAppDTO)
		if err := unmarshalNumbers(settings, m.Settings); err != nil {
			return nil, err
		}
	}
	m.canonical()
	return &m, nil
}

// clientChanges names the fields in which two canonical clients differ.
func clientChanges(a, b *Client) ([]string, error) {
	var out []string
	for _, f := range []struct {
		name string
		a, b string
	}{
		{"applicationName", a.Name, b.Name}, {"oauthConsumerSecret", a.ConsumerSecret, b.ConsumerSecret},
		{"username", a.Owner, b.Owner}, {"callbackUrl", a.CallbackURL, b.CallbackURL},
		{"grantTypes", a.GrantTypes, b.GrantTypes}, {"OAuthVersion", a.OAuthVersion, b.OAuthVersion},
		{"state", a.State, b.State},
	} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	more, err := objectChanges(a.Settings, b.Settings)
	return append(out, more...), err
}

// serviceProviderOf is a stored service provider.
func serviceProviderOf(rec *admin.ServiceProviderRecord) (*ServiceProvider, error) {
	tree := new(wsdl.ServiceProvider)
	if len(rec.Document) > 0 {
		if err := json.Unmarshal(rec.Document, tree); err != nil {
			return nil, err
		}
	}
	return &ServiceProvider{Name: rec.Name, UUID: rec.UUID, Description: rec.Description, Owner: rec.Owner, Configuration: tree}, nil
}

// serviceProviderOfView is a service provider as getApplication answers
// it in a profile whose ServiceProvider type is t.
func serviceProviderOfView(view *wsdl.ServiceProvider, t *wsdl.Type) (*ServiceProvider, error) {
	doc, _, err := admin.StoredApplication(view)
	if err != nil {
		return nil, err
	}
	return &ServiceProvider{
		Name: str(view.ApplicationName), UUID: str(view.ApplicationResourceId), Description: str(view.Description),
		Owner: admin.ApplicationOwner(view.Owner), Configuration: doc, known: t,
	}, nil
}

// mergeServiceProvider is the service provider to store: src's fields
// where its source carries them, old's (nil for none) elsewhere, a new
// application's where neither has them.
func mergeServiceProvider(src, old *ServiceProvider) (*ServiceProvider, error) {
	m := *src
	m.known = nil
	base := admin.NewApplicationTree()
	if old != nil {
		base = old.Configuration
		if m.UUID == "" {
			m.UUID = old.UUID
		}
	}
	if src.known != nil {
		if !knowsField(src.known, "owner") && old != nil {
			m.Owner = old.Owner
		}
		if !knowsField(src.known, "description") && old != nil {
			m.Description = old.Description
		}
	}
	var err error
	if m.Configuration, err = storedConfiguration(src.Configuration); err != nil {
		return nil, err
	}
	switch {
	case src.known == nil && m.Configuration == nil:
		if m.Configuration, err = storedConfiguration(base); err != nil {
			return nil, err
		}
	case src.known != nil:
		merged, err := mergeObject(base, m.Configuration, typeFields(src.known))
		if err != nil {
			return nil, err
		}
		m.Configuration = new(wsdl.ServiceProvider)
		if err := unmarshalNumbers(merged, m.Configuration); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// storedConfiguration is tree as it is stored (admin.StoredApplication),
// read back through JSON so that it compares as stored.
func storedConfiguration(tree *wsdl.ServiceProvider) (*wsdl.ServiceProvider, error) {
	if tree == nil {
		return nil, nil
	}
	doc, _, err := admin.StoredApplication(tree)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	out := new(wsdl.ServiceProvider)
	return out, json.Unmarshal(b, out)
}

func knowsField(t *wsdl.Type, name string) bool { return t == nil || t.Field(name) != nil }

// typeFields tells for a field of type t whether a source in that
// profile carries it and, for a complex field, its type there.
func typeFields(t *wsdl.Type) func(string) (bool, *wsdl.Type) {
	return func(name string) (bool, *wsdl.Type) {
		if t == nil {
			return true, nil
		}
		f := t.Field(name)
		if f == nil {
			return false, nil
		}
		if f.Repeated {
			return true, nil // arrays are taken whole
		}
		return true, f.Elem
	}
}

// serviceProviderChanges names the fields in which two merged service
// providers differ.
func serviceProviderChanges(a, b *ServiceProvider) ([]string, error) {
	var out []string
	if a.UUID != b.UUID {
		out = append(out, "uuid")
	}
	if a.Description != b.Description {
		out = append(out, "description")
	}
	if a.Owner != b.Owner {
		out = append(out, "owner")
	}
	more, err := objectChanges(a.Configuration, b.Configuration)
	return append(out, more...), err
}

// mergeObject merges two JSON objects (Go values marshalled): for each key
// take(key) says src has the say on, src's value replaces base's (or its
// absence removes it); a complex field with a type recurses when both
// sides are objects. Other keys keep base's value.
func mergeObject(base, src any, take func(string) (bool, *wsdl.Type)) (map[string]any, error) {
	b, err := asObject(base)
	if err != nil {
		return nil, err
	}
	s, err := asObject(src)
	if err != nil {
		return nil, err
	}
	mergeMaps(b, s, take)
	return b, nil
}

func mergeMaps(b, s map[string]any, take func(string) (bool, *wsdl.Type)) {
	keys := slices.Sorted(maps.Keys(b))
	for k := range s {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		ok, elem := take(k)
		if !ok {
			continue
		}
		sv, inSrc := s[k]
		bm, bIsObject := b[k].(map[string]any)
		sm, sIsObject := sv.(map[string]any)
		switch {
		case elem != nil && bIsObject && sIsObject:
			mergeMaps(bm, sm, typeFields(elem))
		case inSrc:
			b[k] = sv
		default:
			delete(b, k)
		}
	}
}

// asObject is v marshalled and read back as a JSON object; numbers stay
// json.Number.
func asObject(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if bytes.Equal(data, []byte("null")) {
		return out, nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return out, d.Decode(&out)
}

// unmarshalNumbers reads a merged object into v.
func unmarshalNumbers(m map[string]any, v any) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// objectChanges names the top-level fields in which two values differ as
// JSON objects.
func objectChanges(a, b any) ([]string, error) {
	am, err := asObject(a)
	if err != nil {
		return nil, err
	}
	bm, err := asObject(b)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range sortedUnion(am, bm) {
		x, _ := json.Marshal(am[k])
		y, _ := json.Marshal(bm[k])
		if !bytes.Equal(x, y) {
			out = append(out, k)
		}
	}
	return out, nil
}

func sortedUnion(a, b map[string]any) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
