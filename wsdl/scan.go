package wsdl

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// scanner reads XML tokens for the Decoder. It answers what encoding/xml's
// Decoder.Token answers in strict mode (names translated to namespace
// URIs, the end of an empty element reported as an end element, line ends
// normalised), and refuses a little more: names outside ASCII, character
// references to surrogates. It reads its input in chunks into one buffer
// and returns character data as slices of it, valid until the next call,
// and names and common values as shared strings, so a request costs few
// allocations.
type scanner struct {
	r       io.Reader
	readErr error // the reader's failure other than io.EOF
	eof     bool
	buf     []byte
	pos     int
	started bool

	// ns is the stack of namespace bindings in scope; frames the open
	// elements.
	ns     []binding
	frames []frame
	// closeEmpty is set after the start of an empty element: its end
	// comes next.
	closeEmpty bool
	// text holds character data that differs from its input (references,
	// line ends).
	text []byte
	// attrs gathers the attributes of a start element.
	attrs []xml.Attr
	err   error
	// anyEncoding accepts whatever encoding the XML declaration names:
	// the caller has decoded the input to UTF-8 already.
	anyEncoding bool

	// The token step read last, by its kind: the Decoder reads these
	// fields rather than an xml.Token, which would cost an allocation per
	// token.
	start xml.StartElement
	end   xml.EndElement
	data  []byte    // character data, valid until the next step
	other xml.Token // a comment, directive or processing instruction
}

// tokenKind is the kind of token step read.
type tokenKind uint8

const (
	kindNone  tokenKind = iota
	kindStart           // scanner.start
	kindEnd             // scanner.end
	kindChars           // scanner.data
	kindOther           // scanner.other
)

type binding struct{ prefix, uri string }

type frame struct {
	prefix string // as written, compared with the end tag
	name   xml.Name
	nsLen  int // len(ns) before the element's own bindings
}

// syntaxError is malformed XML; Msg says what.
type syntaxError struct{ Msg string }

func (e *syntaxError) Error() string { return "malformed XML: " + e.Msg }

const (
	xmlURL         = "http://www.w3.org/XML/1998/namespace"
	readChunk      = 4096
	maxPooledBytes = 64 << 10
)

// scanners are released scanners, kept with their buffers and stacks: a
// request reuses them rather than growing its own.
var scanners = sync.Pool{New: func() any { return &scanner{buf: make([]byte, 0, readChunk)} }}

// maxPooledDepth bounds the stacks and the attribute scratch of a scanner
// kept for reuse.
const maxPooledDepth = 64

func newScanner(r io.Reader) *scanner {
	s := scanners.Get().(*scanner)
	*s = scanner{r: r, buf: s.buf[:0], ns: s.ns[:0], frames: s.frames[:0], text: s.text[:0], attrs: s.attrs[:0]}
	return s
}

// release returns the scanner for reuse; neither it nor anything it
// returned other than strings may be used afterwards.
func (s *scanner) release() {
	if s.buf == nil {
		return
	}
	if cap(s.buf) > maxPooledBytes || cap(s.text) > maxPooledBytes || cap(s.ns) > maxPooledDepth || cap(s.frames) > maxPooledDepth || cap(s.attrs) > maxPooledDepth {
		s.buf = nil
		return
	}
	// Drop what the request referred to, so the pool holds none of it.
	clear(s.ns[:cap(s.ns)])
	clear(s.frames[:cap(s.frames)])
	*s = scanner{buf: s.buf[:0], ns: s.ns[:0], frames: s.frames[:0], text: s.text[:0], attrs: s.attrs[:0]}
	scanners.Put(s)
}

