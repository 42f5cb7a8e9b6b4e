package wsdl

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// DefaultMaxDepth caps element nesting in a request.
const DefaultMaxDepth = 128

// InputError is a request the server refuses to read: malformed or hostile
// XML, or a value of the wrong type. It becomes a client fault.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Decoder reads XML tokens the way a SOAP server must: no DOCTYPE, no
// processing instructions other than the XML declaration, bounded nesting,
// UTF-8 only. Struct values are read as Axis2 reads them: children by local
// name, in any order, unknown ones skipped, the first occurrence winning,
// xsi:nil "true" or "1".
type Decoder struct {
	s *scanner
	// done is set once the document element has ended.
	done     bool
	depth    int
	maxDepth int
	tokens   int
	isNil    bool
}

// NewDecoder returns a decoder reading r with the given nesting cap
// (DefaultMaxDepth when maxDepth <= 0). A UTF-8 byte order mark, which
// .NET and PowerShell clients put first, is skipped.
func NewDecoder(r io.Reader, maxDepth int) *Decoder {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	return &Decoder{s: newScanner(r), maxDepth: maxDepth}
}

// IgnoreDeclaredEncoding makes the decoder accept an XML declaration
// naming any encoding: its input has been decoded to UTF-8 already, as a
// SOAP server decodes a request by its transport's charset, whatever the
// declaration says.
func (d *Decoder) IgnoreDeclaredEncoding() { d.s.anyEncoding = true }

// Close returns the decoder's buffers for reuse; the decoder is unusable
// afterwards, and so is any character data it returned.
func (d *Decoder) Close() {
	if d.s != nil {
		d.s.release()
		d.s = nil
	}
}

// Token returns the next token, rejecting what SOAP forbids. A failure of
// the reader itself is returned as it is, so that a body over its size
// limit or a broken connection is told apart from bad XML.
func (d *Decoder) Token() (xml.Token, error) {
	k, err := d.step()
	if err != nil {
		return nil, err
	}
	return d.s.token(k), nil
}

// step reads the next token as Token does, leaving it in the scanner.
func (d *Decoder) step() (tokenKind, error) {
	k, err := d.s.step()
	if err != nil {
		if err == io.EOF {
			if d.depth > 0 {
				return kindNone, inputErrorf("unexpected end of XML document")
			}
			return kindNone, io.EOF
		}
		var se *syntaxError
		if errors.As(err, &se) {
			return kindNone, &InputError{Msg: se.Error()}
		}
		return kindNone, err
	}
	d.tokens++
	switch k {
	case kindStart:
		if d.done {
			return kindNone, inputErrorf("content after the document element")
		}
		d.depth++
		if d.depth > d.maxDepth {
			return kindNone, inputErrorf("element nesting deeper than %d", d.maxDepth)
		}
	case kindEnd:
		d.depth--
		d.done = d.depth == 0
	case kindChars:
		// Outside the document element XML allows white space only, and
		// XML's white space is narrower than Unicode's.
		if d.depth == 0 && !isXMLSpace(d.s.data) {
			if d.done {
				return kindNone, inputErrorf("content after the document element")
			}
			return kindNone, inputErrorf("content before the document element")
		}
	case kindOther:
		switch t := d.s.other.(type) {
		case xml.Directive:
			return kindNone, inputErrorf("a SOAP message must not contain a document type declaration")
		case xml.ProcInst:
			if t.Target != "xml" || d.tokens != 1 {
				return kindNone, inputErrorf("a SOAP message must not contain processing instructions")
			}
		}
	}
	return k, nil
}

// Depth is the nesting level of the last start element read.
func (d *Decoder) Depth() int { return d.depth }

// NextElement skips character data and comments and returns the next start
// element; at an end element it returns ok == false.
func (d *Decoder) NextElement() (start xml.StartElement, ok bool, err error) {
	for {
		k, err := d.step()
		if err != nil {
			return start, false, err
		}
		switch k {
		case kindStart:
			return d.s.start, true, nil
		case kindEnd:
			return start, false, nil
		}
		// Axis2 ignores stray text between elements; so do we.
	}
}

