// Package gen holds the wire contract of a SOAP admin service in a compact,
// project-owned form, and turns it into the WSDL 1.1 document the server
// publishes.
//
// A [Contract] describes what a client can observe on the wire: the
// operations and their SOAP actions, which operations are one-way, the
// global request/response/fault elements with their namespaces, and every
// named complex type with its element sequence (names, types, occurrence
// bounds, nillability) and extension base, and the namespace prefixes the
// release's Axis2 gave its type namespaces (ax2402 and the like), which its
// answers use too. It leaves out what else the Axis2 generator varies from
// build to build (element order between elements and types, formatting).
//
// Contracts are kept in text files (profiles/<generation>/<Service>.contract)
// whose format is read by [ParseContract] and written by [FormatContract]
// (abridged example):
//
//	# OAuthAdminService wire contract of the IS 7 generation.
//	service OAuthAdminService
//	targetNamespace http://oauth.identity.carbon.wso2.org
//	prefix tns http://oauth.identity.carbon.wso2.org
//	prefix ns http://org.apache.axis2/xsd
//	prefix dto http://dto.oauth.identity.carbon.wso2.org/xsd ax2406
//
//	schema ns
//	  element getOAuthApplicationData
//	    consumerKey xs:string 0..1 nillable
//	  element getAllowedGrantTypesResponse
//	    return xs:string 0..* nillable
//	schema dto
//	  type ScopeDTO
//	    claim xs:string 0..* nillable
//
//	operation getOAuthApplicationData
//	  input ns:getOAuthApplicationData
//	  output ns:getOAuthApplicationDataResponse
//	  fault OAuthAdminServiceIdentityOAuthAdminException
//
// The format is line based (UTF-8). Lines starting with '#' are comments;
// the comment lines at the top of the file are kept in [Contract.Comment],
// any other comment is dropped. Blank lines are ignored. Indentation is two
// spaces per level and significant:
//
//   - service NAME, targetNamespace URI and prefix NAME URI [WIRE] come
//     first. Every namespace the contract uses needs a prefix line, except
//     XML Schema, whose prefix xs is predeclared. NAME is the contract's
//     own name for the namespace; WIRE, when given, is the prefix Axis2
//     binds it to on the wire (in the WSDL document and in answers), which
//     a release's WSDL shows and Carbon numbers by deployment order.
//   - schema PREFIX starts a schema whose targetNamespace is that prefix's
//     namespace. Inside it, at level 1, element NAME declares a global
//     element (with an anonymous complexType/sequence) and
//     type NAME [abstract] [extends PREFIX:BASE] a named complexType.
//   - Fields of elements and types, at level 2, read
//     NAME PREFIX:TYPE MIN..MAX [nillable], where MAX is a number or '*'
//     (unbounded).
//   - operation NAME is followed, at level 1, by input QNAME|empty, an
//     optional output QNAME|empty (no output line: one-way operation) and
//     zero or more fault NAME lines. "empty" stands for a message without
//     parts.
//
// [RenderWSDL] writes the document in the shape Axis2 generates (SOAP 1.1,
// SOAP 1.2 and HTTP bindings, soapAction urn:<operation>), and
// [ContractFromWSDL] extracts a contract from such a document, which is how
// a profile is bootstrapped from a reference WSDL.
package gen

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// Well-known namespaces.
const (
	// XSDNamespace is the XML Schema namespace, always bound to prefix xs.
	XSDNamespace = "http://www.w3.org/2001/XMLSchema"
	// Axis2Namespace is the namespace Axis2 puts the wrapper elements and
	// the generic Exception type in.
	Axis2Namespace = "http://org.apache.axis2/xsd"

	wsdlNamespace   = "http://schemas.xmlsoap.org/wsdl/"
	soapNamespace   = "http://schemas.xmlsoap.org/wsdl/soap/"
	soap12Namespace = "http://schemas.xmlsoap.org/wsdl/soap12/"
	httpNamespace   = "http://schemas.xmlsoap.org/wsdl/http/"
	mimeNamespace   = "http://schemas.xmlsoap.org/wsdl/mime/"
	wsawNamespace   = "http://www.w3.org/2006/05/addressing/wsdl"
	soapTransport   = "http://schemas.xmlsoap.org/soap/http"
)

// Unbounded is the MaxOccurs value of a field with maxOccurs="unbounded".
const Unbounded = -1

// XSDPrefix is the predeclared prefix of [XSDNamespace].
const XSDPrefix = "xs"

// reservedPrefixes are the prefixes a rendered document binds itself; a
// contract cannot declare them.
var reservedPrefixes = map[string]bool{
	"xs": true, "wsdl": true, "soap": true, "soap12": true,
	"http": true, "mime": true, "wsaw": true, "xmlns": true,
}