// fill reads more input after what the buffer holds, keeping what it holds
// at the same offsets. It reports false at the end of the input or on a
// read error.
func (s *scanner) fill() bool {
	if s.eof || s.buf == nil {
		return false
	}
	if len(s.buf) == cap(s.buf) {
		grown := make([]byte, len(s.buf), 2*cap(s.buf)+readChunk)
		copy(grown, s.buf)
		s.buf = grown
	}
	for {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
		}
		if n > 0 {
			return true
		}
		if s.eof {
			return false
		}
	}
}

// compact drops what was read before the current token, when that frees
// at least half the buffer.
func (s *scanner) compact() {
	if s.pos > 0 && s.pos >= len(s.buf)/2 {
		n := copy(s.buf, s.buf[s.pos:])
		s.buf = s.buf[:n]
		s.pos = 0
	}
}

// next returns the next byte; ok is false at the end of the input.
func (s *scanner) next() (b byte, ok bool) {
	if s.pos >= len(s.buf) && !s.fill() {
		return 0, false
	}
	b = s.buf[s.pos]
	s.pos++
	return b, true
}

// must returns the next byte, or sets an error at the end of the input.
func (s *scanner) must() (byte, bool) {
	b, ok := s.next()
	if !ok {
		s.fail("unexpected EOF")
	}
	return b, ok
}

func (s *scanner) fail(msg string) {
	if s.err == nil {
		s.err = &syntaxError{Msg: msg}
	}
}

// error returns the error to report: the reader's own failure comes first.
func (s *scanner) error() error {
	if s.readErr != nil {
		return s.readErr
	}
	return s.err
}

func (s *scanner) space() {
	for {
		if s.pos >= len(s.buf) && !s.fill() {
			return
		}
		switch s.buf[s.pos] {
		case ' ', '\r', '\n', '\t':
			s.pos++
		default:
			return
		}
	}
}

// Token returns the next token, or io.EOF at the end of the input.
func (s *scanner) Token() (xml.Token, error) {
	k, err := s.step()
	if err != nil {
		return nil, err
	}
	return s.token(k), nil
}

// token returns the token step read as an xml.Token.
func (s *scanner) token(k tokenKind) xml.Token {
	switch k {
	case kindStart:
		return s.start
	case kindEnd:
		return s.end
	case kindChars:
		return xml.CharData(s.data)
	case kindOther:
		return s.other
	}
	return nil
}

// step reads the next token into the field its kind names, or returns
// io.EOF at the end of the input.
func (s *scanner) step() (tokenKind, error) {
	if s.err != nil || s.readErr != nil {
		return kindNone, s.error()
	}
	if s.closeEmpty {
		s.closeEmpty = false
		s.end = s.pop()
		return kindEnd, nil
	}
	s.compact()
	if !s.started {
		s.started = true
		// .NET and PowerShell clients put a UTF-8 byte order mark first.
		for len(s.buf) < 3 && s.fill() {
		}
		if len(s.buf) >= 3 && s.buf[0] == 0xEF && s.buf[1] == 0xBB && s.buf[2] == 0xBF {
			s.pos = 3
		}
	}
	b, ok := s.next()
	if !ok {
		if s.readErr != nil {
			return kindNone, s.readErr
		}
		return kindNone, io.EOF
	}
	kind := kindNone
	if b != '<' {
		s.pos--
		if data, ok := s.chars(0, false); ok {
			s.data, kind = data, kindChars
		}
	} else if b, ok = s.must(); ok {
		switch b {
		case '/':
			kind = s.endElement()
		case '?':
			kind = s.setOther(s.procInst())
		case '!':
			if tok := s.bang(); tok != nil {
				if data, ok := tok.(xml.CharData); ok {
					s.data, kind = data, kindChars
				} else {
					kind = s.setOther(tok)
				}
			}
		default:
			s.pos--
			kind = s.startElement()
		}
	}
	if s.err != nil || s.readErr != nil {
		return kindNone, s.error()
	}
	return kind, nil
}

func (s *scanner) setOther(tok xml.Token) tokenKind {
	if tok == nil {
		return kindNone
	}
	s.other = tok
	return kindOther
}

