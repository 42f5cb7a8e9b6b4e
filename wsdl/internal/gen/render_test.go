package gen

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hooklift/gowsdl"
)

// profilesDir is wsdl/profiles, seen from this package's directory.
const profilesDir = "../../profiles"

// TestProfilesUpToDate checks that every committed profile WSDL is the
// rendering of its contract.
func TestProfilesUpToDate(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(profilesDir, "*", "*.contract"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skipf("no contracts in %s/*/", profilesDir)
	}
	for _, path := range paths {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseContract(bytes.NewReader(text))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if got := FormatContract(c); !bytes.Equal(got, text) {
				t.Errorf("%s is not in canonical form; canonical form:\n%s", path, got)
			}
			if base := filepath.Base(path); base != c.Service+".contract" {
				t.Errorf("%s holds service %s; name it %s.contract", path, c.Service, c.Service)
			}
			wsdlPath := strings.TrimSuffix(path, ".contract") + ".wsdl"
			committed, err := os.ReadFile(wsdlPath)
			if err != nil {
				t.Fatalf("%v; run go generate ./wsdl", err)
			}
			if !bytes.Equal(committed, RenderWSDL(c)) {
				t.Errorf("%s is stale: it differs from the rendering of %s; run go generate ./wsdl", wsdlPath, path)
			}
		})
	}
}

// checkWellFormed decodes every token of doc.
func checkWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("rendered WSDL is not well-formed: %v", err)
		}
	}
}

func TestRenderWSDL(t *testing.T) {
	c := sampleContract()
	doc := RenderWSDL(c)
	checkWellFormed(t, doc)
	if !bytes.Equal(doc, RenderWSDL(sampleContract())) {
		t.Error("RenderWSDL is not deterministic")
	}
	s := string(doc)
	if !strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<!-- Generated from SampleService.contract by \"go generate ./wsdl\". DO NOT EDIT. -->\n<wsdl:definitions ") {
		t.Errorf("unexpected document head:\n%.300s", s)
	}
	for _, want := range []string{
		`xmlns:tns="http://sample.example.org" xmlns:ns="http://org.apache.axis2/xsd" xmlns:ax2406="http://dto.sample.example.org/xsd" xmlns:base="http://base.example.org/xsd" targetNamespace="http://sample.example.org">`,
		"\n  <wsdl:documentation>SampleService</wsdl:documentation>\n",
		"\n    <xs:schema attributeFormDefault=\"qualified\" elementFormDefault=\"qualified\" targetNamespace=\"http://org.apache.axis2/xsd\">\n" +
			"      <xs:import namespace=\"http://dto.sample.example.org/xsd\"/>\n" +
			"      <xs:element name=\"SampleServiceSampleException\">\n",
		`<xs:element minOccurs="0" name="filter" nillable="true" type="xs:string"/>`,
		`<xs:element name="limit" type="xs:int"/>`,
		`<xs:element maxOccurs="unbounded" minOccurs="0" name="return" nillable="true" type="ax2406:ItemDTO"/>`,
		`<xs:element maxOccurs="5" minOccurs="2" name="tags" type="xs:string"/>`,
		"<xs:element name=\"ping\">\n        <xs:complexType>\n          <xs:sequence/>\n        </xs:complexType>\n      </xs:element>\n",
		"<xs:import namespace=\"http://base.example.org/xsd\"/>",
		"<xs:complexType name=\"SampleException\">\n        <xs:complexContent>\n          <xs:extension base=\"base:BaseException\">\n            <xs:sequence>\n",
		"<wsdl:message name=\"getItemsRequest\">\n    <wsdl:part name=\"parameters\" element=\"ns:getItems\"/>\n  </wsdl:message>\n",
		"<wsdl:message name=\"SampleServiceSampleException\">\n    <wsdl:part name=\"parameters\" element=\"ns:SampleServiceSampleException\"/>\n",
		`<wsdl:message name="pingResponse"/>`,
		`<wsdl:message name="resetRequest"/>`,
		`<wsdl:portType name="SampleServicePortType">`,
		`<wsdl:input message="tns:getItemsRequest" wsaw:Action="urn:getItems"/>`,
		`<wsdl:output message="tns:getItemsResponse" wsaw:Action="urn:getItemsResponse"/>`,
		`<wsdl:fault message="tns:SampleServiceSampleException" name="SampleServiceSampleException" wsaw:Action="urn:deleteItemSampleServiceSampleException"/>`,
		`<wsdl:binding name="SampleServiceSoap11Binding" type="tns:SampleServicePortType">` + "\n" +
			`    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>`,
		`<soap:operation soapAction="urn:getItems" style="document"/>`,
		`<xs:complexType abstract="true" name="BaseException">`,
		"<wsdl:fault name=\"SampleServiceSampleException\">\n        <soap12:fault use=\"literal\" name=\"SampleServiceSampleException\"/>\n      </wsdl:fault>\n",
		`<soap12:operation soapAction="urn:reset" style="document"/>`,
		`<wsdl:binding name="SampleServiceHttpBinding" type="tns:SampleServicePortType">` + "\n" + `    <http:binding verb="POST"/>`,
		"<http:operation location=\"deleteItem\"/>\n      <wsdl:input>\n        <mime:content type=\"text/xml\" part=\"parameters\"/>\n      </wsdl:input>\n    </wsdl:operation>\n",
		`<wsdl:port name="SampleServiceHttpsSoap11Endpoint" binding="tns:SampleServiceSoap11Binding">` + "\n" +
			`      <soap:address location="https://localhost:9443/services/SampleService.SampleServiceHttpsSoap11Endpoint/"/>`,
		`<soap12:address location="https://localhost:9443/services/SampleService.SampleServiceHttpsSoap12Endpoint/"/>`,
		`<wsdl:port name="SampleServiceHttpsEndpoint" binding="tns:SampleServiceHttpBinding">` + "\n" +
			`      <http:address location="https://localhost:9443/services/SampleService.SampleServiceHttpsEndpoint/"/>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("rendered WSDL lacks\n%s", want)
		}
	}
	// One-way operations have no output anywhere; faults are not bound
	// in the HTTP binding; each fault message is written once.
	for sub, n := range map[string]int{
		`name="deleteItemResponse"`:                         0,
		`<wsdl:message name="SampleServiceSampleException"`: 1,
		`<soap:fault `:   2,
		`<soap12:fault `: 2,
		"<wsdl:output>":  3 * 3,
	} {
		if got := strings.Count(s, sub); got != n {
			t.Errorf("rendered WSDL has %d × %s, want %d", got, sub, n)
		}
	}
}

// TestRenderExtractRoundTrip renders the sample contract and extracts it
// back, through gowsdl.
func TestRenderExtractRoundTrip(t *testing.T) {
	c := sampleContract()
	doc := RenderWSDL(c)
	var w gowsdl.WSDL
	if err := xml.Unmarshal(doc, &w); err != nil {
		t.Fatalf("gowsdl cannot read the rendered WSDL: %v", err)
	}
	if len(w.PortTypes) != 1 || len(w.PortTypes[0].Operations) != len(c.Operations) || len(w.Binding) != 3 {
		t.Errorf("gowsdl reads %d port types, %d bindings", len(w.PortTypes), len(w.Binding))
	}
	got, err := ContractFromWSDL(doc)
	if err != nil {
		t.Fatalf("ContractFromWSDL(RenderWSDL(sample)): %v", err)
	}
	c.Comment = ""
	if !reflect.DeepEqual(got, c) {
		t.Errorf("ContractFromWSDL(RenderWSDL(c)) =\n%s\nwant\n%s", FormatContract(got), FormatContract(c))
	}
}
