package web_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// control is a form control of a page, as a label finds it.
type control struct {
	tag, id, kind, name string
	labelled            bool
}

// formControls reads a page's form controls and the ids its labels name,
// and reports duplicate ids.
func formControls(t *testing.T, page string) (controls []control, labelFor map[string]bool) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	labelFor = map[string]bool{}
	ids := map[string]bool{}
	inLabel := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			if id := attr["id"]; id != "" {
				if ids[id] {
					t.Errorf("id %q appears twice", id)
				}
				ids[id] = true
			}
			switch e.Name.Local {
			case "label":
				inLabel++
				if f := attr["for"]; f != "" {
					labelFor[f] = true
				}
			case "input", "select", "textarea":
				kind := attr["type"]
				if e.Name.Local == "input" && (kind == "hidden" || kind == "submit" || kind == "button") {
					continue
				}
				controls = append(controls, control{tag: e.Name.Local, id: attr["id"], kind: kind, name: attr["name"],
					labelled: inLabel > 0 || attr["aria-label"] != "" || attr["aria-labelledby"] != "" || attr["title"] != ""})
			}
		case xml.EndElement:
			if e.Name.Local == "label" && inLabel > 0 {
				inLabel--
			}
		}
	}
	return controls, labelFor
}

// TestEveryControlHasALabel reads every page of the console and the store,
// in the state where it shows the most forms, and checks that every field
// has a label a screen reader announces, that ids are unique, and that no
// button is a bare element a keyboard cannot reach.
func TestEveryControlHasALabel(t *testing.T) {
	s := newSite(t, "is-7.3")
	console := s.browser(t)
	console.signIn("/carbon/", "admin", "admin")
	resp := console.post("/carbon/service-providers", url.Values{"spName": {"Labelled"}, "description": {"d"}})
	resp.Body.Close()
	resp = console.post("/carbon/service-providers/oauth", consoleOAuthForm("Labelled", "https://cb.example/", "authorization_code", "client_credentials"))
	resp.Body.Close()
	store := s.browser(t)
	store.signIn("/store/", "admin", "admin")
	resp = store.post("/store/applications", url.Values{"name": {"Labelled"}, "description": {"d"}})
	resp.Body.Close()
	_, home := store.get("/store/")
	appID := regexp.MustCompile(`/store/applications/([0-9a-f-]{36})`).FindStringSubmatch(home)
	if appID == nil {
		t.Fatalf("no application on the store's page: %s", home)
	}
	resp = store.post("/store/applications/"+appID[1]+"/keys/production/generate", nil)
	resp.Body.Close()

	pages := []struct {
		b    *browser
		path string
	}{
		{s.browser(t), "/"},
		{s.browser(t), "/carbon/login"},
		{s.browser(t), "/store/login"},
		{console, "/carbon/"},
		{console, "/carbon/service-providers"},
		{console, consoleEditPath("Labelled")},
		{console, "/carbon/service-providers/oauth?spName=Labelled"},
		{console, "/carbon/oauth-clients"},
		{console, "/carbon/users"},
		{console, "/carbon/roles"},
		{console, "/carbon/tenants"},
		{store, "/store/"},
		{store, "/store/applications/" + appID[1] + "?provide=sandbox"},
	}
	for _, p := range pages {
		code, body := p.b.get(p.path)
		if code != http.StatusOK {
			t.Errorf("%s: %d", p.path, code)
			continue
		}
		controls, labelFor := formControls(t, body)
		if len(controls) == 0 && p.path != "/" && p.path != "/carbon/" && p.path != "/carbon/oauth-clients" {
			t.Errorf("%s: no form fields found: the check reads nothing", p.path)
		}
		for _, c := range controls {
			if !c.labelled && (c.id == "" || !labelFor[c.id]) {
				t.Errorf("%s: %s %s name=%q id=%q has no label", p.path, c.tag, c.kind, c.name, c.id)
			}
		}
		if strings.Contains(body, "onclick=") || strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
			t.Errorf("%s: inline script or style, which the Content-Security-Policy refuses", p.path)
		}
		if regexp.MustCompile(`<(div|span)[^>]*(data-copy|data-show|data-reveal)`).MatchString(body) {
			t.Errorf("%s: an action on an element the keyboard cannot reach (use a button or a link)", p.path)
		}
	}
}