// name reads an XML name at the current position and returns its offsets.
// Only ASCII names are read; a byte outside ASCII in a name is an error.
func (s *scanner) name() (start, end int, ok bool) {
	start = s.pos
	b, ok := s.must()
	if !ok {
		return
	}
	if !isNameStart(b) {
		s.pos--
		if b >= utf8.RuneSelf {
			s.fail("names must be ASCII")
		}
		return start, start, false
	}
	for {
		if s.pos >= len(s.buf) && !s.fill() {
			s.fail("unexpected EOF")
			return start, s.pos, false
		}
		b := s.buf[s.pos]
		if isNameByte(b) {
			s.pos++
			continue
		}
		if b >= utf8.RuneSelf {
			s.fail("names must be ASCII")
			return start, s.pos, false
		}
		return start, s.pos, true
	}
}

// nameSpan is where a name read with its prefix lies in the buffer. Offsets
// stay valid while a token is read: the buffer only grows within a token.
type nameSpan struct{ prefixStart, prefixEnd, localStart, localEnd int }

func (q nameSpan) prefix(buf []byte) []byte { return buf[q.prefixStart:q.prefixEnd] }
func (q nameSpan) local(buf []byte) []byte  { return buf[q.localStart:q.localEnd] }

// qname reads a name and splits it at its colon, as encoding/xml does: a
// name with two colons is no name, and a colon at either end belongs to
// the local part.
func (s *scanner) qname() (q nameSpan, ok bool) {
	start, end, ok := s.name()
	if !ok {
		return q, false
	}
	colon := -1
	for i := start; i < end; i++ {
		if s.buf[i] == ':' {
			if colon >= 0 {
				return q, false
			}
			colon = i
		}
	}
	if colon <= start || colon == end-1 {
		return nameSpan{start, start, start, end}, true
	}
	return nameSpan{start, colon, colon + 1, end}, true
}

func isNameStart(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '_' || b == ':'
}

func isNameByte(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' ||
		b == '_' || b == ':' || b == '.' || b == '-'
}

func (s *scanner) startElement() tokenKind {
	q, ok := s.qname()
	if !ok {
		s.fail("expected element name after <")
		return kindNone
	}
	nsLen := len(s.ns)
	attrs := s.attrs[:0]
	var names [8]nameSpan
	attrNames := names[:0]
	empty := false
	for {
		s.space()
		b, ok := s.must()
		if !ok {
			return kindNone
		}
		if b == '/' {
			if b, ok = s.must(); !ok {
				return kindNone
			}
			if b != '>' {
				s.fail("expected /> in element")
				return kindNone
			}
			empty = true
			break
		}
		if b == '>' {
			break
		}
		s.pos--
		aq, ok := s.qname()
		if !ok {
			s.fail("expected attribute name in element")
			return kindNone
		}
		s.space()
		if b, ok = s.must(); !ok {
			return kindNone
		}
		if b != '=' {
			s.fail("attribute name without = in element")
			return kindNone
		}
		s.space()
		quote, ok := s.must()
		if !ok {
			return kindNone
		}
		if quote != '"' && quote != '\'' {
			s.fail("unquoted or missing attribute value in element")
			return kindNone
		}
		v, ok := s.chars(quote, false)
		if !ok {
			return kindNone
		}
		attrNames = append(attrNames, aq)
		attrs = append(attrs, xml.Attr{Value: internBytes(v)})
	}
	// The attributes are gathered in s.attrs and handed out in a slice of
	// their own, made once: the caller may keep it.
	s.attrs = attrs
	attrs = nil
	if len(s.attrs) > 0 {
		attrs = slices.Clone(s.attrs)
		clear(s.attrs)
	}
	// Bindings first: they apply to the element's own name and attributes.
	for i, aq := range attrNames {
		p, l := aq.prefix(s.buf), aq.local(s.buf)
		switch {
		case string(p) == "xmlns":
			s.ns = append(s.ns, binding{prefix: internBytes(l), uri: attrs[i].Value})
		case len(p) == 0 && string(l) == "xmlns":
			s.ns = append(s.ns, binding{prefix: "", uri: attrs[i].Value})
		}
	}
	for i, aq := range attrNames {
		p, l := aq.prefix(s.buf), aq.local(s.buf)
		attrs[i].Name = xml.Name{Space: s.translate(p, l, false), Local: internBytes(l)}
	}
	p, l := q.prefix(s.buf), q.local(s.buf)
	name := xml.Name{Space: s.translate(p, l, true), Local: internBytes(l)}
	s.frames = append(s.frames, frame{prefix: s.prefixString(p), name: name, nsLen: nsLen})
	s.closeEmpty = empty
	s.start = xml.StartElement{Name: name, Attr: attrs}
	return kindStart
}

