package gen

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sampleText is a canonical contract using every feature of the format.
// Its prefixes are the ones ContractFromWSDL would choose.
const sampleText = `# Sample wire contract.
#
# It has two paragraphs.
service SampleService
targetNamespace http://sample.example.org
prefix tns http://sample.example.org
prefix ns http://org.apache.axis2/xsd
prefix dto http://dto.sample.example.org/xsd ax2406
prefix base http://base.example.org/xsd

schema ns
  element SampleServiceSampleException
    SampleException dto:SampleException 0..1 nillable
  element getItems
    filter xs:string 0..1 nillable
    limit xs:int 1..1
  element getItemsResponse
    return dto:ItemDTO 0..* nillable
  element deleteItem
    id xs:long 0..1
  element ping
  type Exception
    Message xs:string 0..1 nillable
schema dto
  type ItemDTO
    name xs:string 0..1 nillable
    tags xs:string 2..5
  type SampleException extends base:BaseException
    errorCode xs:string 0..1 nillable
schema base
  type BaseException abstract
    message xs:string 0..1 nillable

operation getItems
  input ns:getItems
  output ns:getItemsResponse
  fault SampleServiceSampleException
operation deleteItem
  input ns:deleteItem
  fault SampleServiceSampleException
operation ping
  input ns:ping
  output empty
operation reset
  input empty
  output empty
`

const (
	sampleTNS  = "http://sample.example.org"
	sampleDTO  = "http://dto.sample.example.org/xsd"
	sampleBase = "http://base.example.org/xsd"
)

func xsd(local string) xml.Name  { return xml.Name{Space: XSDNamespace, Local: local} }
func axis(local string) xml.Name { return xml.Name{Space: Axis2Namespace, Local: local} }

// sampleContract is what sampleText means.
func sampleContract() *Contract {
	fault := "SampleServiceSampleException"
	return &Contract{
		Comment:         "Sample wire contract.\n\nIt has two paragraphs.",
		Service:         "SampleService",
		TargetNamespace: sampleTNS,
		Prefixes: []Prefix{
			{Name: "tns", URI: sampleTNS}, {Name: "ns", URI: Axis2Namespace}, {Name: "dto", URI: sampleDTO, Wire: "ax2406"}, {Name: "base", URI: sampleBase},
		},
		Schemas: []*Schema{
			{
				Namespace: Axis2Namespace,
				Elements: []*Element{
					{Name: fault, Fields: []Field{{Name: "SampleException", Type: xml.Name{Space: sampleDTO, Local: "SampleException"}, MinOccurs: 0, MaxOccurs: 1, Nillable: true}}},
					{Name: "getItems", Fields: []Field{
						{Name: "filter", Type: xsd("string"), MinOccurs: 0, MaxOccurs: 1, Nillable: true},
						{Name: "limit", Type: xsd("int"), MinOccurs: 1, MaxOccurs: 1},
					}},
					{Name: "getItemsResponse", Fields: []Field{{Name: "return", Type: xml.Name{Space: sampleDTO, Local: "ItemDTO"}, MinOccurs: 0, MaxOccurs: Unbounded, Nillable: true}}},
					{Name: "deleteItem", Fields: []Field{{Name: "id", Type: xsd("long"), MinOccurs: 0, MaxOccurs: 1}}},
					{Name: "ping"},
				},
				Types: []*ComplexType{
					{Name: "Exception", Fields: []Field{{Name: "Message", Type: xsd("string"), MinOccurs: 0, MaxOccurs: 1, Nillable: true}}},
				},
			},
			{
				Namespace: sampleDTO,
				Types: []*ComplexType{
					{Name: "ItemDTO", Fields: []Field{
						{Name: "name", Type: xsd("string"), MinOccurs: 0, MaxOccurs: 1, Nillable: true},
						{Name: "tags", Type: xsd("string"), MinOccurs: 2, MaxOccurs: 5},
					}},
					{Name: "SampleException", Base: xml.Name{Space: sampleBase, Local: "BaseException"}, Fields: []Field{
						{Name: "errorCode", Type: xsd("string"), MinOccurs: 0, MaxOccurs: 1, Nillable: true},
					}},
				},
			},
			{
				Namespace: sampleBase,
				Types: []*ComplexType{
					{Name: "BaseException", Abstract: true, Fields: []Field{{Name: "message", Type: xsd("string"), MinOccurs: 0, MaxOccurs: 1, Nillable: true}}},
				},
			},
		},
		Operations: []*Operation{
			{Name: "getItems", Input: &MessageRef{Element: axis("getItems")}, Output: &MessageRef{Element: axis("getItemsResponse")}, Faults: []string{fault}},
			{Name: "deleteItem", Input: &MessageRef{Element: axis("deleteItem")}, Faults: []string{fault}},
			{Name: "ping", Input: &MessageRef{Element: axis("ping")}, Output: &MessageRef{Empty: true}},
			{Name: "reset", Input: &MessageRef{Empty: true}, Output: &MessageRef{Empty: true}},
		},
	}
}

