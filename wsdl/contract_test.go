package wsdl_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/wsdl"
)

var update = flag.Bool("update", false, "rewrite testdata/contracts from ../shared/reference/wsdl")

// referenceDir holds the upstream WSDLs when the shared reference is present.
const referenceDir = "../../shared/reference/wsdl"

// contractSummary lists, one line each, what a client depends on in a WSDL:
// operations with action and message elements, the namespace of every
// global element, and every type's sequence with occurrence and
// nillability. It reads the document with etree, independently of the
// parser the server uses.
func contractSummary(t *testing.T, data []byte) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	resolve := func(e *etree.Element, qname string) string {
		prefix, local, ok := strings.Cut(qname, ":")
		if !ok {
			return qname
		}
		for n := e; n != nil; n = n.Parent() {
			if v := n.SelectAttrValue("xmlns:"+prefix, ""); v != "" {
				return "{" + v + "}" + local
			}
		}
		t.Fatalf("undeclared prefix in %q", qname)
		return ""
	}
	var lines []string
	msgs := map[string]string{}
	for _, m := range root.SelectElements("message") {
		part := m.SelectElement("part")
		if part == nil {
			msgs[m.SelectAttrValue("name", "")] = "empty"
			continue
		}
		msgs[m.SelectAttrValue("name", "")] = resolve(part, part.SelectAttrValue("element", ""))
	}
	msgOf := func(e *etree.Element) string {
		if e == nil {
			return "none"
		}
		ref := e.SelectAttrValue("message", "")
		_, local, _ := strings.Cut(ref, ":")
		return msgs[local]
	}
	actions := map[string]string{}
	for _, b := range root.SelectElements("binding") {
		for _, op := range b.SelectElements("operation") {
			for _, so := range op.ChildElements() {
				if so.Tag == "operation" && so.SelectAttr("soapAction") != nil {
					actions[b.ChildElements()[0].Space+" "+op.SelectAttrValue("name", "")] = so.SelectAttrValue("soapAction", "")
				}
			}
		}
	}
	for _, op := range root.SelectElement("portType").SelectElements("operation") {
		name := op.SelectAttrValue("name", "")
		var faults []string
		for _, f := range op.SelectElements("fault") {
			faults = append(faults, f.SelectAttrValue("name", ""))
		}
		lines = append(lines, fmt.Sprintf("operation %s soap11=%s soap12=%s input=%s output=%s faults=%s", name,
			actions[root.SelectElement("binding").ChildElements()[0].Space+" "+name], soap12Action(root, name),
			msgOf(op.SelectElement("input")), msgOf(op.SelectElement("output")), strings.Join(faults, ",")))
	}
	seq := func(ct *etree.Element) string {
		var fields []string
		for _, e := range ct.FindElements(".//element") {
			fields = append(fields, fmt.Sprintf("%s:%s:%s..%s:nil=%s", e.SelectAttrValue("name", ""),
				resolve(e, e.SelectAttrValue("type", "")), e.SelectAttrValue("minOccurs", "1"),
				e.SelectAttrValue("maxOccurs", "1"), e.SelectAttrValue("nillable", "false")))
		}
		base := ""
		if ext := ct.FindElement(".//extension"); ext != nil {
			base = " extends " + resolve(ext, ext.SelectAttrValue("base", ""))
		}
		return base + " [" + strings.Join(fields, " ") + "]"
	}
	for _, s := range root.FindElements("./types/schema") {
		tns := s.SelectAttrValue("targetNamespace", "")
		for _, el := range s.SelectElements("element") {
			lines = append(lines, fmt.Sprintf("element {%s}%s%s", tns, el.SelectAttrValue("name", ""), seq(el)))
		}
		for _, ct := range s.SelectElements("complexType") {
			lines = append(lines, fmt.Sprintf("type {%s}%s%s", tns, ct.SelectAttrValue("name", ""), seq(ct)))
		}
	}
	var ports []string
	for _, p := range root.FindElements("./service/port") {
		_, binding, _ := strings.Cut(p.SelectAttrValue("binding", ""), ":")
		ports = append(ports, p.SelectAttrValue("name", "")+"="+binding)
	}
	lines = append(lines, "ports "+strings.Join(ports, " "))
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func soap12Action(root *etree.Element, op string) string {
	for _, b := range root.SelectElements("binding") {
		if len(b.ChildElements()) == 0 || b.ChildElements()[0].Space == "" {
			continue
		}
		for _, o := range b.SelectElements("operation") {
			if o.SelectAttrValue("name", "") != op {
				continue
			}
			for _, c := range o.ChildElements() {
				if c.Tag == "operation" && c.NamespaceURI() == "http://schemas.xmlsoap.org/wsdl/soap12/" {
					return c.SelectAttrValue("soapAction", "")
				}
			}
		}
	}
	return ""
}