// translate resolves a prefix as encoding/xml does: attributes without a
// prefix and xmlns declarations keep no namespace, "xml" is the XML
// namespace, and an unbound prefix stands for itself.
func (s *scanner) translate(prefix, local []byte, element bool) string {
	switch {
	case string(prefix) == "xmlns":
		return "xmlns"
	case len(prefix) == 0 && !element:
		return ""
	case string(prefix) == "xml":
		return xmlURL
	case len(prefix) == 0 && string(local) == "xmlns":
		return ""
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == string(prefix) {
			return s.ns[i].uri
		}
	}
	return internBytes(prefix)
}

// prefixString returns the prefix as a string, sharing a binding's where
// one matches.
func (s *scanner) prefixString(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == string(p) {
			return s.ns[i].prefix
		}
	}
	return internBytes(p)
}

func (s *scanner) pop() xml.EndElement {
	f := s.frames[len(s.frames)-1]
	s.frames = s.frames[:len(s.frames)-1]
	s.ns = s.ns[:f.nsLen]
	return xml.EndElement{Name: f.name}
}

func (s *scanner) endElement() tokenKind {
	q, ok := s.qname()
	if !ok {
		s.fail("expected element name after </")
		return kindNone
	}
	prefix, local := q.prefix(s.buf), q.local(s.buf)
	var top *frame
	if n := len(s.frames); n > 0 {
		top = &s.frames[n-1]
	}
	switch {
	case top == nil:
		s.fail("unexpected end element </" + string(local) + ">")
		return kindNone
	case top.name.Local != string(local):
		s.fail("element <" + top.name.Local + "> closed by </" + string(local) + ">")
		return kindNone
	case top.prefix != string(prefix):
		s.fail("element <" + top.name.Local + "> in space " + top.prefix + " closed by </" + string(local) + "> in space " + string(prefix))
		return kindNone
	}
	s.space()
	b, ok := s.must()
	if !ok {
		return kindNone
	}
	if b != '>' {
		s.fail("invalid characters between </" + string(local) + " and >")
		return kindNone
	}
	s.end = s.pop()
	return kindEnd
}

func (s *scanner) procInst() xml.Token {
	start, end, ok := s.name()
	if !ok {
		s.fail("expected target name after <?")
		return nil
	}
	target := internBytes(s.buf[start:end])
	s.space()
	from := s.pos
	var b0 byte
	for {
		b, ok := s.must()
		if !ok {
			return nil
		}
		if b0 == '?' && b == '>' {
			break
		}
		b0 = b
	}
	content := s.buf[from : s.pos-2]
	if target == "xml" {
		if v := declParam("version", content); v != "" && v != "1.0" {
			s.fail("unsupported version " + strconv.Quote(v) + "; only version 1.0 is supported")
			return nil
		}
		if enc := declParam("encoding", content); enc != "" && !s.anyEncoding && !equalFoldASCII(enc, "utf-8") {
			s.fail("encoding " + strconv.Quote(enc) + " is not supported; only UTF-8 is")
			return nil
		}
	}
	return xml.ProcInst{Target: target, Inst: content}
}

