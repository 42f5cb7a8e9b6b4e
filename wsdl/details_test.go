package wsdl

import (
	"regexp"
	"strings"
	"testing"
)

// TestDetailPrefixes: a typed detail is written by the bean writer that
// writes returned DTOs, so every prefix a profile's detail template binds
// to a namespace is the one the profile's WSDL of that service binds to it;
// a release whose WSDL renumbers its prefixes needs a template of its own.
func TestDetailPrefixes(t *testing.T) {
	decl := regexp.MustCompile(`xmlns:(ax\d+)="([^"]*)"`)
	for _, name := range Names() {
		p, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for key, tmpl := range p.details {
			service, _, _ := strings.Cut(key, "/")
			svc := p.Service(service)
			if svc == nil {
				t.Errorf("%s: detail %s names a service the profile lacks", name, key)
				continue
			}
			served := map[string]string{}
			for _, m := range decl.FindAllStringSubmatch(string(svc.Document), -1) {
				served[m[1]] = m[2]
			}
			for _, m := range decl.FindAllStringSubmatch(tmpl, -1) {
				if served[m[1]] != m[2] {
					t.Errorf("%s: detail %s binds %s to %s; the WSDL binds it to %q", name, key, m[1], m[2], served[m[1]])
				}
			}
		}
	}
}

// TestDetailLookup: a code takes its own key, else the longest wildcard
// of its service.
func TestDetailLookup(t *testing.T) {
	p := &Profile{details: map[string]string{
		"S/a.*":   "any a",
		"S/a.b.*": "any a.b",
		"S/a.b.c": "exactly a.b.c",
		"T/x":     "x of T",
	}}
	for _, c := range []struct{ service, code, want string }{
		{"S", "a.b.c", "exactly a.b.c"},
		{"S", "a.b.d", "any a.b"},
		{"S", "a.z", "any a"},
		{"S", "b.z", ""},
		{"T", "a.z", ""},
		{"S", "x", ""},
		{"T", "x", "x of T"},
	} {
		got, ok := p.Detail(c.service, c.code)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Detail(%s, %s) = %q, %v; want %q", c.service, c.code, got, ok, c.want)
		}
	}
}