// profileReferences names the upstream WSDL each profile document is
// contract-equivalent to (../shared/reference/notes/wsdl-versions.md maps
// each release to its files; identical neighbours share one). The
// IdentityApplicationManagementService of IS 7.1 to 7.3 could not be
// obtained: those profiles serve IS 7.0's stand-in.
var profileReferences = func() map[string]string {
	oauth := map[string]string{
		"is-5.0": "is-5.0", "is-5.1": "is-5.0", "is-5.2": "is-5.2", "is-5.3": "is-5.3", "is-5.4": "is-5.4",
		"is-5.5": "is-5.5", "is-5.6": "is-5.6", "is-5.7": "is-5.7", "is-5.8": "is-5.8", "is-5.9": "is-5.8",
		"is-5.10": "is-5.10", "is-5.11": "is-5.11", "is-6.0": "is-5.11", "is-6.1": "is-5.11",
		"is-7.0": "is-7.0", "is-7.1": "is-7.1", "is-7.2": "is-7.1", "is-7.3": "is-7.3", "is-next": "is-7",
	}
	appMgt := map[string]string{
		"is-5.0": "is-5.0", "is-5.1": "is-5.1", "is-5.2": "is-5.1", "is-5.3": "is-5.3", "is-5.4": "is-5.3",
		"is-5.5": "is-5.5", "is-5.6": "is-5.6", "is-5.7": "is-5.7", "is-5.8": "is-5.8", "is-5.9": "is-5.9",
		"is-5.10": "is-5.10", "is-5.11": "is-5.11", "is-6.0": "is-6.0", "is-6.1": "is-6.1",
		"is-7.0": "is-7.0-fw7.0.2", "is-7.1": "is-7.0-fw7.0.2", "is-7.2": "is-7.0-fw7.0.2", "is-7.3": "is-7.0-fw7.0.2", "is-next": "is-7",
	}
	refs := map[string]string{}
	for profile, ref := range oauth {
		refs[profile+"/OAuthAdminService"] = "OAuthAdminService." + ref + ".wsdl"
		refs[profile+"/IdentityApplicationManagementService"] = "IdentityApplicationManagementService." + appMgt[profile] + ".wsdl"
		refs[profile+"/AuthenticationAdmin"] = "AuthenticationAdmin.wsdl"
	}
	return refs
}()

// services are the admin services every profile serves.
var services = []string{"OAuthAdminService", "IdentityApplicationManagementService", "AuthenticationAdmin"}

