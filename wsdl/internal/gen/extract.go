package gen

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hooklift/gowsdl"
)

// ContractFromWSDL extracts the contract of an Axis2-style WSDL 1.1
// document: one port type, SOAP 1.1, SOAP 1.2 and HTTP bindings of all its
// operations, schemas made of global elements with anonymous sequences and
// named complex types with a sequence or a complexContent extension.
//
// Schemas, elements, types and operations keep the document's order
// (operations in port type order). Namespace prefixes are chosen afresh:
// xs for XML Schema, tns for the targetNamespace, ns for
// http://org.apache.axis2/xsd, otherwise the first DNS label of the
// namespace's host (dto for http://dto.oauth.identity.carbon.wso2.org/xsd),
// with a numeric suffix when taken. The document's own ax2NNN prefix of a
// namespace becomes the prefix's wire name (see wirePrefixes).
//
// It fails on anything the contract cannot express or RenderWSDL would not
// reproduce: a binding operation whose soapAction is not urn:<operation>, a
// message not named <operation>Request/<operation>Response or with more
// than one part, a fault whose name differs from its message's name or
// whose element is not the only global element of that name, attributes,
// choices, simple types, element references and similar schema
// constructs.
func ContractFromWSDL(data []byte) (*Contract, error) {
	if err := checkRoot(data); err != nil {
		return nil, err
	}
	var w gowsdl.WSDL
	if err := xml.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("parse WSDL: %w", err)
	}
	if w.TargetNamespace == "" {
		return nil, errors.New("wsdl:definitions has no targetNamespace")
	}
	if len(w.Service) != 1 {
		return nil, fmt.Errorf("want exactly one wsdl:service, found %d", len(w.Service))
	}
	c := &Contract{Service: w.Service[0].Name, TargetNamespace: w.TargetNamespace}
	for _, s := range w.Types.Schemas {
		schema, err := schemaFromXSD(s)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", s.TargetNamespace, err)
		}
		c.Schemas = append(c.Schemas, schema)
	}
	if err := operationsFromWSDL(c, &w); err != nil {
		return nil, err
	}
	if err := checkBindings(data, &w); err != nil {
		return nil, err
	}
	assignPrefixes(c)
	wirePrefixes(c, w.Xmlns)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkRoot makes sure the document element is wsdl:definitions; gowsdl
// decodes any root element.
func checkRoot(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("parse WSDL: %w", err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			if start.Name != (xml.Name{Space: wsdlNamespace, Local: "definitions"}) {
				return fmt.Errorf("document element is {%s}%s, not wsdl:definitions", start.Name.Space, start.Name.Local)
			}
			return nil
		}
	}
}

// resolver resolves QName attribute values against a prefix map.
type resolver map[string]string

func (r resolver) resolve(qname string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(qname, ":")
	if !ok {
		return xml.Name{}, fmt.Errorf("unqualified name %q", qname)
	}
	uri, ok := r[prefix]
	if !ok {
		return xml.Name{}, fmt.Errorf("undeclared prefix in %q", qname)
	}
	return xml.Name{Space: uri, Local: local}, nil
}

func schemaFromXSD(s *gowsdl.XSDSchema) (*Schema, error) {
	switch {
	case s.TargetNamespace == "":
		return nil, errors.New("schema without targetNamespace")
	case len(s.Includes) > 0:
		return nil, errors.New("xs:include is not supported")
	case len(s.Attributes) > 0:
		return nil, errors.New("global attributes are not supported")
	case len(s.SimpleType) > 0:
		return nil, errors.New("simple types are not supported")
	}
	r := resolver(s.Xmlns)
	out := &Schema{Namespace: s.TargetNamespace}
	for _, e := range s.Elements {
		if e.Type != "" || e.Ref != "" || e.SimpleType != nil || e.ComplexType == nil || e.ComplexType.Name != "" {
			return nil, fmt.Errorf("element %s: only global elements with an anonymous complexType are supported", e.Name)
		}
		base, fields, err := complexType(r, e.ComplexType)
		if err != nil {
			return nil, fmt.Errorf("element %s: %w", e.Name, err)
		}
		if base != (xml.Name{}) {
			return nil, fmt.Errorf("element %s: extension in an anonymous type is not supported", e.Name)
		}
		out.Elements = append(out.Elements, &Element{Name: e.Name, Fields: fields})
	}
	for _, t := range s.ComplexTypes {
		base, fields, err := complexType(r, t)
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", t.Name, err)
		}
		out.Types = append(out.Types, &ComplexType{Name: t.Name, Abstract: t.Abstract, Base: base, Fields: fields})
	}
	return out, nil
}