// isXMLSpace reports whether b holds only XML white space: space, tab,
// carriage return and line feed.
func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// Skip consumes the rest of the element whose start was just read.
func (d *Decoder) Skip() error {
	target := d.depth - 1
	for d.depth > target {
		if _, err := d.step(); err != nil {
			return err
		}
	}
	return nil
}

// Finish reads the rest of the document, refusing what Token refuses, up
// to the end of the input.
func (d *Decoder) Finish() error {
	for {
		if _, err := d.step(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// IsNil reports whether the element being decoded carries xsi:nil.
func (d *Decoder) IsNil() bool { return d.isNil }

// IsNilElement reports whether start carries xsi:nil="true" or "1".
func IsNilElement(start xml.StartElement) bool {
	for _, a := range start.Attr {
		if a.Name.Local == "nil" && a.Name.Space == XSINamespace {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// DecodeStruct reads the children of the element just started into v,
// using t's fields, and consumes its end element.
func (d *Decoder) DecodeStruct(t *Type, v Struct) error {
	var seen [4]uint64
	for {
		start, ok, err := d.NextElement()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		f := t.byName[start.Name.Local]
		if f == nil {
			if err := d.Skip(); err != nil {
				return err
			}
			continue
		}
		if !f.Repeated && f.index < 256 {
			w, bit := f.index/64, uint64(1)<<(f.index%64)
			if seen[w]&bit != 0 {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			seen[w] |= bit
		}
		d.isNil = IsNilElement(start)
		if err := v.DecodeField(d, f.index, f); err != nil {
			return err
		}
	}
}

// Struct reads a complex field value.
func (d *Decoder) Struct(f *Field, v Struct) error { return d.DecodeStruct(f.Elem, v) }

// text reads character data up to the end of the current element, skipping
// any child elements.
func (d *Decoder) text() (string, error) {
	var sb strings.Builder
	target := d.depth - 1
	for d.depth > target {
		k, err := d.step()
		if err != nil {
			return "", err
		}
		if k == kindChars && d.depth == target+1 {
			sb.Write(d.s.data)
		}
	}
	return sb.String(), nil
}

// StringPtr reads a nullable string.
func (d *Decoder) StringPtr() (*string, error) {
	if d.isNil {
		return nil, d.Skip()
	}
	s, err := d.text()
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// String reads a string; null reads as "".
func (d *Decoder) String() (string, error) {
	p, err := d.StringPtr()
	if p == nil {
		return "", err
	}
	return *p, err
}

func (d *Decoder) primitive(kind string) (string, bool, error) {
	if d.isNil {
		return "", false, d.Skip()
	}
	s, err := d.text()
	return strings.TrimSpace(s), err == nil, err
}

// BoolPtr reads a nullable xs:boolean.
func (d *Decoder) BoolPtr() (*bool, error) {
	s, ok, err := d.primitive("boolean")
	if !ok {
		return nil, err
	}
	var b bool
	switch s {
	case "true", "1":
		b = true
	case "false", "0":
	default:
		return nil, inputErrorf("invalid xs:boolean value %q", s)
	}
	return &b, nil
}

// Bool reads an xs:boolean; null reads as false.
func (d *Decoder) Bool() (bool, error) {
	p, err := d.BoolPtr()
	return p != nil && *p, err
}

// LongPtr reads a nullable xs:long.
func (d *Decoder) LongPtr() (*int64, error) {
	s, ok, err := d.primitive("long")
	if !ok {
		return nil, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, inputErrorf("invalid xs:long value %q", s)
	}
	return &n, nil
}

// Long reads an xs:long; null reads as 0.
func (d *Decoder) Long() (int64, error) {
	p, err := d.LongPtr()
	if p == nil {
		return 0, err
	}
	return *p, err
}

// IntPtr reads a nullable xs:int.
func (d *Decoder) IntPtr() (*int32, error) {
	s, ok, err := d.primitive("int")
	if !ok {
		return nil, err
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil, inputErrorf("invalid xs:int value %q", s)
	}
	v := int32(n)
	return &v, nil
}

// Int reads an xs:int; null reads as 0.
func (d *Decoder) Int() (int32, error) {
	p, err := d.IntPtr()
	if p == nil {
		return 0, err
	}
	return *p, err
}