// TestWSDLContract compares every served profile document with the
// expectations kept in testdata/contracts, and those with the upstream
// references when the shared reference folder is present.
func TestWSDLContract(t *testing.T) {
	for _, profile := range wsdl.Names() {
		p, err := wsdl.Load(profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, service := range services {
			key := profile + "/" + service
			t.Run(key, func(t *testing.T) {
				golden := filepath.Join("..", "testdata", "contracts", profile, service+".txt")
				ref, hasRef := profileReferences[key]
				refPath := filepath.Join(referenceDir, ref)
				if *update {
					data, err := os.ReadFile(refPath)
					if err != nil {
						t.Fatalf("-update needs the reference: %v", err)
					}
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, []byte(contractSummary(t, data)), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("no expectations for %s: %v", key, err)
				}
				served := p.Service(service)
				if served == nil {
					t.Fatalf("profile %s does not load %s", profile, service)
				}
				if got := contractSummary(t, served.Document); got != string(want) {
					t.Errorf("served contract of %s differs from %s:\n%s", key, golden, lineDiff(got, string(want)))
				}
				if !hasRef {
					t.Fatalf("profileReferences lacks %s", key)
				}
				data, err := os.ReadFile(refPath)
				if os.IsNotExist(err) {
					t.Skipf("reference folder %s absent: compared with testdata only", referenceDir)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := contractSummary(t, data); got != string(want) {
					t.Errorf("reference %s differs from %s:\n%s", ref, golden, lineDiff(got, string(want)))
				}
			})
		}
	}
}

func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	inWant := map[string]bool{}
	for _, l := range w {
		inWant[l] = true
	}
	inGot := map[string]bool{}
	for _, l := range g {
		inGot[l] = true
	}
	var b strings.Builder
	for _, l := range g {
		if !inWant[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range w {
		if !inGot[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// TestProfilesLoad checks the operation tables the server derives.
func TestProfilesLoad(t *testing.T) {
	cases := []struct {
		profile      string
		operations   int
		oneWay       []string
		emptyOutput  []string
		dtoFieldsLen int
	}{
		{"is-5.0", 10, []string{"registerOAuthApplicationData", "removeOAuthApplicationData", "updateConsumerApplication"}, nil, 7},
		// Void operations are one-way up to 5.2 and answer a nil return
		// from 5.3; the scope writers of 5.7 are one-way until 5.10, and
		// deleteScope stays so.
		{"is-5.2", 11, []string{"registerOAuthApplicationData", "removeOAuthApplicationData", "updateConsumerApplication"}, nil, 9},
		{"is-5.3", 15, nil, []string{"registerOAuthApplicationData", "updateConsumerApplication", "removeOAuthApplicationData", "updateConsumerAppState", "updateOauthSecretKey"}, 10},
		{"is-5.7", 30, []string{"addScope", "deleteScope", "updateScope"}, []string{"registerOAuthApplicationData", "updateConsumerApplication", "removeOAuthApplicationData", "updateConsumerAppState", "updateOauthSecretKey", "getAudiences"}, 23},
		{"is-5.10", 32, []string{"deleteScope"}, []string{"registerOAuthApplicationData", "updateConsumerApplication", "removeOAuthApplicationData", "updateConsumerAppState", "updateOauthSecretKey", "addScope", "updateScope", "getAudiences"}, 26},
		{"is-7.3", 32, []string{"deleteScope"}, []string{"registerOAuthApplicationData", "updateConsumerApplication", "removeOAuthApplicationData", "updateConsumerAppState", "updateOauthSecretKey", "addScope", "updateScope", "getAudiences"}, 55},
		{"is-next", 32, []string{"deleteScope"}, []string{"registerOAuthApplicationData", "updateConsumerApplication", "removeOAuthApplicationData", "updateConsumerAppState", "updateOauthSecretKey", "addScope", "updateScope", "getAudiences"}, 61},
	}
	for _, tc := range cases {
		p, err := wsdl.Load(tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		s := p.Service("OAuthAdminService")
		if len(s.Operations) != tc.operations {
			t.Errorf("%s: %d operations, want %d", tc.profile, len(s.Operations), tc.operations)
		}
		var oneWay, empty []string
		for _, op := range s.Operations {
			if op.Action != "urn:"+op.Name {
				t.Errorf("%s %s: action %q", tc.profile, op.Name, op.Action)
			}
			if op.OneWay {
				oneWay = append(oneWay, op.Name)
			} else if op.Output == nil {
				empty = append(empty, op.Name)
			}
		}
		sort.Strings(oneWay)
		sort.Strings(empty)
		sort.Strings(tc.oneWay)
		sort.Strings(tc.emptyOutput)
		if strings.Join(oneWay, ",") != strings.Join(tc.oneWay, ",") {
			t.Errorf("%s one-way = %v, want %v", tc.profile, oneWay, tc.oneWay)
		}
		if strings.Join(empty, ",") != strings.Join(tc.emptyOutput, ",") {
			t.Errorf("%s void in-out = %v, want %v", tc.profile, empty, tc.emptyOutput)
		}
		get := s.Operation("getOAuthApplicationData")
		if n := len(get.Output.Field("return").Elem.Fields); n != tc.dtoFieldsLen {
			t.Errorf("%s DTO fields = %d, want %d", tc.profile, n, tc.dtoFieldsLen)
		}
	}
	if _, err := wsdl.Load("is-0"); err == nil {
		t.Error("an unknown profile must not load")
	}
}

// TestContractDiffTool runs the shared wire-contract diff on every profile
// document against its reference, when both are present.
func TestContractDiffTool(t *testing.T) {
	tool := "../../shared/tools/wsdl-contract-diff"
	if _, err := os.Stat(tool); err != nil {
		t.Skipf("skipped: %s absent", tool)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("skipped: python3 absent")
	}
	dir := t.TempDir()
	for _, profile := range wsdl.Names() {
		p, err := wsdl.Load(profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, service := range services {
			key := profile + "/" + service
			ref, ok := profileReferences[key]
			if !ok {
				t.Errorf("profileReferences lacks %s", key)
				continue
			}
			// The document as served, inherited ones too.
			served := filepath.Join(dir, profile+"-"+service+".wsdl")
			if err := os.WriteFile(served, p.Service(service).Document, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(python, tool, served, filepath.Join(referenceDir, ref)).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "0 difference(s)") {
				t.Errorf("%s against %s: %v\n%s", key, ref, err, out)
			}
		}
	}
}