// complexType converts a sequence or a complexContent extension with a
// sequence.
func complexType(r resolver, t *gowsdl.XSDComplexType) (xml.Name, []Field, error) {
	ext := t.ComplexContent.Extension
	switch {
	case len(t.Choice) > 0 || len(t.SequenceChoice) > 0 || len(ext.Choice) > 0:
		return xml.Name{}, nil, errors.New("xs:choice is not supported")
	case len(t.All) > 0:
		return xml.Name{}, nil, errors.New("xs:all is not supported")
	case len(t.Any) > 0:
		return xml.Name{}, nil, errors.New("xs:any is not supported")
	case len(t.Attributes) > 0 || len(ext.Attributes) > 0:
		return xml.Name{}, nil, errors.New("attributes are not supported")
	case t.SimpleContent.Extension.Base != "":
		return xml.Name{}, nil, errors.New("simpleContent is not supported")
	case t.Mixed:
		return xml.Name{}, nil, errors.New("mixed content is not supported")
	}
	var fields []Field
	add := func(e *gowsdl.XSDElement) error {
		f, err := field(r, e)
		if err != nil {
			return err
		}
		fields = append(fields, f)
		return nil
	}
	if ext.Base == "" {
		for _, e := range t.Sequence {
			if err := add(e); err != nil {
				return xml.Name{}, nil, err
			}
		}
		return xml.Name{}, fields, nil
	}
	if len(t.Sequence) > 0 {
		return xml.Name{}, nil, errors.New("sequence next to complexContent")
	}
	base, err := r.resolve(ext.Base)
	if err != nil {
		return xml.Name{}, nil, fmt.Errorf("extension base: %w", err)
	}
	for i := range ext.Sequence {
		if err := add(&ext.Sequence[i]); err != nil {
			return xml.Name{}, nil, err
		}
	}
	return base, fields, nil
}

func field(r resolver, e *gowsdl.XSDElement) (Field, error) {
	if e.Ref != "" || e.Type == "" || e.ComplexType != nil || e.SimpleType != nil || len(e.Groups) > 0 {
		return Field{}, fmt.Errorf("field %q: only elements with a name and a type attribute are supported", e.Name)
	}
	typ, err := r.resolve(e.Type)
	if err != nil {
		return Field{}, fmt.Errorf("field %s: %w", e.Name, err)
	}
	f := Field{Name: e.Name, Type: typ, MinOccurs: 1, MaxOccurs: 1, Nillable: e.Nillable}
	if e.MinOccurs != "" {
		if f.MinOccurs, err = strconv.Atoi(e.MinOccurs); err != nil {
			return Field{}, fmt.Errorf("field %s: minOccurs %q", e.Name, e.MinOccurs)
		}
	}
	switch e.MaxOccurs {
	case "":
	case "unbounded":
		f.MaxOccurs = Unbounded
	default:
		if f.MaxOccurs, err = strconv.Atoi(e.MaxOccurs); err != nil {
			return Field{}, fmt.Errorf("field %s: maxOccurs %q", e.Name, e.MaxOccurs)
		}
	}
	return f, nil
}

