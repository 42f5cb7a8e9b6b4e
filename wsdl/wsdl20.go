package wsdl

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/hooklift/gowsdl"
)

// Document20 returns the service's WSDL 2.0 document (what ?wsdl2 serves),
// with the address DefaultAddress. It is rendered on first use, so that
// starting costs nothing for it.
func (s *Service) Document20() []byte {
	s.doc20Once.Do(func() {
		var err error
		if s.document20, err = renderWSDL20(s.Document, s.def, s.Operations, s.order); err != nil {
			// The document parsed when the profile loaded; a failure here is
			// a bug of the renderer.
			panic(fmt.Sprintf("wsdl: %s: WSDL 2.0 document: %v", s.Name, err))
		}
	})
	return s.document20
}

// WSDL 2.0 namespaces.
const (
	wsdl2NS = "http://www.w3.org/ns/wsdl"
	wsoapNS = "http://www.w3.org/ns/wsdl/soap"
	whttpNS = "http://www.w3.org/ns/wsdl/http"
	wsdlxNS = "http://www.w3.org/ns/wsdl-extensions"
	wrpcNS  = "http://www.w3.org/ns/wsdl/rpc"
	wsawNS  = "http://www.w3.org/2006/05/addressing/wsdl"
)

// renderWSDL20 writes the WSDL 2.0 document of a service as Axis2's
// AxisService2WSDL20 generates it from the same description as the WSDL
// 1.1 one, and Carbon's Wsdl20Processor serves it: no XML declaration, one
// line but for the schemas, which XmlSchema writes with four-space
// indentation; the interface ServiceInterface with the faults first, then
// the operations; the SOAP 1.1, SOAP 1.2 and HTTP bindings; the service's
// endpoints in the order of Axis2's endpoint HashMap. Each start tag's
// namespace declarations are in Axiom's HashMap order.
func renderWSDL20(doc []byte, w *gowsdl.WSDL, ops []*Operation, order JavaHashMap) ([]byte, error) {
	src := etree.NewDocument()
	if err := src.ReadFromBytes(doc); err != nil {
		return nil, err
	}
	root := src.Root()
	if root == nil {
		return nil, fmt.Errorf("no document element")
	}
	// The root declares the WSDL 1.1 root's namespaces less the WSDL 1.1
	// vocabularies, and the WSDL 2.0 ones.
	uri := map[string]string{"wsdl2": wsdl2NS}
	var declared []string
	prefixOf := map[string]string{}
	skip := map[string]bool{"wsdl": true, "soap": true, "soap12": true, "http": true, "mime": true}
	for _, a := range root.Attr {
		if a.Space != "xmlns" || skip[a.Key] {
			continue
		}
		uri[a.Key] = a.Value
		declared = append(declared, a.Key)
		if _, ok := prefixOf[a.Value]; !ok {
			prefixOf[a.Value] = a.Key
		}
	}
	for _, p := range []struct{ prefix, ns string }{{"wsaw", wsawNS}, {"wsoap", wsoapNS}, {"whttp", whttpNS}, {"wsdlx", wsdlxNS}, {"wrpc", wrpcNS}} {
		if _, ok := uri[p.prefix]; !ok {
			declared = append(declared, p.prefix)
		}
		uri[p.prefix] = p.ns
	}
	declared = append(declared, "wsdl2")
	tns := prefixOf[w.TargetNamespace]
	qname := func(ns, local string) string {
		if p, ok := prefixOf[ns]; ok {
			return p + ":" + local
		}
		return local
	}

	var b bytes.Buffer
	b.WriteString(`<wsdl2:description` + order.startTagDecls("wsdl2", declared, nil, uri) + ` targetNamespace="` + w.TargetNamespace + `">`)
	b.WriteString(`<wsdl2:documentation>` + w.Service[0].Name + `</wsdl2:documentation>`)

	b.WriteString(`<wsdl2:types>`)
	if types := root.SelectElement("types"); types != nil {
		for _, schema := range types.SelectElements("schema") {
			d := etree.NewDocument()
			d.SetRoot(schema.Copy())
			d.Indent(4)
			text, err := d.WriteToString()
			if err != nil {
				return nil, err
			}
			b.WriteString(strings.TrimSuffix(text, "\n"))
		}
	}
	b.WriteString(`</wsdl2:types>`)

	// Faults: element of each fault message, in order of first use.
	msgElement := map[string]string{}
	for _, m := range w.Messages {
		if len(m.Parts) > 0 {
			msgElement[m.Name] = m.Parts[0].Element
		}
	}
	local := func(q string) string {
		if _, l, ok := strings.Cut(q, ":"); ok {
			return l
		}
		return q
	}
	faults := map[string][]string{}
	var faultOrder []string
	seenFault := map[string]bool{}
	for _, o := range w.PortTypes[0].Operations {
		for _, f := range o.Faults {
			faults[o.Name] = append(faults[o.Name], f.Name)
			if !seenFault[f.Name] {
				seenFault[f.Name] = true
				faultOrder = append(faultOrder, f.Name)
				msgElement["fault:"+f.Name] = msgElement[local(f.Message)]
			}
		}
	}
	b.WriteString(`<wsdl2:interface name="ServiceInterface">`)
	for _, f := range faultOrder {
		b.WriteString(`<wsdl2:fault name="` + f + `" element="` + msgElement["fault:"+f] + `"/>`)
	}
	for _, op := range ops {
		mep := mepOf(op, len(faults[op.Name]) > 0)
		b.WriteString(`<wsdl2:operation name="` + op.Name + `"`)
		style, signature := rpcStyle(op, mep)
		if style != "" {
			b.WriteString(` style="` + style + `"`)
		}
		if signature != "" {
			b.WriteString(` wrpc:signature="` + signature + `"`)
		}
		b.WriteString(` pattern="http://www.w3.org/ns/wsdl/` + mep + `">`)
		in := "#none"
		if op.Input != nil {
			in = qname(op.Input.Name.Space, op.Input.Name.Local)
		}
		b.WriteString(`<wsdl2:input element="` + in + `" wsaw:Action="` + op.Action + `"/>`)
		if mep != "in-only" {
			out := "#none"
			if op.Output != nil {
				out = qname(op.Output.Name.Space, op.Output.Name.Local)
			}
			b.WriteString(`<wsdl2:output element="` + out + `" wsaw:Action="urn:` + op.Name + `Response"/>`)
		}
		for _, f := range faults[op.Name] {
			b.WriteString(`<wsdl2:outfault ref="` + tns + `:` + f + `" wsaw:Action="urn:` + op.Name + f + `"/>`)
		}
		b.WriteString(`</wsdl2:operation>`)
	}
	b.WriteString(`</wsdl2:interface>`)

	name := w.Service[0].Name
	for _, binding := range []struct{ suffix, attrs, opAttr string }{
		{"Soap11Binding", ` type="` + wsoapNS + `" wsoap:version="1.1"`, "wsoap:action"},
		{"Soap12Binding", ` type="` + wsoapNS + `" wsoap:version="1.2"`, "wsoap:action"},
		{"HttpBinding", ` whttp:methodDefault="POST" type="` + whttpNS + `"`, "whttp:location"},
	} {
		b.WriteString(`<wsdl2:binding name="` + name + binding.suffix + `" interface="` + tns + `:ServiceInterface"` + binding.attrs + `>`)
		for _, f := range faultOrder {
			b.WriteString(`<wsdl2:fault ref="` + tns + `:` + f + `"/>`)
		}
		for _, op := range ops {
			value := op.Action
			if binding.opAttr == "whttp:location" {
				value = op.Name
			}
			b.WriteString(`<wsdl2:operation ref="` + tns + `:` + op.Name + `" ` + binding.opAttr + `="` + value + `"><wsdl2:input/>`)
			if mepOf(op, len(faults[op.Name]) > 0) == "in-out" {
				b.WriteString(`<wsdl2:output/>`)
			}
			for _, f := range faults[op.Name] {
				b.WriteString(`<wsdl2:outfault ref="` + tns + `:` + f + `"/>`)
			}
			b.WriteString(`</wsdl2:operation>`)
		}
		b.WriteString(`</wsdl2:binding>`)
	}

	b.WriteString(`<wsdl2:service name="` + name + `" interface="` + tns + `:ServiceInterface">`)
	endpoints := map[string]string{
		name + "HttpsSoap11Endpoint": name + "Soap11Binding",
		name + "HttpsSoap12Endpoint": name + "Soap12Binding",
		name + "HttpsEndpoint":       name + "HttpBinding",
	}
	// Axis2 keeps a service's endpoints in a new HashMap() (16 buckets).
	for _, e := range order.iterationOrderOf([]string{name + "HttpsSoap11Endpoint", name + "HttpsSoap12Endpoint", name + "HttpsEndpoint"}, 16) {
		b.WriteString(`<wsdl2:endpoint name="` + e + `" binding="` + tns + `:` + endpoints[e] + `" address="` + DefaultAddress + `/services/` + name + `.` + e + `/"/>`)
	}
	b.WriteString(`</wsdl2:service></wsdl2:description>`)
	return b.Bytes(), nil
}

