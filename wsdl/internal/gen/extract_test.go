package gen

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// referenceDir holds the reference WSDLs of the WSO2 releases, outside the
// module (shared/reference/wsdl next to the repository).
const referenceDir = "../../../../shared/reference/wsdl"

// requiredReferences must be present whenever referenceDir is.
var requiredReferences = []string{
	"OAuthAdminService.is-5.0.wsdl",
	"OAuthAdminService.is-7.wsdl",
	"IdentityApplicationManagementService.is-5.0.wsdl",
	"IdentityApplicationManagementService.is-7.wsdl",
	"AuthenticationAdmin.wsdl",
}

// TestReferenceRoundTrip extracts the contract of every reference WSDL,
// renders it and extracts it again: both contracts must be equal, and so
// must the contract after a trip through the text format.
func TestReferenceRoundTrip(t *testing.T) {
	if _, err := os.Stat(referenceDir); err != nil {
		t.Skipf("reference WSDLs not available (%v); they live in shared/reference/wsdl beside the repository", err)
	}
	for _, name := range requiredReferences {
		if _, err := os.Stat(filepath.Join(referenceDir, name)); err != nil {
			t.Errorf("required reference missing: %v", err)
		}
	}
	paths, err := filepath.Glob(filepath.Join(referenceDir, "*.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ContractFromWSDL(data)
			if err != nil {
				t.Fatalf("ContractFromWSDL: %v", err)
			}
			doc := RenderWSDL(c)
			checkWellFormed(t, doc)
			again, err := ContractFromWSDL(doc)
			if err != nil {
				t.Fatalf("ContractFromWSDL(RenderWSDL(c)): %v", err)
			}
			if !reflect.DeepEqual(again, c) {
				t.Errorf("ContractFromWSDL(RenderWSDL(c)) differs from c:\n%s\nwant\n%s", FormatContract(again), FormatContract(c))
			}
			text := FormatContract(c)
			parsed, err := ParseContract(bytes.NewReader(text))
			if err != nil {
				t.Fatalf("ParseContract(FormatContract(c)): %v", err)
			}
			if !reflect.DeepEqual(parsed, c) {
				t.Errorf("ParseContract(FormatContract(c)) differs from c")
			}
		})
	}
}