func mustParse(t *testing.T, text string) *Contract {
	t.Helper()
	c, err := ParseContract(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseContract: %v", err)
	}
	return c
}

func TestParseContract(t *testing.T) {
	got := mustParse(t, sampleText)
	if want := sampleContract(); !reflect.DeepEqual(got, want) {
		t.Errorf("ParseContract(sample) =\n%s\nwant\n%s", FormatContract(got), FormatContract(want))
	}
}

func TestFormatRoundTrip(t *testing.T) {
	if got := string(FormatContract(mustParse(t, sampleText))); got != sampleText {
		t.Errorf("FormatContract(ParseContract(sample)) =\n%s\nwant\n%s", got, sampleText)
	}
	c := sampleContract()
	if got := mustParse(t, string(FormatContract(c))); !reflect.DeepEqual(got, c) {
		t.Errorf("ParseContract(FormatContract(c)) differs from c:\n%s", FormatContract(got))
	}
}

func TestFormatMinimal(t *testing.T) {
	c := &Contract{Service: "S", TargetNamespace: "urn:t", Prefixes: []Prefix{{Name: "tns", URI: "urn:t"}}}
	const want = "service S\ntargetNamespace urn:t\nprefix tns urn:t\n"
	if got := string(FormatContract(c)); got != want {
		t.Errorf("FormatContract = %q, want %q", got, want)
	}
	if got := mustParse(t, want); !reflect.DeepEqual(got, c) {
		t.Errorf("ParseContract = %+v, want %+v", got, c)
	}
}

// TestParseLenient checks what ParseContract accepts beyond canonical text:
// comments anywhere, blank lines, CRLF line ends, repeated spaces between
// words. Formatting the result gives canonical text.
func TestParseLenient(t *testing.T) {
	text := strings.Join([]string{
		"",
		"# Sample wire contract.",
		"#",
		"#It has two paragraphs.",
		"",
		"service SampleService\r",
		"# a comment that is dropped",
		"targetNamespace   http://sample.example.org",
		"",
	}, "\n")
	rest := strings.SplitN(sampleText, "\n", 6)[5] // after the targetNamespace line
	rest = strings.ReplaceAll(rest, "operation ping\n", "  # indented comment\n\noperation ping\n")
	c := mustParse(t, text+rest)
	if got := string(FormatContract(c)); got != sampleText {
		t.Errorf("FormatContract(lenient text) =\n%s\nwant\n%s", got, sampleText)
	}
}

