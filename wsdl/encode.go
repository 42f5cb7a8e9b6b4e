package wsdl

import (
	"strconv"
	"unicode/utf8"
)

// Encoder writes wire values the way Axis2 writes them: fields in the
// profile's order, xsi:nil="true" for null nillable values, xsi:type on
// complex values, arrays as repeated elements (a null array as one nil
// element, an empty one as nothing), primitives always present, elements
// without content as empty-element tags.
// It appends to a byte slice so a response costs one buffer.
type Encoder struct {
	buf []byte
	// op is the operation whose response wrapper Response is writing,
	// from offset response; voided is set when a null array return turned
	// the answer void.
	op       *Operation
	response int
	voided   bool
	// items counts the elements ResponseItem wrote.
	items int
}

// NewEncoder returns an encoder appending to buf.
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Reset empties the encoder, keeping its buffer.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// WriteString appends raw markup.
func (e *Encoder) WriteString(s string) { e.buf = append(e.buf, s...) }

// Response writes the response wrapper of op holding resp, its namespaces
// declared where Axis2 declares them. A nil resp, an operation whose
// output message has no part, or a null (not empty) array return gives
// Axis2's void answer: a wrapper with a nil return.
func (e *Encoder) Response(op *Operation, resp Struct) {
	if op.Output == nil || resp == nil {
		e.void(op)
		return
	}
	e.op, e.response, e.voided = op, len(e.buf), false
	defer func() { e.op = nil }()
	e.buf = append(e.buf, "<ns:"...)
	e.buf = append(e.buf, op.Output.Name.Local...)
	e.buf = append(e.buf, op.outputDecls...)
	e.buf = append(e.buf, '>')
	open := len(e.buf)
	e.fields(op.Output, resp)
	if e.voided {
		return
	}
	e.end(open, "ns:", op.Output.Name.Local)
}

// void writes Axis2's answer of a method that returned nothing or null
// (RPCUtil.processNullReturns).
func (e *Encoder) void(op *Operation) {
	e.buf = append(e.buf, `<ns:`...)
	e.buf = append(e.buf, op.Name...)
	e.buf = append(e.buf, `Response xmlns:ns="`...)
	e.buf = append(e.buf, op.Service.WrapperNamespace...)
	e.buf = append(e.buf, `"><ns:return xmlns:xsi="`+XSINamespace+`" xsi:nil="true"/></ns:`...)
	e.buf = append(e.buf, op.Name...)
	e.buf = append(e.buf, "Response>"...)
}

// end closes the element name whose start tag ended at open: Axiom writes
// an element without content as an empty-element tag.
func (e *Encoder) end(open int, prefix, name string) {
	if len(e.buf) == open {
		e.buf = append(e.buf[:open-1], "/>"...)
		return
	}
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, prefix...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

// ResponseStart writes the opening of op's response wrapper, for a
// response whose array result follows element by element (ResponseItem)
// and which ResponseEnd closes.
func (e *Encoder) ResponseStart(op *Operation) {
	e.buf = append(e.buf, "<ns:"...)
	e.buf = append(e.buf, op.Output.Name.Local...)
	e.buf = append(e.buf, op.outputDecls...)
	e.buf = append(e.buf, '>')
	e.items = 0
}

// ResponseItem writes one element of op's array result.
func (e *Encoder) ResponseItem(op *Operation, v Struct) {
	f := op.Output.Field("return")
	e.items++
	if v == nil {
		e.Nil(f)
		return
	}
	e.Struct(f, v)
}

// ResponseEnd closes op's response wrapper; a wrapper without items is an
// empty-element tag, as Axis2 answers an empty array.
func (e *Encoder) ResponseEnd(op *Operation) {
	if e.items == 0 && len(e.buf) > 0 && e.buf[len(e.buf)-1] == '>' {
		e.end(len(e.buf), "", "")
		return
	}
	e.buf = append(e.buf, "</ns:"...)
	e.buf = append(e.buf, op.Output.Name.Local...)
	e.buf = append(e.buf, '>')
}

// Request writes the request wrapper of op holding req, as a client sends it.
func (e *Encoder) Request(op *Operation, req Struct) {
	e.buf = append(e.buf, "<ns:"...)
	if op.Input == nil {
		e.buf = append(e.buf, op.Name...)
		e.buf = append(e.buf, ` xmlns:ns="`...)
		e.buf = append(e.buf, op.Service.WrapperNamespace...)
		e.buf = append(e.buf, `"/>`...)
		return
	}
	e.buf = append(e.buf, op.Input.Name.Local...)
	e.buf = append(e.buf, op.Service.wrapperDecls...)
	e.buf = append(e.buf, '>')
	if req != nil {
		e.fields(op.Input, req)
	}
	e.buf = append(e.buf, "</ns:"...)
	e.buf = append(e.buf, op.Input.Name.Local...)
	e.buf = append(e.buf, '>')
}

func (e *Encoder) fields(t *Type, v Struct) {
	for _, f := range t.Fields {
		v.EncodeField(e, f.index, f)
	}
}

func (e *Encoder) open(f *Field) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, f.qname...)
	e.buf = append(e.buf, '>')
}