// TestReferencePrefixes checks the prefixes chosen for the reference
// namespaces.
func TestReferencePrefixes(t *testing.T) {
	if _, err := os.Stat(referenceDir); err != nil {
		t.Skipf("reference WSDLs not available (%v)", err)
	}
	tests := map[string][]Prefix{
		"OAuthAdminService.is-7.wsdl": {
			{Name: "tns", URI: "http://oauth.identity.carbon.wso2.org"},
			{Name: "ns", URI: Axis2Namespace},
			{Name: "base", URI: "http://base.identity.carbon.wso2.org/xsd", Wire: "ax2403"},
			{Name: "oauth", URI: "http://oauth.identity.carbon.wso2.org/xsd", Wire: "ax2402"},
			// The definitions bind ax2406 and ax2407 to the dto namespace
			// (and ax2402, ax2405 to oauth): the lowest is the type table's.
			{Name: "dto", URI: "http://dto.oauth.identity.carbon.wso2.org/xsd", Wire: "ax2406"},
		},
		"AuthenticationAdmin.wsdl": {
			{Name: "tns", URI: "http://authentication.services.core.carbon.wso2.org"},
			{Name: "authentication", URI: "http://authentication.services.core.carbon.wso2.org/xsd", Wire: "ax29"},
			{Name: "common", URI: "http://common.core.carbon.wso2.org/xsd", Wire: "ax27"},
		},
	}
	for name, want := range tests {
		data, err := os.ReadFile(filepath.Join(referenceDir, name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := ContractFromWSDL(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(c.Prefixes, want) {
			t.Errorf("%s: prefixes %v, want %v", name, c.Prefixes, want)
		}
	}
}

func TestAssignPrefixes(t *testing.T) {
	c := &Contract{
		TargetNamespace: "http://svc.example.org",
		Schemas: []*Schema{
			{Namespace: "http://dto.a.example.org/xsd"},
			{Namespace: "http://dto.b.example.org/xsd"},
			{Namespace: "urn:example:types"},
			{Namespace: Axis2Namespace},
			{Namespace: "http://tns.example.org/xsd"},
			{Namespace: "http://soap.example.org/xsd"},
			{Namespace: "http://xmlthing.example.org/xsd"},
			{Namespace: "http://1abc.example.org/xsd"},
		},
	}
	c.Schemas[0].Types = []*ComplexType{{Name: "T", Fields: []Field{
		{Name: "x", Type: xml.Name{Space: "http://model.example.org/xsd", Local: "M"}},
		{Name: "y", Type: xsd("string")},
	}}}
	assignPrefixes(c)
	want := []Prefix{
		{Name: "tns", URI: "http://svc.example.org"},
		{Name: "dto", URI: "http://dto.a.example.org/xsd"},
		{Name: "dto2", URI: "http://dto.b.example.org/xsd"},
		{Name: "ns2", URI: "urn:example:types"},
		{Name: "ns", URI: Axis2Namespace},
		{Name: "tns2", URI: "http://tns.example.org/xsd"},
		{Name: "ns3", URI: "http://soap.example.org/xsd"},
		{Name: "ns4", URI: "http://xmlthing.example.org/xsd"},
		{Name: "ns5", URI: "http://1abc.example.org/xsd"},
		{Name: "model", URI: "http://model.example.org/xsd"},
	}
	if !reflect.DeepEqual(c.Prefixes, want) {
		t.Errorf("prefixes\n%v, want\n%v", c.Prefixes, want)
	}
}

// TestContractFromWSDLErrors breaks a rendered document in the ways
// ContractFromWSDL must refuse.
func TestContractFromWSDLErrors(t *testing.T) {
	doc := string(RenderWSDL(sampleContract()))
	soap12 := strings.Index(doc, `<wsdl:binding name="SampleServiceSoap12Binding"`)
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"not a WSDL", `<definitions xmlns="urn:other"/>`, "not wsdl:definitions"},
		{"not XML", `<wsdl:definitions`, "parse WSDL"},
		{"SOAP 1.1 action", strings.Replace(doc, `soapAction="urn:ping"`, `soapAction="urn:pong"`, 1),
			`operation ping: soapAction "urn:pong", want "urn:ping"`},
		{"SOAP 1.2 action", doc[:soap12] + strings.Replace(doc[soap12:], `soapAction="urn:ping"`, `soapAction=""`, 1),
			`SampleServiceSoap12Binding operation ping: soapAction "", want "urn:ping"`},
		{"missing binding operation", withoutLastOperation(doc, "reset"),
			"binding SampleServiceHttpBinding: operations [deleteItem getItems ping] differ"},
		{"message name", strings.Replace(doc, `message="tns:pingRequest"`, `message="tns:pingIn"`, 1),
			"message tns:pingIn: want pingRequest"},
		{"fault message name", strings.Replace(doc, `<wsdl:fault message="tns:SampleServiceSampleException" name="SampleServiceSampleException"`,
			`<wsdl:fault message="tns:SampleServiceSampleException" name="Other"`, 1), "fault Other"},
		{"fault element", strings.Replace(doc, `element="ns:SampleServiceSampleException"`, `element="ns:getItems"`, 1),
			"is not the one global element named SampleServiceSampleException"},
		{"attribute", strings.Replace(doc, `<xs:sequence/>`, `<xs:sequence/><xs:attribute name="a" type="xs:string"/>`, 1),
			"attributes are not supported"},
		{"choice", strings.Replace(doc, `<xs:sequence/>`, `<xs:choice><xs:element name="a" type="xs:string"/></xs:choice>`, 1),
			"xs:choice is not supported"},
		{"element ref", strings.Replace(doc, `name="limit" type="xs:int"`, `ref="ns:getItems"`, 1),
			"only elements with a name and a type attribute"},
		{"undefined type", strings.Replace(doc, `type="ax2406:ItemDTO"`, `type="ax2406:Nope"`, 1),
			"type {http://dto.sample.example.org/xsd}Nope is not defined"},
		{"two services", strings.Replace(doc, "</wsdl:definitions>", `<wsdl:service name="X"/></wsdl:definitions>`, 1),
			"want exactly one wsdl:service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == doc {
				t.Fatal("the replacement did not change the document")
			}
			_, err := ContractFromWSDL([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ContractFromWSDL = %v, want %q", err, tt.want)
			}
		})
	}
}

// withoutLastOperation removes the last wsdl:operation called name (the
// one of the HTTP binding) from doc.
func withoutLastOperation(doc, name string) string {
	start := strings.LastIndex(doc, `<wsdl:operation name="`+name+`">`)
	end := start + strings.Index(doc[start:], "</wsdl:operation>") + len("</wsdl:operation>")
	return doc[:start] + doc[end:]
}
