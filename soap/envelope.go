// Package soap is the SOAP engine: it reads SOAP 1.1 and 1.2 envelopes (and
// bare XML on the HTTP binding) within strict limits, finds the operation in
// the active wire profile, authenticates the caller, invokes the service
// implementation and writes responses and faults as Axis2 writes them.
package soap

import (
	"encoding/xml"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/wsdl"
)

// Envelope namespaces.
const (
	NS11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12 = "http://www.w3.org/2003/05/soap-envelope"

	nsWSA           = "http://www.w3.org/2005/08/addressing"
	nsWSASubmission = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
)

// Version is the SOAP version of a message; POX is the plain XML of the
// HTTP binding.
type Version int

// SOAP versions.
const (
	V11 Version = iota
	V12
	POX
)

func (v Version) namespace() string {
	if v == V12 {
		return NS12
	}
	return NS11
}

// Envelope is a request read up to the first child of its Body.
type Envelope struct {
	Version Version
	// Headers are the header blocks.
	Headers []*etree.Element
	// Action is the WS-Addressing action header, if any.
	Action string
	// Body is the first child of the Body (or the document element of a POX
	// request); zero Local when the body is empty.
	Body xml.StartElement
	dec  *wsdl.Decoder
}

// readEnvelope reads the envelope up to and including the body's first
// start element. want is the version the transport announced; a document in
// another envelope namespace is a version mismatch.
func readEnvelope(r io.Reader, want Version, maxDepth int) (*Envelope, error) {
	d := wsdl.NewDecoder(r, maxDepth)
	// The transport's charset decoded the request already; Axis2 does not
	// read the declaration's encoding either (see charset).
	d.IgnoreDeclaredEncoding()
	env := &Envelope{Version: want, dec: d}
	root, ok, err := d.NextElement()
	if err == io.EOF {
		return env, clientFault("The request has no XML document")
	}
	if err != nil {
		return env, err
	}
	if !ok {
		return env, clientFault("The request has no XML document")
	}
	if want == POX {
		env.Body = root
		return env, nil
	}
	switch {
	case root.Name.Local != "Envelope":
		return env, clientFault("The document element of a SOAP message must be Envelope, not " + root.Name.Local)
	case root.Name.Space == NS11 && want == V12, root.Name.Space == NS12 && want == V11:
		return env, versionMismatch("Transport level information does not match with SOAP Message namespace URI")
	case root.Name.Space != NS11 && root.Name.Space != NS12:
		return env, versionMismatch("Only SOAP 1.1 or SOAP 1.2 messages are supported in the system")
	}
	ns := root.Name.Space
	for {
		el, ok, err := d.NextElement()
		if err != nil {
			return env, err
		}
		if !ok {
			return env, clientFault("SOAP Envelope has no Body")
		}
		if el.Name.Space != ns {
			return env, clientFault("Unexpected element " + el.Name.Local + " in SOAP Envelope")
		}
		switch el.Name.Local {
		case "Header":
			if err := env.readHeaders(); err != nil {
				return env, err
			}
		case "Body":
			first, ok, err := d.NextElement()
			if err != nil {
				return env, err
			}
			if ok {
				env.Body = first
			}
			return env, nil
		default:
			return env, clientFault("Unexpected element " + el.Name.Local + " in SOAP Envelope")
		}
	}
}

func (env *Envelope) readHeaders() error {
	for {
		start, ok, err := env.dec.NextElement()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		el, err := readElement(env.dec, start)
		if err != nil {
			return err
		}
		env.Headers = append(env.Headers, el)
		if (el.NamespaceURI() == nsWSA || el.NamespaceURI() == nsWSASubmission) && el.Tag == "Action" {
			env.Action = strings.TrimSpace(el.Text())
		}
	}
}

// readElement builds an etree element from the start element just read.
func readElement(d *wsdl.Decoder, start xml.StartElement) (*etree.Element, error) {
	root := newElement(nil, start)
	cur := root
	for cur != nil {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = newElement(cur, t)
		case xml.EndElement:
			cur = cur.Parent()
		case xml.CharData:
			cur.AddChild(etree.NewText(string(t)))
		}
	}
	return root, nil
}

func newElement(parent *etree.Element, start xml.StartElement) *etree.Element {
	var el *etree.Element
	if parent == nil {
		el = etree.NewElement(start.Name.Local)
	} else {
		el = parent.CreateElement(start.Name.Local)
	}
	// encoding/xml has resolved prefixes to namespace URIs; keep the URI as
	// the element's namespace declaration so NamespaceURI() answers it.
	el.CreateAttr("xmlns", start.Name.Space)
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" && a.Name.Space == "" {
			continue
		}
		if a.Name.Space == "" {
			el.CreateAttr(a.Name.Local, a.Value)
			continue
		}
		p := attrPrefix(a.Name.Space)
		el.CreateAttr("xmlns:"+p, a.Name.Space)
		el.CreateAttr(p+":"+a.Name.Local, a.Value)
	}
	return el
}

// attrPrefix names a namespace of an attribute, since encoding/xml has
// resolved the original prefixes away.
func attrPrefix(space string) string {
	switch space {
	case NS11:
		return "soap11"
	case NS12:
		return "soap12"
	case wsdl.XSINamespace:
		return "xsi"
	case "http://www.w3.org/XML/1998/namespace":
		return "xml"
	}
	return "ns" + strconv.Itoa(int(crc32.ChecksumIEEE([]byte(space))))
}

// headerAttr returns the value of a namespaced attribute of a header block.
func headerAttr(el *etree.Element, space, local string) string {
	return el.SelectAttrValue(attrPrefix(space)+":"+local, "")
}

// finish consumes the rest of the envelope so that malformed trailing
// content is refused rather than ignored.
func (env *Envelope) finish() error { return env.dec.Finish() }
