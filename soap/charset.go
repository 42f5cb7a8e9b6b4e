package soap

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// defaultCharset is the label of an answer to a request that names none
// (MessageContext.DEFAULT_CHAR_SET_ENCODING).
const defaultCharset = "UTF-8"

// charset is how a request is read and its answer written. Axis2 reads a
// request in the encoding its byte order mark names, else in the charset
// parameter of its Content-Type, else in UTF-8; the XML declaration's
// encoding is never used (BuilderUtil.getCharSetEncoding and
// SOAPBuilder.processDocument, wso2/wso2-axis2). The answer is written in
// the charset the Content-Type named, under the label as the client wrote
// it, in the Content-Type and the XML declaration alike
// (MessageContextBuilder copies CHARACTER_SET_ENCODING to the answer;
// SOAPMessageFormatter.getContentType).
type charset struct {
	// label is the answer's charset label.
	label string
	// enc encodes the answer; nil for UTF-8.
	enc encoding.Encoding
}

// charsetParam returns the charset parameter of a Content-Type as
// BuilderUtil.getCharSetEncoding(String) reads it: the text after
// "charset=" up to the next ';', quotes removed, blanks trimmed, case
// kept; "" for none.
func charsetParam(contentType string) string {
	i := indexFold(contentType, "charset")
	if i < 0 {
		return ""
	}
	rest := contentType[i+len("charset"):]
	eq := strings.IndexByte(rest, '=')
	if eq < 0 || strings.TrimSpace(rest[:eq]) != "" {
		return ""
	}
	rest = rest[eq+1:]
	if j := strings.IndexByte(rest, ';'); j >= 0 {
		rest = rest[:j]
	}
	return strings.TrimSpace(strings.ReplaceAll(rest, `"`, ""))
}

// indexFold is strings.Index ignoring ASCII case, for a lower-case sub.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// isUTF8 reports whether label names UTF-8.
func isUTF8(label string) bool {
	return strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8")
}

// lookupCharset finds the encoding of a charset label; nil for UTF-8.
func lookupCharset(label string) (encoding.Encoding, bool) {
	if isUTF8(label) {
		return nil, true
	}
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, false
	}
	if enc == unicode.UTF8 {
		return nil, true
	}
	return enc, true
}

// requestCharset reads the charset of the request's Content-Type.
func requestCharset(contentType string) (charset, error) {
	label := charsetParam(contentType)
	if label == "" {
		return charset{label: defaultCharset}, nil
	}
	enc, ok := lookupCharset(label)
	if !ok {
		return charset{label: defaultCharset}, clientFault("Unsupported character encoding " + label)
	}
	return charset{label: label, enc: enc}, nil
}

// decodeBody returns r read as UTF-8: in the encoding of its byte order
// mark when it has one (the mark is consumed), else in cs's.
func decodeBody(r io.Reader, cs charset) io.Reader {
	return &bomReader{r: r, cs: cs}
}

// bomReader looks at the first bytes of a request for a byte order mark
// on its first read, without a buffer of its own: most requests are UTF-8
// and pass through untouched.
type bomReader struct {
	r       io.Reader
	cs      charset
	decided bool
	head    []byte // bytes read before deciding, not yet returned
	buf     [4]byte
}

func (b *bomReader) Read(p []byte) (int, error) {
	if b.decided {
		if len(b.head) > 0 {
			n := copy(p, b.head)
			b.head = b.head[n:]
			return n, nil
		}
		return b.r.Read(p)
	}
	b.decided = true
	n, err := io.ReadAtLeast(b.r, b.buf[:], len(b.buf))
	head := b.buf[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		// The scanner skips a UTF-8 mark itself.
	case bytes.HasPrefix(head, []byte{0x00, 0x00, 0xFE, 0xFF}):
		enc = utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0x00, 0x00}):
		enc = utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	default:
		enc = b.cs.enc
	}
	b.head = head
	if enc != nil {
		b.r = transform.NewReader(io.MultiReader(bytes.NewReader(b.head), b.r), enc.NewDecoder())
		b.head = nil
	}
	return b.Read(p)
}

// encodeAnswer returns the answer in the request's charset. What that
// charset cannot carry is written as a character reference, as an XML
// writer escapes it.
func (cs charset) encodeAnswer(utf8 []byte) []byte {
	if cs.enc == nil {
		return utf8
	}
	out, _, err := transform.Bytes(encoding.HTMLEscapeUnsupported(cs.enc.NewEncoder()), utf8)
	if err != nil {
		return utf8
	}
	return out
}