// Contract is the wire contract of one SOAP service.
type Contract struct {
	// Comment is the text of the comment lines at the top of the contract
	// file, without their "# " markers, joined with "\n". Empty for none.
	Comment string
	// Service is the service name, e.g. OAuthAdminService. It names the
	// port type, the bindings, the service and its endpoints.
	Service string
	// TargetNamespace is the WSDL definitions' targetNamespace.
	TargetNamespace string
	// Prefixes binds a prefix to every namespace the contract uses, in
	// declaration order. XML Schema (prefix xs) is implicit and not listed.
	Prefixes []Prefix
	// Schemas are the XML schemas of wsdl:types, in document order.
	Schemas []*Schema
	// Operations are the port type's operations, in document order.
	Operations []*Operation
}

// Prefix binds a namespace prefix to a namespace URI.
type Prefix struct {
	Name string
	URI  string
	// Wire is the prefix the namespace has on the wire, when it differs
	// from Name: Axis2's ax2NNN name of a type namespace.
	Wire string
}

// OnWire is the prefix the namespace has in rendered documents.
func (p Prefix) OnWire() string {
	if p.Wire != "" {
		return p.Wire
	}
	return p.Name
}

// Schema is one xs:schema of the contract.
type Schema struct {
	// Namespace is the schema's targetNamespace.
	Namespace string
	// Elements are the global elements, each with an anonymous
	// complexType/sequence.
	Elements []*Element
	// Types are the named complex types.
	Types []*ComplexType
}

// Element is a global element whose content is an anonymous
// complexType/sequence of Fields.
type Element struct {
	Name   string
	Fields []Field
}

// ComplexType is a named complex type: a sequence of Fields, extending
// Base (via complexContent/extension) when Base is not the zero name.
type ComplexType struct {
	Name string
	// Abstract marks a type Axis2 declares abstract="true" (an abstract
	// Java class).
	Abstract bool
	Base     xml.Name
	Fields   []Field
}

// Field is one element of a sequence.
type Field struct {
	Name string
	// Type is the element's type, namespace URI and local name.
	Type      xml.Name
	MinOccurs int
	// MaxOccurs is the upper bound, or Unbounded.
	MaxOccurs int
	Nillable  bool
}

// Operation is one operation of the port type. Its messages are named
// <Name>Request and <Name>Response, its SOAP action is urn:<Name>.
type Operation struct {
	Name string
	// Input is the request message; never nil in a valid contract.
	Input *MessageRef
	// Output is the response message, nil for a one-way operation.
	Output *MessageRef
	// Faults names the operation's faults. A fault's name is also the name
	// of its message and the local name of its element: the one global
	// element of that name in the contract (see Contract.FaultElement).
	Faults []string
}

// MessageRef describes the single "parameters" part of a message.
type MessageRef struct {
	// Element is the part's global element; zero when Empty.
	Element xml.Name
	// Empty is set for a message without parts.
	Empty bool
}

// PrefixOf returns the prefix bound to the namespace uri: xs for
// XSDNamespace, otherwise the prefix declared in c.Prefixes.
func (c *Contract) PrefixOf(uri string) (string, bool) {
	if uri == XSDNamespace {
		return XSDPrefix, true
	}
	for _, p := range c.Prefixes {
		if p.URI == uri {
			return p.Name, true
		}
	}
	return "", false
}

// WirePrefixOf returns the prefix the namespace uri has on the wire: xs
// for XSDNamespace, otherwise the wire name of its prefix line.
func (c *Contract) WirePrefixOf(uri string) (string, bool) {
	if uri == XSDNamespace {
		return XSDPrefix, true
	}
	for _, p := range c.Prefixes {
		if p.URI == uri {
			return p.OnWire(), true
		}
	}
	return "", false
}

// NamespaceOf returns the namespace bound to prefix, xs included.
func (c *Contract) NamespaceOf(prefix string) (string, bool) {
	if prefix == XSDPrefix {
		return XSDNamespace, true
	}
	for _, p := range c.Prefixes {
		if p.Name == prefix {
			return p.URI, true
		}
	}
	return "", false
}

// Schema returns the schema whose targetNamespace is ns, or nil.
func (c *Contract) Schema(ns string) *Schema {
	for _, s := range c.Schemas {
		if s.Namespace == ns {
			return s
		}
	}
	return nil
}

// Element returns the global element called name, or nil.
func (c *Contract) Element(name xml.Name) *Element {
	if s := c.Schema(name.Space); s != nil {
		for _, e := range s.Elements {
			if e.Name == name.Local {
				return e
			}
		}
	}
	return nil
}