func TestParseErrors(t *testing.T) {
	// head is 4 lines long; the case bodies start at line 5.
	const head = "service S\ntargetNamespace urn:t\nprefix tns urn:t\nprefix ns http://org.apache.axis2/xsd\n"
	const schema = "schema ns\n  element e\n" // lines 5-6
	tests := []struct {
		name string
		text string
		line int
		msg  string
	}{
		{"empty file", "", 1, "missing service"},
		{"missing targetNamespace", "service S\n", 1, "missing targetNamespace"},
		{"service twice", "service S\nservice T\n", 2, "service declared twice"},
		{"service without name", "service\n", 1, `expected "service NAME"`},
		{"invalid service name", "service a--b\ntargetNamespace urn:t\nprefix tns urn:t\n", 1, "invalid service name"},
		{"unknown directive", head + "servce X\n", 5, "unknown directive"},
		{"odd indentation", head + schema + "   x xs:string 0..1\n", 7, "indentation of 3 spaces"},
		{"tab", head + schema + "\tx xs:string 0..1\n", 7, "tab character"},
		{"too deep", head + schema + "      x xs:string 0..1\n", 7, "unexpected indentation"},
		{"field outside element", head + "schema ns\n    x xs:string 0..1\n", 6, "unexpected indentation"},
		{"indented header", head + "  prefix a urn:a\n", 5, "unexpected indentation"},
		{"unknown schema item", head + "schema ns\n  elem e\n", 6, "unknown schema item"},
		{"bad type line", head + "schema ns\n  type T base ns:U\n", 6, "type NAME [abstract] [extends PREFIX:BASE]"},
		{"field too short", head + schema + "    x xs:string\n", 7, "expected field"},
		{"field bounds", head + schema + "    x xs:string 0-1\n", 7, "expected MIN..MAX"},
		{"field bound not a number", head + schema + "    x xs:string 0..n\n", 7, "is not a number"},
		{"field signed bound", head + schema + "    x xs:string +0..1\n", 7, "is not a number"},
		{"max below min", head + schema + "    x xs:string 2..1\n", 7, "invalid occurrence bounds 2..1"},
		{"max zero", head + schema + "    x xs:string 0..0\n", 7, "invalid occurrence bounds 0..0"},
		{"trailing word", head + schema + "    x xs:string 0..1 required\n", 7, `only "nillable" may follow`},
		{"unqualified type", head + schema + "    x string 0..1\n", 7, "qualified name"},
		{"undeclared prefix", head + schema + "    x foo:Bar 0..1\n", 7, `undeclared prefix "foo"`},
		{"undefined type", head + schema + "    x ns:Missing 0..1\n", 7, "type {http://org.apache.axis2/xsd}Missing is not defined"},
		{"undefined base", head + "schema ns\n  type T extends ns:U\n", 6, "base type {http://org.apache.axis2/xsd}U is not defined"},
		{"duplicate field", head + schema + "    x xs:string 0..1\n    x xs:int 0..1\n", 8, "field x appears twice"},
		{"duplicate element", head + schema + "  element e\n", 7, "element e defined twice"},
		{"duplicate schema", head + schema + "schema ns\n", 7, "has two schemas"},
		{"schema of undeclared prefix", head + "schema dto\n", 5, `undeclared prefix "dto"`},
		{"schema xs", head + "schema xs\n", 5, "no prefix declared"},
		{"prefix xs", head + "prefix xs urn:x\n", 5, "predeclared"},
		{"reserved prefix", head + "prefix soap urn:x\n", 5, "prefix soap is reserved"},
		{"duplicate prefix", head + "prefix ns urn:x\n", 5, "prefix ns declared twice"},
		{"namespace bound twice", head + "prefix other urn:t\n", 5, "namespace urn:t bound twice"},
		{"XML Schema bound", head + "prefix xsd http://www.w3.org/2001/XMLSchema\n", 5, "predeclared prefix xs"},
		{"no prefix for targetNamespace", "service S\ntargetNamespace urn:t\nprefix a urn:a\n", 2, "no prefix declared for targetNamespace"},
		{"prefix after schema", head + schema + "prefix a urn:a\n", 7, "must come before the first schema"},
		{"operation without input", head + schema + "operation e\n  output empty\n", 7, "has no input line"},
		{"input twice", head + schema + "operation e\n  input ns:e\n  input ns:e\n", 9, "input declared twice"},
		{"input after output", head + schema + "operation e\n  output ns:e\n  input ns:e\n", 9, "input must come first"},
		{"output after fault", head + schema + "operation e\n  input ns:e\n  fault e\n  output empty\n", 10, "output must come before faults"},
		{"unknown operation item", head + schema + "operation e\n  inpt ns:e\n", 8, "unknown operation item"},
		{"undefined input element", head + schema + "operation e\n  input ns:f\n", 8, "element {http://org.apache.axis2/xsd}f is not defined"},
		{"undefined fault element", head + schema + "operation e\n  input ns:e\n  fault F\n", 9, "global element named F"},
		{"fault twice", head + schema + "operation e\n  input ns:e\n  fault e\n  fault e\n", 10, "fault e listed twice"},
		{"duplicate operation", head + schema + "operation e\n  input ns:e\noperation e\n  input ns:e\n", 9, "operation e defined twice"},
		{"message name clash", head + "schema ns\n  element aRequest\n  element a\noperation a\n  input ns:a\n  fault aRequest\n", 10, "message name aRequest is used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseContract(strings.NewReader(tt.text))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseContract error = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("ParseContract error = %q, want line %d and %q", err, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not start with its line", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := sampleContract().Validate(); err != nil {
		t.Fatalf("Validate(sample) = %v", err)
	}
	tests := []struct {
		name   string
		change func(c *Contract)
		want   string
	}{
		{"nil input", func(c *Contract) { c.Operations[0].Input = nil }, "operation getItems: operation without input"},
		{"empty with element", func(c *Contract) { c.Operations[2].Output.Element = axis("ping") }, "operation ping output: empty message with an element"},
		{"unbound namespace", func(c *Contract) { c.Prefixes = c.Prefixes[:3] }, "schema http://base.example.org/xsd: no prefix declared"},
		{"ambiguous fault element", func(c *Contract) {
			c.Schemas[1].Elements = append(c.Schemas[1].Elements, &Element{Name: "SampleServiceSampleException"})
		}, "operation getItems fault #1: want exactly one global element"},
		{"bad field name", func(c *Contract) { c.Schemas[1].Types[0].Fields[1].Name = "1x" }, "type ItemDTO field #2: invalid field name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleContract()
			tt.change(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}
