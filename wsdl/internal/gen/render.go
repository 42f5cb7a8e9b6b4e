package gen

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// Endpoint port name suffixes, in the order the service lists its ports.
const (
	PortSOAP11 = "HttpsSoap11Endpoint"
	PortSOAP12 = "HttpsSoap12Endpoint"
	PortHTTP   = "HttpsEndpoint"
)

// AddressBase is the scheme, host and path prefix of the endpoint addresses
// in a rendered document. A server publishing the document replaces it with
// its own external address.
const AddressBase = "https://localhost:9443/services/"

// RenderWSDL writes the WSDL 1.1 document of c in the shape Axis2
// generates for an admin service named c.Service:
//
//   - wsdl:types with one xs:schema per contract schema (qualified forms,
//     an xs:import per other namespace the schema refers to);
//   - the messages <op>Request and <op>Response with one "parameters" part
//     (none for an empty message) and one message per fault name;
//   - the port type <Service>PortType with wsaw:Action urn:<op>,
//     urn:<op>Response and urn:<op><Fault>;
//   - the bindings <Service>Soap11Binding and <Service>Soap12Binding
//     (document/literal, soapAction urn:<op>) and <Service>HttpBinding
//     (POST, location <op>, text/xml);
//   - the service <Service> with the ports <Service>HttpsSoap11Endpoint,
//     <Service>HttpsSoap12Endpoint and <Service>HttpsEndpoint at
//     AddressBase + <Service>.<Port>/.
//
// The output is deterministic, indented by two spaces and starts with the
// XML declaration and a comment naming the contract file it comes from.
// c must be valid (see Contract.Validate).
func RenderWSDL(c *Contract) []byte {
	r := &renderer{c: c}
	r.document()
	return r.b.Bytes()
}

type renderer struct {
	c     *Contract
	b     bytes.Buffer
	depth int
}

// attr is one attribute, written in the order given.
type attr struct{ name, value string }

func (r *renderer) indent() {
	for range r.depth {
		r.b.WriteString("  ")
	}
}

func (r *renderer) tag(name string, attrs []attr) {
	r.indent()
	r.b.WriteByte('<')
	r.b.WriteString(name)
	for _, a := range attrs {
		r.b.WriteByte(' ')
		r.b.WriteString(a.name)
		r.b.WriteString(`="`)
		xml.EscapeText(&r.b, []byte(a.value))
		r.b.WriteByte('"')
	}
}

// open writes a start tag on its own line and indents what follows.
func (r *renderer) open(name string, attrs ...attr) {
	r.tag(name, attrs)
	r.b.WriteString(">\n")
	r.depth++
}

// close writes the end tag matching open.
func (r *renderer) close(name string) {
	r.depth--
	r.indent()
	r.b.WriteString("</" + name + ">\n")
}

// empty writes an empty element.
func (r *renderer) empty(name string, attrs ...attr) {
	r.tag(name, attrs)
	r.b.WriteString("/>\n")
}

// text writes an element holding only text.
func (r *renderer) text(name, text string) {
	r.tag(name, nil)
	r.b.WriteByte('>')
	xml.EscapeText(&r.b, []byte(text))
	r.b.WriteString("</" + name + ">\n")
}

// qname writes n with the wire prefix of its namespace.
func (r *renderer) qname(n xml.Name) string {
	if p, ok := r.c.WirePrefixOf(n.Space); ok {
		return p + ":" + n.Local
	}
	return n.Local
}

// tns qualifies a WSDL-level name (message, port type, binding).
func (r *renderer) tns(local string) string {
	return r.qname(xml.Name{Space: r.c.TargetNamespace, Local: local})
}