// Type returns the named complex type called name, or nil.
func (c *Contract) Type(name xml.Name) *ComplexType {
	if s := c.Schema(name.Space); s != nil {
		for _, t := range s.Types {
			if t.Name == name.Local {
				return t
			}
		}
	}
	return nil
}

// FaultElement returns the element of the fault called name: the global
// element whose local name is name. Axis2 puts it next to the operation
// wrapper elements, which is not always the first schema (the application
// management service's first schema holds model types). ok is false when no
// schema, or more than one, defines such an element.
func (c *Contract) FaultElement(name string) (el xml.Name, ok bool) {
	for _, s := range c.Schemas {
		for _, e := range s.Elements {
			if e.Name == name {
				if ok {
					return xml.Name{}, false
				}
				el, ok = xml.Name{Space: s.Namespace, Local: name}, true
			}
		}
	}
	return el, ok
}

// Validate reports the first inconsistency of c: a missing or malformed
// name, an undeclared or duplicate prefix, a duplicate schema, element,
// type, field, operation or message name, a reference to a type or element
// that the contract does not define, an operation without input, or a
// fault without exactly one global element of its name.
func (c *Contract) Validate() error {
	if p := c.check(); p != nil {
		return fmt.Errorf("%s: %s", describe(p.at), p.msg)
	}
	return nil
}

// Positions of contract items, used to attach problems to them (and, in
// ParseContract, to line numbers).
type (
	headerPos string // "service" or "targetNamespace"
	prefixPos int    // index in Contract.Prefixes
	fieldPos  struct {
		owner any // *Element or *ComplexType
		index int
	}
	partPos struct {
		op   *Operation
		part string // "input", "output", or "fault"
		n    int    // fault index
	}
)

type problem struct {
	at  any // headerPos, prefixPos, *Schema, *Element, *ComplexType, fieldPos, *Operation, partPos
	msg string
}

func describe(at any) string {
	switch at := at.(type) {
	case headerPos:
		return string(at)
	case prefixPos:
		return fmt.Sprintf("prefix #%d", int(at)+1)
	case *Schema:
		return fmt.Sprintf("schema %s", at.Namespace)
	case *Element:
		return fmt.Sprintf("element %s", at.Name)
	case *ComplexType:
		return fmt.Sprintf("type %s", at.Name)
	case fieldPos:
		return fmt.Sprintf("%s field #%d", describe(at.owner), at.index+1)
	case *Operation:
		return fmt.Sprintf("operation %s", at.Name)
	case partPos:
		if at.part == "fault" {
			return fmt.Sprintf("operation %s fault #%d", at.op.Name, at.n+1)
		}
		return fmt.Sprintf("operation %s %s", at.op.Name, at.part)
	}
	return "contract"
}