func operationsFromWSDL(c *Contract, w *gowsdl.WSDL) error {
	if len(w.PortTypes) != 1 {
		return fmt.Errorf("want exactly one wsdl:portType, found %d", len(w.PortTypes))
	}
	r := resolver(w.Xmlns)
	messages := map[string]*gowsdl.WSDLMessage{}
	for _, m := range w.Messages {
		messages[m.Name] = m
	}
	// message looks up the message a portType child refers to, which must
	// be called want, and returns its part.
	message := func(qname, want string) (*gowsdl.WSDLPart, error) {
		name, err := r.resolve(qname)
		if err != nil {
			return nil, err
		}
		if name != (xml.Name{Space: w.TargetNamespace, Local: want}) {
			return nil, fmt.Errorf("message %s: want %s", qname, want)
		}
		m, ok := messages[want]
		if !ok {
			return nil, fmt.Errorf("message %s is not defined", want)
		}
		switch {
		case len(m.Parts) == 0:
			return nil, nil
		case len(m.Parts) > 1:
			return nil, fmt.Errorf("message %s has %d parts", want, len(m.Parts))
		case m.Parts[0].Name != "parameters" || m.Parts[0].Element == "" || m.Parts[0].Type != "":
			return nil, fmt.Errorf("message %s: want a single part named parameters with an element", want)
		}
		return m.Parts[0], nil
	}
	ref := func(qname, want string) (*MessageRef, error) {
		part, err := message(qname, want)
		if err != nil || part == nil {
			return &MessageRef{Empty: true}, err
		}
		el, err := r.resolve(part.Element)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", want, err)
		}
		return &MessageRef{Element: el}, nil
	}
	for _, o := range w.PortTypes[0].Operations {
		op := &Operation{Name: o.Name}
		var err error
		if o.Input.Message == "" {
			return fmt.Errorf("operation %s: no input", o.Name)
		}
		if op.Input, err = ref(o.Input.Message, o.Name+"Request"); err != nil {
			return fmt.Errorf("operation %s input: %w", o.Name, err)
		}
		if o.Output.Message != "" {
			if op.Output, err = ref(o.Output.Message, o.Name+"Response"); err != nil {
				return fmt.Errorf("operation %s output: %w", o.Name, err)
			}
		}
		for _, f := range o.Faults {
			part, err := message(f.Message, f.Name)
			if err != nil {
				return fmt.Errorf("operation %s fault %s: %w", o.Name, f.Name, err)
			}
			if part == nil {
				return fmt.Errorf("operation %s fault %s: message has no part", o.Name, f.Name)
			}
			el, err := r.resolve(part.Element)
			if err != nil {
				return fmt.Errorf("operation %s fault %s: %w", o.Name, f.Name, err)
			}
			if want, ok := c.FaultElement(f.Name); !ok || el != want {
				return fmt.Errorf("operation %s fault %s: element {%s}%s is not the one global element named %s", o.Name, f.Name, el.Space, el.Local, f.Name)
			}
			op.Faults = append(op.Faults, f.Name)
		}
		c.Operations = append(c.Operations, op)
	}
	return nil
}

// bindingKinds is what gowsdl does not decode of the bindings: the SOAP 1.2
// and HTTP binding markers and the SOAP 1.2 actions.
type bindingKinds struct {
	Bindings []struct {
		Name   string    `xml:"name,attr"`
		SOAP12 *struct{} `xml:"http://schemas.xmlsoap.org/wsdl/soap12/ binding"`
		HTTP   *struct{} `xml:"http://schemas.xmlsoap.org/wsdl/http/ binding"`
		Ops    []struct {
			Name   string `xml:"name,attr"`
			SOAP12 *struct {
				Action string `xml:"soapAction,attr"`
			} `xml:"http://schemas.xmlsoap.org/wsdl/soap12/ operation"`
		} `xml:"http://schemas.xmlsoap.org/wsdl/ operation"`
	} `xml:"http://schemas.xmlsoap.org/wsdl/ binding"`
}