func (r *renderer) document() {
	c := r.c
	r.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	r.b.WriteString("<!-- Generated from " + c.Service + `.contract by "go generate ./wsdl". DO NOT EDIT. -->` + "\n")
	attrs := []attr{
		{"xmlns:wsdl", wsdlNamespace},
		{"xmlns:soap", soapNamespace},
		{"xmlns:soap12", soap12Namespace},
		{"xmlns:http", httpNamespace},
		{"xmlns:mime", mimeNamespace},
		{"xmlns:wsaw", wsawNamespace},
		{"xmlns:xs", XSDNamespace},
	}
	for _, p := range c.Prefixes {
		attrs = append(attrs, attr{"xmlns:" + p.OnWire(), p.URI})
	}
	attrs = append(attrs, attr{"targetNamespace", c.TargetNamespace})
	r.open("wsdl:definitions", attrs...)
	r.text("wsdl:documentation", c.Service)
	r.types()
	r.messages()
	r.portType()
	r.soapBinding("Soap11Binding", "soap")
	r.soapBinding("Soap12Binding", "soap12")
	r.httpBinding()
	r.service()
	r.close("wsdl:definitions")
}

func (r *renderer) types() {
	if len(r.c.Schemas) == 0 {
		r.empty("wsdl:types")
		return
	}
	r.open("wsdl:types")
	for _, s := range r.c.Schemas {
		r.schema(s)
	}
	r.close("wsdl:types")
}

func (r *renderer) schema(s *Schema) {
	attrs := []attr{
		{"attributeFormDefault", "qualified"},
		{"elementFormDefault", "qualified"},
		{"targetNamespace", s.Namespace},
	}
	imports := schemaImports(s)
	if len(imports) == 0 && len(s.Elements) == 0 && len(s.Types) == 0 {
		r.empty("xs:schema", attrs...)
		return
	}
	r.open("xs:schema", attrs...)
	for _, ns := range imports {
		r.empty("xs:import", attr{"namespace", ns})
	}
	for _, e := range s.Elements {
		r.open("xs:element", attr{"name", e.Name})
		r.open("xs:complexType")
		r.sequence(e.Fields)
		r.close("xs:complexType")
		r.close("xs:element")
	}
	for _, t := range s.Types {
		if t.Abstract {
			r.open("xs:complexType", attr{"abstract", "true"}, attr{"name", t.Name})
		} else {
			r.open("xs:complexType", attr{"name", t.Name})
		}
		if t.Base == (xml.Name{}) {
			r.sequence(t.Fields)
		} else {
			r.open("xs:complexContent")
			r.open("xs:extension", attr{"base", r.qname(t.Base)})
			r.sequence(t.Fields)
			r.close("xs:extension")
			r.close("xs:complexContent")
		}
		r.close("xs:complexType")
	}
	r.close("xs:schema")
}