// mepOf is the message exchange pattern Axis2 gives an operation of a POJO
// service (Utils.getAxisOperationForJmethod): a method returning nothing
// is in-only, robust-in-only when it declares exceptions; one answering
// is in-out.
func mepOf(op *Operation, throws bool) string {
	switch {
	case !op.OneWay:
		return "in-out"
	case throws:
		return "robust-in-only"
	}
	return "in-only"
}

// rpcStyle is the style and RPC signature AxisService2WSDL20.checkStyle
// finds: rpc when the input element is named after the operation and,
// for in-out, the output after it with "Response"; iri and multipart only
// without parameters (Axis2's parameter elements have no simple schema
// type object and minOccurs 0).
func rpcStyle(op *Operation, mep string) (style, signature string) {
	rpc := op.Input != nil && op.Input.Name.Local == op.Name && mep != "robust-in-only"
	if mep == "in-out" && (op.Output == nil || op.Output.Name.Local != op.Name+"Response") {
		rpc = false
	}
	var styles []string
	if rpc {
		styles = append(styles, "http://www.w3.org/ns/wsdl/style/rpc")
	}
	if op.Input == nil || len(op.Input.Fields) == 0 {
		styles = append(styles, "http://www.w3.org/ns/wsdl/style/iri", "http://www.w3.org/ns/wsdl/style/multipart")
	}
	if rpc {
		if op.Input != nil {
			for _, f := range op.Input.Fields {
				signature += f.Name + " #in "
			}
		}
		if op.Output != nil && op.Output.Field("return") != nil {
			signature += "return #return "
		}
	}
	return strings.Join(styles, " "), signature
}
