package main

// Every operation of every service of every profile, called with a request
// built from the profile's own schema: each answer must be the operation's
// response element, a nil or one-way answer, or a fault, never an unknown
// operation; and, like every answer of the suite, it is validated with
// xmllint against that profile's schema, which rejects elements the schema
// does not declare, as an Axis2 ADB stub does (xmlvalid_test.go).

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/isadmin/isadmin/wsdl"
)

// eoServices are the services probed, with their paths.
var eoServices = []struct{ name, path string }{
	{"OAuthAdminService", oauthSvc},
	{"IdentityApplicationManagementService", appMgtSvc},
	{"AuthenticationAdmin", "/services/AuthenticationAdmin"},
}

// eoMustSucceed are the reads that answer without a fault in every profile
// that has them, given the client and application the probe makes first:
// their answers carry the full DTOs the schema validation is about.
var eoMustSucceed = map[string]bool{
	"getOAuthApplicationData":          true,
	"getOAuthApplicationDataByAppName": true,
	"getAllOAuthApplicationData":       true,
	"getAllowedGrantTypes":             true,
	"getApplication":                   true,
	"getAllApplicationBasicInfo":       true,
	"getAllLocalAuthenticators":        true,
}

// eoValue is the sample text of a simple field, by name where the name
// matters (keys and names of what the probe made), else by type.
func eoValue(f *wsdl.Field, n int) string {
	switch f.Name {
	case "consumerKey", "oauthConsumerKey":
		if n > 0 {
			return fmt.Sprintf("probe-new-%d", n)
		}
		return "probe-key"
	case "appName", "applicationName":
		if n > 0 {
			return fmt.Sprintf("probe-new-%d", n)
		}
		return "probe-app"
	case "grantTypes":
		return "client_credentials"
	case "callbackUrl":
		return "https://probe.example/cb"
	case "OAuthVersion":
		return "OAuth-2.0"
	case "username":
		return "admin"
	case "password":
		return "admin"
	case "remoteAddress":
		return "127.0.0.1"
	case "newState", "state":
		return "ACTIVE"
	}
	switch f.XSDType.Local {
	case "boolean":
		return "false"
	case "int", "long", "short", "integer":
		return "1"
	case "base64Binary":
		return "cHJvYmU="
	}
	return "probe"
}

// eoElement writes field f with sample content, complex fields to depth 3.
func eoElement(b *strings.Builder, f *wsdl.Field, n, depth int) {
	fmt.Fprintf(b, `<%s xmlns="%s">`, f.Name, f.Space)
	if f.Elem != nil {
		if depth < 3 {
			for _, c := range f.Elem.Fields {
				eoElement(b, c, n, depth+1)
			}
		}
	} else {
		b.WriteString(eoValue(f, n))
	}
	fmt.Fprintf(b, `</%s>`, f.Name)
}

// eoRequest builds the request body of op; n > 0 makes the keys and names
// it carries new ones.
func eoRequest(op *wsdl.Operation, n int) string {
	var b strings.Builder
	if op.Input == nil {
		return ""
	}
	fmt.Fprintf(&b, `<%s xmlns="%s">`, op.Input.Name.Local, op.Input.Name.Space)
	for _, f := range op.Input.Fields {
		eoElement(&b, f, n, 0)
	}
	fmt.Fprintf(&b, `</%s>`, op.Input.Name.Local)
	return b.String()
}

// eoOrder puts reads first, then writes, then what removes, so the probe's
// client and application exist for the reads.
func eoOrder(name string) int {
	switch {
	case strings.HasPrefix(name, "get") || strings.HasPrefix(name, "is"):
		return 0
	case strings.HasPrefix(name, "remove") || strings.HasPrefix(name, "delete") || name == "logout":
		return 2
	}
	return 1
}

func TestEveryOperationOfEveryProfile(t *testing.T) {
	for _, profile := range wsdl.Names() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, profile)
			s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("probe-app", "probe-key", "probe-secret", "https://probe.example/cb", "client_credentials")})
			if s.Profile.Service("IdentityApplicationManagementService").Operation("createApplication") != nil {
				rpCreateApp(t, s, "probe-app")
			}
			for _, svc := range eoServices {
				service := s.Profile.Service(svc.name)
				if service == nil {
					continue
				}
				ops := append([]*wsdl.Operation(nil), service.Operations...)
				sort.SliceStable(ops, func(i, j int) bool { return eoOrder(ops[i].Name) < eoOrder(ops[j].Name) })
				succeeded := 0
				for n, op := range ops {
					fresh := 0
					if eoOrder(op.Name) == 1 {
						fresh = n + 1
					}
					for _, v := range []soapVersion{soap11, soap12} {
						what := fmt.Sprintf("%s %s %s", svc.name, op.Name, v)
						r := s.do(t, call{path: svc.path, version: v, action: op.Name, body: eoRequest(op, fresh),
							noAuth: svc.name == "AuthenticationAdmin"})
						if eoAnswered(t, what, op, r) {
							succeeded++
						} else if eoMustSucceed[op.Name] {
							t.Errorf("%s: a fault, want an answer:\n%s", what, r.Body)
						}
					}
				}
				t.Logf("%s: %d operations, %d answers without a fault of %d", svc.name, len(ops), succeeded, 2*len(ops))
			}
		})
	}
}

// eoAnswered checks the answer r to op and reports whether it is one
// without a fault.
func eoAnswered(t *testing.T, what string, op *wsdl.Operation, r *result) bool {
	t.Helper()
	if op.OneWay {
		if r.Status == http.StatusAccepted && len(r.Body) == 0 {
			return true
		}
	}
	if r.Doc == nil {
		t.Errorf("%s: HTTP %d without an envelope:\n%s", what, r.Status, r.Body)
		return false
	}
	body := r.Doc.FindElement("/Envelope/Body")
	if body == nil || len(body.ChildElements()) != 1 {
		t.Errorf("%s: no single payload:\n%s", what, r.Body)
		return false
	}
	p := body.ChildElements()[0]
	if p.Tag == "Fault" {
		_, reason := r.fault(t)
		if strings.Contains(reason, "The endpoint reference (EPR) for the Operation not found") {
			t.Errorf("%s: the profile's own operation is unknown", what)
		}
		if r.Status != http.StatusInternalServerError {
			t.Errorf("%s: a fault with HTTP %d", what, r.Status)
		}
		return false
	}
	if op.OneWay {
		t.Errorf("%s: a one-way operation answered HTTP %d:\n%s", what, r.Status, r.Body)
		return false
	}
	if want := op.Name + "Response"; p.Tag != want || r.Status != http.StatusOK {
		t.Errorf("%s: HTTP %d %s, want 200 %s", what, r.Status, p.Tag, want)
		return false
	}
	return true
}