// schemaImports lists the namespaces other than its own and XML Schema
// that s refers to, in order of first reference.
func schemaImports(s *Schema) []string {
	var out []string
	seen := map[string]bool{s.Namespace: true, XSDNamespace: true, "": true}
	use := func(ns string) {
		if !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	for _, e := range s.Elements {
		for _, f := range e.Fields {
			use(f.Type.Space)
		}
	}
	for _, t := range s.Types {
		use(t.Base.Space)
		for _, f := range t.Fields {
			use(f.Type.Space)
		}
	}
	return out
}

func (r *renderer) sequence(fields []Field) {
	if len(fields) == 0 {
		r.empty("xs:sequence")
		return
	}
	r.open("xs:sequence")
	for _, f := range fields {
		var attrs []attr
		switch f.MaxOccurs {
		case 1:
		case Unbounded:
			attrs = append(attrs, attr{"maxOccurs", "unbounded"})
		default:
			attrs = append(attrs, attr{"maxOccurs", strconv.Itoa(f.MaxOccurs)})
		}
		if f.MinOccurs != 1 {
			attrs = append(attrs, attr{"minOccurs", strconv.Itoa(f.MinOccurs)})
		}
		attrs = append(attrs, attr{"name", f.Name})
		if f.Nillable {
			attrs = append(attrs, attr{"nillable", "true"})
		}
		attrs = append(attrs, attr{"type", r.qname(f.Type)})
		r.empty("xs:element", attrs...)
	}
	r.close("xs:sequence")
}

func (r *renderer) messages() {
	done := map[string]bool{}
	message := func(name string, element *xml.Name) {
		if done[name] {
			return
		}
		done[name] = true
		if element == nil {
			r.empty("wsdl:message", attr{"name", name})
			return
		}
		r.open("wsdl:message", attr{"name", name})
		r.empty("wsdl:part", attr{"name", "parameters"}, attr{"element", r.qname(*element)})
		r.close("wsdl:message")
	}
	ref := func(name string, m *MessageRef) {
		if m.Empty {
			message(name, nil)
		} else {
			message(name, &m.Element)
		}
	}
	for _, op := range r.c.Operations {
		ref(op.Name+"Request", op.Input)
		if op.Output != nil {
			ref(op.Name+"Response", op.Output)
		}
		for _, f := range op.Faults {
			el, _ := r.c.FaultElement(f)
			message(f, &el)
		}
	}
}

func (r *renderer) portType() {
	svc := r.c.Service
	r.open("wsdl:portType", attr{"name", svc + "PortType"})
	for _, op := range r.c.Operations {
		r.open("wsdl:operation", attr{"name", op.Name})
		r.empty("wsdl:input", attr{"message", r.tns(op.Name + "Request")}, attr{"wsaw:Action", "urn:" + op.Name})
		if op.Output != nil {
			r.empty("wsdl:output", attr{"message", r.tns(op.Name + "Response")}, attr{"wsaw:Action", "urn:" + op.Name + "Response"})
		}
		for _, f := range op.Faults {
			r.empty("wsdl:fault", attr{"message", r.tns(f)}, attr{"name", f}, attr{"wsaw:Action", "urn:" + op.Name + f})
		}
		r.close("wsdl:operation")
	}
	r.close("wsdl:portType")
}

// soapBinding writes the SOAP 1.1 or 1.2 binding; ns is the prefix of the
// binding extension namespace (soap or soap12).
func (r *renderer) soapBinding(suffix, ns string) {
	svc := r.c.Service
	r.open("wsdl:binding", attr{"name", svc + suffix}, attr{"type", r.tns(svc + "PortType")})
	r.empty(ns+":binding", attr{"transport", soapTransport}, attr{"style", "document"})
	body := func(kind string) {
		r.open(kind)
		r.empty(ns+":body", attr{"use", "literal"})
		r.close(kind)
	}
	for _, op := range r.c.Operations {
		r.open("wsdl:operation", attr{"name", op.Name})
		r.empty(ns+":operation", attr{"soapAction", "urn:" + op.Name}, attr{"style", "document"})
		body("wsdl:input")
		if op.Output != nil {
			body("wsdl:output")
		}
		for _, f := range op.Faults {
			r.open("wsdl:fault", attr{"name", f})
			r.empty(ns+":fault", attr{"use", "literal"}, attr{"name", f})
			r.close("wsdl:fault")
		}
		r.close("wsdl:operation")
	}
	r.close("wsdl:binding")
}

func (r *renderer) httpBinding() {
	svc := r.c.Service
	r.open("wsdl:binding", attr{"name", svc + "HttpBinding"}, attr{"type", r.tns(svc + "PortType")})
	r.empty("http:binding", attr{"verb", "POST"})
	content := func(kind string) {
		r.open(kind)
		r.empty("mime:content", attr{"type", "text/xml"}, attr{"part", "parameters"})
		r.close(kind)
	}
	for _, op := range r.c.Operations {
		r.open("wsdl:operation", attr{"name", op.Name})
		r.empty("http:operation", attr{"location", op.Name})
		content("wsdl:input")
		if op.Output != nil {
			content("wsdl:output")
		}
		r.close("wsdl:operation")
	}
	r.close("wsdl:binding")
}

func (r *renderer) service() {
	svc := r.c.Service
	r.open("wsdl:service", attr{"name", svc})
	port := func(port, binding, ns string) {
		r.open("wsdl:port", attr{"name", svc + port}, attr{"binding", r.tns(svc + binding)})
		r.empty(ns+":address", attr{"location", AddressBase + svc + "." + svc + port + "/"})
		r.close("wsdl:port")
	}
	port(PortSOAP11, "Soap11Binding", "soap")
	port(PortSOAP12, "Soap12Binding", "soap12")
	port(PortHTTP, "HttpBinding", "http")
	r.close("wsdl:service")
}