// check runs the checks of Validate and returns the first problem found.
func (c *Contract) check() *problem {
	bad := func(at any, format string, args ...any) *problem {
		return &problem{at: at, msg: fmt.Sprintf(format, args...)}
	}
	if !isServiceName(c.Service) {
		return bad(headerPos("service"), "invalid service name %q", c.Service)
	}
	if c.TargetNamespace == "" {
		return bad(headerPos("targetNamespace"), "missing targetNamespace")
	}
	names, uris, wires := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, p := range c.Prefixes {
		switch {
		case !isNCName(p.Name):
			return bad(prefixPos(i), "invalid prefix name %q", p.Name)
		case reservedPrefixes[p.Name] || strings.HasPrefix(strings.ToLower(p.Name), "xml"):
			return bad(prefixPos(i), "prefix %s is reserved", p.Name)
		case p.URI == "" || strings.ContainsAny(p.URI, " \t"):
			return bad(prefixPos(i), "invalid namespace %q", p.URI)
		case p.URI == XSDNamespace:
			return bad(prefixPos(i), "XML Schema is bound to the predeclared prefix xs")
		case names[p.Name]:
			return bad(prefixPos(i), "prefix %s declared twice", p.Name)
		case uris[p.URI]:
			return bad(prefixPos(i), "namespace %s bound twice", p.URI)
		case p.Wire != "" && !isNCName(p.Wire):
			return bad(prefixPos(i), "invalid wire prefix %q", p.Wire)
		case p.Wire != "" && (reservedPrefixes[p.Wire] || strings.HasPrefix(strings.ToLower(p.Wire), "xml")):
			return bad(prefixPos(i), "wire prefix %s is reserved", p.Wire)
		case wires[p.OnWire()]:
			return bad(prefixPos(i), "wire prefix %s bound twice", p.OnWire())
		}
		names[p.Name], uris[p.URI], wires[p.OnWire()] = true, true, true
	}
	if !uris[c.TargetNamespace] {
		return bad(headerPos("targetNamespace"), "no prefix declared for targetNamespace %s", c.TargetNamespace)
	}

	checkFields := func(owner any, fields []Field) *problem {
		seen := map[string]bool{}
		for i, f := range fields {
			at := fieldPos{owner, i}
			switch {
			case !isNCName(f.Name):
				return bad(at, "invalid field name %q", f.Name)
			case seen[f.Name]:
				return bad(at, "field %s appears twice", f.Name)
			case f.MinOccurs < 0:
				return bad(at, "negative minOccurs")
			case f.MaxOccurs != Unbounded && (f.MaxOccurs < 1 || f.MaxOccurs < f.MinOccurs):
				return bad(at, "invalid occurrence bounds %d..%d", f.MinOccurs, f.MaxOccurs)
			case !isNCName(f.Type.Local):
				return bad(at, "invalid type name %q", f.Type.Local)
			case f.Type.Space != XSDNamespace && c.Type(f.Type) == nil:
				return bad(at, "type {%s}%s is not defined", f.Type.Space, f.Type.Local)
			}
			seen[f.Name] = true
		}
		return nil
	}
	for _, s := range c.Schemas {
		if !uris[s.Namespace] {
			return bad(s, "no prefix declared for namespace %q", s.Namespace)
		}
		if c.Schema(s.Namespace) != s {
			return bad(s, "namespace %s has two schemas", s.Namespace)
		}
		seen := map[string]bool{}
		for _, e := range s.Elements {
			if !isNCName(e.Name) {
				return bad(e, "invalid element name %q", e.Name)
			}
			if seen[e.Name] {
				return bad(e, "element %s defined twice", e.Name)
			}
			seen[e.Name] = true
			if p := checkFields(e, e.Fields); p != nil {
				return p
			}
		}
		seen = map[string]bool{}
		for _, t := range s.Types {
			if !isNCName(t.Name) {
				return bad(t, "invalid type name %q", t.Name)
			}
			if seen[t.Name] {
				return bad(t, "type %s defined twice", t.Name)
			}
			seen[t.Name] = true
			if t.Base != (xml.Name{}) && c.Type(t.Base) == nil {
				return bad(t, "base type {%s}%s is not defined", t.Base.Space, t.Base.Local)
			}
			if p := checkFields(t, t.Fields); p != nil {
				return p
			}
		}
	}

	ops, messages := map[string]bool{}, map[string]*Operation{}
	message := func(at any, op *Operation, name string, shared bool) *problem {
		if prev, ok := messages[name]; ok && !(shared && prev == nil) {
			return bad(at, "message name %s is used twice", name)
		}
		if shared {
			messages[name] = nil
		} else {
			messages[name] = op
		}
		return nil
	}
	checkRef := func(at partPos, m *MessageRef) *problem {
		switch {
		case m.Empty && m.Element != (xml.Name{}):
			return bad(at, "empty message with an element")
		case !m.Empty && c.Element(m.Element) == nil:
			return bad(at, "element {%s}%s is not defined", m.Element.Space, m.Element.Local)
		}
		return nil
	}
	for _, op := range c.Operations {
		if !isNCName(op.Name) {
			return bad(op, "invalid operation name %q", op.Name)
		}
		if ops[op.Name] {
			return bad(op, "operation %s defined twice", op.Name)
		}
		ops[op.Name] = true
		if op.Input == nil {
			return bad(op, "operation without input")
		}
		if p := checkRef(partPos{op, "input", 0}, op.Input); p != nil {
			return p
		}
		if p := message(op, op, op.Name+"Request", false); p != nil {
			return p
		}
		if op.Output != nil {
			if p := checkRef(partPos{op, "output", 0}, op.Output); p != nil {
				return p
			}
			if p := message(op, op, op.Name+"Response", false); p != nil {
				return p
			}
		}
		seen := map[string]bool{}
		for i, f := range op.Faults {
			at := partPos{op, "fault", i}
			switch {
			case !isNCName(f):
				return bad(at, "invalid fault name %q", f)
			case seen[f]:
				return bad(at, "fault %s listed twice", f)
			}
			if _, ok := c.FaultElement(f); !ok {
				return bad(at, "want exactly one global element named %s for the fault", f)
			}
			seen[f] = true
			if p := message(at, op, f, true); p != nil {
				return p
			}
		}
	}
	return nil
}

// isNCName reports whether s is a non-colonized XML name (restricted to
// ASCII name characters, which is all the admin services use).
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
		case i > 0 && (r == '-' || r == '.' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// isServiceName reports whether s can name a service: an NCName that can
// also sit in a URL path and an XML comment.
func isServiceName(s string) bool {
	return isNCName(s) && !strings.Contains(s, "--")
}