// checkBindings requires one SOAP 1.1, one SOAP 1.2 and one HTTP binding,
// each binding every port type operation, with soapAction urn:<operation>
// in the SOAP bindings.
func checkBindings(data []byte, w *gowsdl.WSDL) error {
	var kinds bindingKinds
	if err := xml.Unmarshal(data, &kinds); err != nil {
		return fmt.Errorf("parse WSDL bindings: %w", err)
	}
	if len(kinds.Bindings) != len(w.Binding) {
		return errors.New("bindings decoded inconsistently")
	}
	var want []string
	for _, o := range w.PortTypes[0].Operations {
		want = append(want, o.Name)
	}
	slices.Sort(want)
	count := map[string]int{}
	for i, b := range w.Binding {
		k := kinds.Bindings[i]
		var kind string
		switch {
		case b.SOAPBinding.Transport != "" || b.SOAPBinding.Style != "":
			kind = "SOAP 1.1"
		case k.SOAP12 != nil:
			kind = "SOAP 1.2"
		case k.HTTP != nil:
			kind = "HTTP"
		default:
			return fmt.Errorf("binding %s: not a SOAP 1.1, SOAP 1.2 or HTTP binding", b.Name)
		}
		count[kind]++
		var got []string
		for j, o := range b.Operations {
			got = append(got, o.Name)
			action := ""
			switch kind {
			case "SOAP 1.1":
				action = o.SOAPOperation.SOAPAction
			case "SOAP 1.2":
				if op := k.Ops[j].SOAP12; op != nil {
					action = op.Action
				}
			default:
				continue
			}
			if action != "urn:"+o.Name {
				return fmt.Errorf("binding %s operation %s: soapAction %q, want %q", b.Name, o.Name, action, "urn:"+o.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("binding %s: operations %v differ from the port type's %v", b.Name, got, want)
		}
	}
	for _, kind := range []string{"SOAP 1.1", "SOAP 1.2", "HTTP"} {
		if count[kind] != 1 {
			return fmt.Errorf("want one %s binding, found %d", kind, count[kind])
		}
	}
	return nil
}

// assignPrefixes binds a prefix to every namespace c uses, in order of
// first use: the targetNamespace, the schemas, then the namespaces only
// referred to.
func assignPrefixes(c *Contract) {
	var uris []string
	seen := map[string]bool{XSDNamespace: true}
	use := func(uri string) {
		if uri != "" && !seen[uri] {
			seen[uri] = true
			uris = append(uris, uri)
		}
	}
	use(c.TargetNamespace)
	for _, s := range c.Schemas {
		use(s.Namespace)
	}
	for _, s := range c.Schemas {
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
	}
	for _, op := range c.Operations {
		for _, m := range []*MessageRef{op.Input, op.Output} {
			if m != nil {
				use(m.Element.Space)
			}
		}
	}
	taken := map[string]bool{"tns": true, "ns": true}
	c.Prefixes = nil
	for _, uri := range uris {
		var name string
		switch uri {
		case c.TargetNamespace:
			name = "tns"
		case Axis2Namespace:
			name = "ns"
		default:
			base := hostLabel(uri)
			name = base
			for n := 2; taken[name]; n++ {
				name = base + strconv.Itoa(n)
			}
		}
		taken[name] = true
		c.Prefixes = append(c.Prefixes, Prefix{Name: name, URI: uri})
	}
}

// wirePrefixes names every namespace the way the document's Axis2 did:
// ax2 and a number that a counter of the whole server gave each type
// namespace as services were deployed (Axis2 DefaultSchemaGenerator,
// generatePrefix). The answers of that release use the same prefixes,
// through the service's type table. A namespace the definitions bind to
// several such prefixes (the schemas' imports add some) takes the lowest
// number, the one its own types got first.
func wirePrefixes(c *Contract, xmlns map[string]string) {
	best := map[string]int{}
	for prefix, uri := range xmlns {
		digits, ok := strings.CutPrefix(prefix, "ax")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || n < 0 || strconv.Itoa(n) != digits {
			continue
		}
		if old, seen := best[uri]; !seen || n < old {
			best[uri] = n
		}
	}
	for i, p := range c.Prefixes {
		if n, ok := best[p.URI]; ok && p.URI != c.TargetNamespace && p.URI != Axis2Namespace {
			c.Prefixes[i].Wire = "ax" + strconv.Itoa(n)
		}
	}
}

// hostLabel returns the first DNS label of the namespace's host when it
// makes a usable prefix, "ns" otherwise.
func hostLabel(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "ns"
	}
	label, _, _ := strings.Cut(u.Hostname(), ".")
	if !isNCName(label) || strings.ContainsAny(label, ".") || reservedPrefixes[label] ||
		strings.HasPrefix(strings.ToLower(label), "xml") {
		return "ns"
	}
	return label
}