// declParam finds the value of param in an XML declaration the way
// encoding/xml does, so that both read the same declarations alike.
func declParam(param string, content []byte) string {
	param += "="
	i, sep := 0, byte(0)
	for i < len(content) {
		sub := content[i:]
		k := bytes.Index(sub, []byte(param))
		if k < 0 || len(param)+k >= len(sub) {
			return ""
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := bytes.IndexByte(content[i:], sep)
	if j < 0 {
		return ""
	}
	return string(content[i : i+j])
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// bang reads what follows "<!": a comment, a CDATA section, or a
// declaration, which a SOAP message must not hold and which is reported
// unread.
func (s *scanner) bang() xml.Token {
	b, ok := s.must()
	if !ok {
		return nil
	}
	switch b {
	case '-':
		if b, ok = s.must(); !ok {
			return nil
		}
		if b != '-' {
			s.fail("invalid sequence <!- not part of <!--")
			return nil
		}
		from := s.pos
		var b0, b1 byte
		for {
			b, ok := s.must()
			if !ok {
				return nil
			}
			if b0 == '-' && b1 == '-' {
				if b != '>' {
					s.fail(`invalid sequence "--" not allowed in comments`)
					return nil
				}
				break
			}
			b0, b1 = b1, b
		}
		return xml.Comment(s.buf[from : s.pos-3])
	case '[':
		for i := range 6 {
			if b, ok = s.must(); !ok {
				return nil
			}
			if b != "CDATA["[i] {
				s.fail("invalid <![ sequence")
				return nil
			}
		}
		if data, ok := s.chars(0, true); ok {
			return xml.CharData(data)
		}
		return nil
	}
	return xml.Directive(nil)
}

// chars reads character data: text up to the next '<' (quote 0, cdata
// false), an attribute value up to its closing quote, or a CDATA section
// up to "]]>". It replaces references and turns "\r\n" and "\r" into
// "\n", and checks that every character is one XML allows.
func (s *scanner) chars(quote byte, cdata bool) ([]byte, bool) {
	from := s.pos
	s.text = s.text[:0]
	copied := false // whether the data is in s.text rather than s.buf[from:]
	var b0, b1 byte
	for {
		if s.pos >= len(s.buf) && !s.fill() {
			if cdata {
				s.fail("unexpected EOF in CDATA section")
				return nil, false
			}
			if quote != 0 {
				s.fail("unexpected EOF")
				return nil, false
			}
			break
		}
		b := s.buf[s.pos]
		if quote == 0 && b0 == ']' && b1 == ']' && b == '>' {
			if cdata {
				s.pos++
				if copied {
					s.text = s.text[:len(s.text)-2]
				}
				return s.finish(from, s.pos-3, copied)
			}
			s.fail("unescaped ]]> not in CDATA section")
			return nil, false
		}
		switch {
		case b == '<' && !cdata:
			if quote != 0 {
				s.fail("unescaped < inside quoted string")
				return nil, false
			}
			return s.finish(from, s.pos, copied)
		case quote != 0 && b == quote:
			s.pos++
			return s.finish(from, s.pos-1, copied)
		case b == '&' && !cdata:
			if !copied {
				s.text = append(s.text, s.buf[from:s.pos]...)
				copied = true
			}
			s.pos++
			if !s.reference() {
				return nil, false
			}
			b0, b1 = 0, 0
			continue
		case b == '\r':
			if !copied {
				s.text = append(s.text, s.buf[from:s.pos]...)
				copied = true
			}
			s.text = append(s.text, '\n')
		case b1 == '\r' && b == '\n':
			// "\r\n" is one line end, written already.
		default:
			if copied {
				s.text = append(s.text, b)
			}
		}
		s.pos++
		b0, b1 = b1, b
	}
	return s.finish(from, s.pos, copied)
}

// finish checks the characters read and returns them.
func (s *scanner) finish(from, to int, copied bool) ([]byte, bool) {
	data := s.buf[from:to]
	if copied {
		data = s.text
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				s.fail(fmt.Sprintf("illegal character code %U", c))
				return nil, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			s.fail("invalid UTF-8")
			return nil, false
		}
		if r == 0xFFFE || r == 0xFFFF {
			s.fail(fmt.Sprintf("illegal character code %U", r))
			return nil, false
		}
		i += size
	}
	return data, true
}

// reference reads a character or entity reference after '&' and appends
// what it stands for to s.text.
func (s *scanner) reference() bool {
	from := s.pos
	bad := func() bool {
		ref := "&" + string(s.buf[from:s.pos])
		if ref[len(ref)-1] != ';' {
			ref += " (no semicolon)"
		}
		s.fail("invalid character entity " + ref)
		return false
	}
	b, ok := s.must()
	if !ok {
		return false
	}
	if b == '#' {
		base := 10
		if b, ok = s.must(); !ok {
			return false
		}
		if b == 'x' {
			base = 16
			if b, ok = s.must(); !ok {
				return false
			}
		}
		digits := s.pos - 1
		for '0' <= b && b <= '9' || base == 16 && ('a' <= b && b <= 'f' || 'A' <= b && b <= 'F') {
			if b, ok = s.must(); !ok {
				return false
			}
		}
		if b != ';' {
			s.pos--
			return bad()
		}
		n, err := strconv.ParseUint(string(s.buf[digits:s.pos-1]), base, 32)
		if err != nil || n > utf8.MaxRune || 0xD800 <= n && n <= 0xDFFF {
			return bad()
		}
		s.text = utf8.AppendRune(s.text, rune(n))
		return true
	}
	s.pos--
	start, end, ok := s.name()
	if !ok {
		if s.err != nil {
			return false
		}
		return bad()
	}
	if b, ok = s.must(); !ok {
		return false
	}
	if b != ';' {
		s.pos--
		return bad()
	}
	var r byte
	switch string(s.buf[start:end]) {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		return bad()
	}
	s.text = append(s.text, r)
	return true
}

// interned holds the strings that requests repeat: element and attribute
// names, namespaces, common values. Profiles add theirs as they load.
var interned atomic.Pointer[map[string]string]

var internMu sync.Mutex

// intern adds strings to the shared table.
func intern(ss ...string) {
	internMu.Lock()
	defer internMu.Unlock()
	old := interned.Load()
	m := make(map[string]string, len(ss))
	if old != nil {
		m = make(map[string]string, len(*old)+len(ss))
		for k, v := range *old {
			m[k] = v
		}
	}
	for _, s := range ss {
		m[s] = s
	}
	interned.Store(&m)
}

// internBytes returns b as a string, shared when the table holds it.
func internBytes(b []byte) string {
	if m := interned.Load(); m != nil {
		if s, ok := (*m)[string(b)]; ok {
			return s
		}
	}
	return string(b)
}

func init() {
	intern(
		"Envelope", "Header", "Body", "Fault", "soapenv", "soap", "s", "S", "env", "SOAP-ENV", "xsd", "xsi", "ns", "ns1", "ns2",
		"http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope",
		XSINamespace, xsdNamespace, WrapperNamespace, "nil", "type", "true", "false", "1", "0",
		"mustUnderstand", "Security", "UsernameToken", "Username", "Password", "Type", "Nonce", "Created", "Timestamp", "Expires",
		"wsse", "wsu", "wsa", "Action", "To", "MessageID", "ReplyTo", "Address", "RelatesTo",
		"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
		"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
		"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText",
		"http://www.w3.org/2005/08/addressing", "http://schemas.xmlsoap.org/ws/2004/08/addressing",
	)
}
