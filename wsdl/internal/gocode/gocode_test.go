package gocode

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestGeneratedCodeIsFresh fails when wsdl/types_gen.go differs from what
// the profile documents generate.
func TestGeneratedCodeIsFresh(t *testing.T) {
	docs, err := ReadProfiles("../../profiles")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(docs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../types_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wsdl/types_gen.go is stale: run go generate ./wsdl")
	}
}

func TestGenerateUnionsProfiles(t *testing.T) {
	doc := func(profile, fields string) Document {
		return Document{Profile: profile, Name: "S.wsdl", Data: []byte(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:ns="http://org.apache.axis2/xsd" xmlns:d="urn:d" targetNamespace="urn:t">
<wsdl:types>
<xs:schema targetNamespace="http://org.apache.axis2/xsd" elementFormDefault="qualified">
<xs:element name="get"><xs:complexType><xs:sequence><xs:element name="key" type="xs:string" minOccurs="0" nillable="true"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="getResponse"><xs:complexType><xs:sequence><xs:element name="return" type="d:Thing" minOccurs="0" nillable="true"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>
<xs:schema targetNamespace="urn:d" elementFormDefault="qualified"><xs:complexType name="Thing"><xs:sequence>` + fields + `</xs:sequence></xs:complexType></xs:schema>
</wsdl:types>
<wsdl:message name="getRequest"><wsdl:part name="parameters" element="ns:get"/></wsdl:message>
<wsdl:message name="getResponse"><wsdl:part name="parameters" element="ns:getResponse"/></wsdl:message>
<wsdl:portType name="SPortType"><wsdl:operation name="get"><wsdl:input message="ns:getRequest"/><wsdl:output message="ns:getResponse"/></wsdl:operation></wsdl:portType>
<wsdl:service name="S"/>
</wsdl:definitions>`)}
	}
	src, err := Generate([]Document{
		doc("old", `<xs:element name="a" type="xs:string" minOccurs="0" nillable="true"/><xs:element name="n" type="xs:long" minOccurs="0"/>`),
		doc("new", `<xs:element name="a" type="xs:string" minOccurs="0" nillable="true"/><xs:element name="b" type="xs:boolean" minOccurs="0" nillable="true"/><xs:element name="n" type="xs:long" minOccurs="0" nillable="true"/>`),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"A *string", "B *bool", "N *int64", // nillable in any profile: a pointer
		"Get(ctx context.Context, key string) (*Thing, error)",
		"(profiles old, new)",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated code lacks %q", want)
		}
	}
	if _, err := Generate([]Document{
		doc("old", `<xs:element name="a" type="xs:string" minOccurs="0"/>`),
		doc("new", `<xs:element name="a" type="xs:int" minOccurs="0"/>`),
	}); err == nil {
		t.Error("a field that changes type between profiles must be an error")
	}
}