func (e *Encoder) close(f *Field) {
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, f.qname...)
	e.buf = append(e.buf, '>')
}

// Nil writes a null value: xsi:nil for nillable fields, nothing otherwise.
func (e *Encoder) Nil(f *Field) {
	if !f.Nillable {
		return
	}
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, f.qname...)
	e.buf = append(e.buf, f.nilDecls...)
	e.buf = append(e.buf, ` xsi:nil="true"/>`...)
}

// NilArray writes a null array: one nil element (Axis2's BeanUtil writes a
// null array property so, and an empty one as nothing). A null array
// returned by an operation makes the whole answer void.
func (e *Encoder) NilArray(f *Field) {
	if f.isReturnArray && e.op != nil {
		e.buf = e.buf[:e.response]
		e.void(e.op)
		e.voided = true
		return
	}
	e.Nil(f)
}

// String writes a string value.
func (e *Encoder) String(f *Field, s string) {
	e.open(f)
	e.buf = appendEscaped(e.buf, s)
	e.close(f)
}

// StringPtr writes a nullable string value.
func (e *Encoder) StringPtr(f *Field, s *string) {
	if s == nil {
		e.Nil(f)
		return
	}
	e.String(f, *s)
}

// Strings writes a string array; a nil array is one null element.
func (e *Encoder) Strings(f *Field, ss []string) {
	if ss == nil {
		e.NilArray(f)
		return
	}
	for _, s := range ss {
		e.String(f, s)
	}
}

// Bool writes a boolean value.
func (e *Encoder) Bool(f *Field, b bool) {
	e.open(f)
	e.buf = strconv.AppendBool(e.buf, b)
	e.close(f)
}

// BoolPtr writes a nullable boolean; null is false for non-nillable fields,
// since Axis2 always writes primitives.
func (e *Encoder) BoolPtr(f *Field, b *bool) {
	switch {
	case b != nil:
		e.Bool(f, *b)
	case f.Nillable:
		e.Nil(f)
	default:
		e.Bool(f, false)
	}
}

// Bools writes a boolean array.
func (e *Encoder) Bools(f *Field, bs []bool) {
	if bs == nil {
		e.NilArray(f)
		return
	}
	for _, b := range bs {
		e.Bool(f, b)
	}
}

// Int writes an xs:int value.
func (e *Encoder) Int(f *Field, n int32) { e.Long(f, int64(n)) }

// IntPtr writes a nullable xs:int value.
func (e *Encoder) IntPtr(f *Field, n *int32) {
	switch {
	case n != nil:
		e.Long(f, int64(*n))
	case f.Nillable:
		e.Nil(f)
	default:
		e.Long(f, 0)
	}
}

// Ints writes an xs:int array.
func (e *Encoder) Ints(f *Field, ns []int32) {
	if ns == nil {
		e.NilArray(f)
		return
	}
	for _, n := range ns {
		e.Long(f, int64(n))
	}
}

// Long writes an xs:long value.
func (e *Encoder) Long(f *Field, n int64) {
	e.open(f)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.close(f)
}

// LongPtr writes a nullable xs:long value.
func (e *Encoder) LongPtr(f *Field, n *int64) {
	switch {
	case n != nil:
		e.Long(f, *n)
	case f.Nillable:
		e.Nil(f)
	default:
		e.Long(f, 0)
	}
}

// Longs writes an xs:long array.
func (e *Encoder) Longs(f *Field, ns []int64) {
	if ns == nil {
		e.NilArray(f)
		return
	}
	for _, n := range ns {
		e.Long(f, n)
	}
}

// Struct writes a complex value with its xsi:type.
func (e *Encoder) Struct(f *Field, v Struct) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, f.qname...)
	e.buf = append(e.buf, f.typeDecls...)
	e.buf = append(e.buf, ` xsi:type="`...)
	e.buf = append(e.buf, f.xsiType...)
	e.buf = append(e.buf, `">`...)
	open := len(e.buf)
	e.fields(f.Elem, v)
	e.end(open, "", f.qname)
}

// AppendText appends s escaped as XML character data, with what XML 1.0
// cannot carry replaced by U+FFFD.
func AppendText(dst []byte, s string) []byte { return appendEscaped(dst, s) }

// appendEscaped appends s escaped as XML character data. Characters XML 1.0
// cannot carry are replaced by U+FFFD so a response is always well-formed.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<':
				dst = append(dst, "&lt;"...)
			case c == '>':
				dst = append(dst, "&gt;"...)
			case c == '&':
				dst = append(dst, "&amp;"...)
			case c == '\r':
				dst = append(dst, "&#xD;"...)
			case c < 0x20 && c != '\n' && c != '\t':
				dst = append(dst, "\uFFFD"...)
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
