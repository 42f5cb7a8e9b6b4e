package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/schema"
)

// The export file: one JSON document, the same bytes for the same data.
//
//	{
//	  "format": "isadmin-export",
//	  "version": 1,
//	  "tenants": [
//	    {"domain": "carbon.super", "clients": [Client...], "serviceProviders": [ServiceProvider...]}
//	  ]
//	}
//
// Tenants are sorted by domain, clients by consumer key, service providers
// by name; objects keep the field order of their Go types; two-space
// indentation, a final newline, no HTML escaping.
const (
	// FileFormat names the document.
	FileFormat = "isadmin-export"
	// FileVersion is the version this package writes and reads. A reader
	// refuses a greater one: it would not know all of its fields.
	FileVersion = 1
)

// File is an export file.
type File struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Tenants []*FileTenant `json:"tenants"`
}

// FileTenant is one tenant of an export file.
type FileTenant struct {
	Domain           string             `json:"domain"`
	Clients          []*Client          `json:"clients"`
	ServiceProviders []*ServiceProvider `json:"serviceProviders"`
}

// sort puts the file in its one order, and every item in its canonical
// form.
func (f *File) sort() {
	slices.SortFunc(f.Tenants, func(a, b *FileTenant) int { return strings.Compare(a.Domain, b.Domain) })
	for _, t := range f.Tenants {
		if t.Clients == nil {
			t.Clients = []*Client{}
		}
		if t.ServiceProviders == nil {
			t.ServiceProviders = []*ServiceProvider{}
		}
		for _, c := range t.Clients {
			c.canonical()
		}
		slices.SortFunc(t.Clients, func(a, b *Client) int { return strings.Compare(a.ConsumerKey, b.ConsumerKey) })
		slices.SortFunc(t.ServiceProviders, func(a, b *ServiceProvider) int { return strings.Compare(a.Name, b.Name) })
	}
}

// Marshal returns the file in its one written form.
func (f *File) Marshal() ([]byte, error) {
	f.Format, f.Version = FileFormat, FileVersion
	f.sort()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxFileBytes bounds an export file read whole.
const maxFileBytes = 1 << 30

// ReadFile reads an export file, refusing another format, a version this
// package does not know, unknown fields and duplicate tenants, keys or
// names.
func ReadFile(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("the file is larger than %d bytes", maxFileBytes)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not an export file: %w", err)
	}
	switch {
	case head.Format != FileFormat:
		return nil, fmt.Errorf("not an export file: format is %q, want %q", head.Format, FileFormat)
	case head.Version < 1 || head.Version > FileVersion:
		return nil, fmt.Errorf("export file version %d: this isadmin reads version 1 to %d; use a newer isadmin", head.Version, FileVersion)
	}
	var f File
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("export file: %w", err)
	}
	domains := map[string]bool{}
	for _, t := range f.Tenants {
		if t == nil || t.Domain == "" {
			return nil, errors.New("export file: a tenant without a domain")
		}
		if domains[t.Domain] {
			return nil, fmt.Errorf("export file: tenant %s is there twice", t.Domain)
		}
		domains[t.Domain] = true
		keys := map[string]bool{}
		for _, c := range t.Clients {
			if c == nil || c.ConsumerKey == "" {
				return nil, fmt.Errorf("export file: tenant %s: a client without a consumerKey", t.Domain)
			}
			if keys[c.ConsumerKey] {
				return nil, fmt.Errorf("export file: tenant %s: client %s is there twice", t.Domain, c.ConsumerKey)
			}
			keys[c.ConsumerKey] = true
		}
		names := map[string]bool{}
		for _, sp := range t.ServiceProviders {
			if sp == nil || sp.Name == "" {
				return nil, fmt.Errorf("export file: tenant %s: a service provider without a name", t.Domain)
			}
			if names[sp.Name] {
				return nil, fmt.Errorf("export file: tenant %s: service provider %s is there twice", t.Domain, sp.Name)
			}
			names[sp.Name] = true
		}
	}
	return &f, nil
}

// FileSource reads the tenants of an export file.
type FileSource struct {
	File *File
}

// Tenants lists the file's tenants.
func (s *FileSource) Tenants(ctx context.Context) ([]string, error) {
	var out []string
	for _, t := range s.File.Tenants {
		out = append(out, t.Domain)
	}
	return out, nil
}

// ReadTenant returns what the file holds of a tenant.
func (s *FileSource) ReadTenant(ctx context.Context, domain string, p Progress) (*TenantData, error) {
	for _, t := range s.File.Tenants {
		if t.Domain == domain {
			return &TenantData{Domain: domain, Clients: t.Clients, ServiceProviders: t.ServiceProviders}, nil
		}
	}
	return nil, fmt.Errorf("the file has no tenant %s", domain)
}

// Export reads the given tenants of the database (every tenant when
// domains is empty) into an export file. Client secrets are opened, so the
// database must have its secret keys (schema.DB.UseSecretKeys).
func Export(ctx context.Context, db *schema.DB, domains []string) (*File, error) {
	if len(domains) == 0 {
		tenants, err := db.ListTenants(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range tenants {
			domains = append(domains, t.Domain)
		}
	}
	f := &File{Format: FileFormat, Version: FileVersion}
	for _, domain := range domains {
		t, err := db.FindTenantByDomain(ctx, domain)
		if err != nil {
			if errors.Is(err, admin.ErrNotFound) {
				return nil, fmt.Errorf("tenant %s does not exist", domain)
			}
			return nil, err
		}
		ft := &FileTenant{Domain: domain}
		apps, err := db.ListTenantOAuthApps(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, app := range apps {
			c, err := clientOfApp(app)
			if err != nil {
				return nil, fmt.Errorf("tenant %s: client %s: %w", domain, app.ConsumerKey, err)
			}
			ft.Clients = append(ft.Clients, c)
		}
		sps, _, err := db.ListServiceProviders(ctx, t.ID, "", 0, 0)
		if err != nil {
			return nil, err
		}
		for _, rec := range sps {
			sp, err := serviceProviderOf(rec)
			if err != nil {
				return nil, fmt.Errorf("tenant %s: service provider %s: %w", domain, rec.Name, err)
			}
			ft.ServiceProviders = append(ft.ServiceProviders, sp)
		}
		f.Tenants = append(f.Tenants, ft)
	}
	f.sort()
	return f, nil
}
