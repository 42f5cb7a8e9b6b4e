package wsdl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// scanAll reads every token with the scanner. At the end of the input
// with elements still open it fails, as encoding/xml does.
func scanAll(data []byte, r io.Reader) ([]xml.Token, error) {
	if r == nil {
		r = bytes.NewReader(data)
	}
	s := newScanner(r)
	defer s.release()
	return readTokens(func() (xml.Token, error) {
		tok, err := s.Token()
		if err == io.EOF && len(s.frames) > 0 {
			return nil, errors.New("unexpected EOF")
		}
		return tok, err
	})
}

// stdAll reads every token with encoding/xml in strict mode.
func stdAll(data []byte) ([]xml.Token, error) {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.Strict = true
	return readTokens(d.Token)
}

// readTokens collects tokens up to the end of the input, copying what is
// only valid until the next call. A declaration ends the reading with an
// error: the scanner reports it unread, and the Decoder refuses it.
func readTokens(next func() (xml.Token, error)) (toks []xml.Token, err error) {
	for {
		tok, err := next()
		if err == io.EOF {
			return toks, nil
		}
		if err != nil {
			return toks, err
		}
		if _, ok := tok.(xml.Directive); ok {
			return toks, errors.New("declaration")
		}
		toks = append(toks, xml.CopyToken(tok))
	}
}

// normalize makes token lists comparable: no attributes is no attributes.
func normalize(toks []xml.Token) []xml.Token {
	out := make([]xml.Token, len(toks))
	for i, t := range toks {
		switch t := t.(type) {
		case xml.StartElement:
			if len(t.Attr) == 0 {
				t.Attr = nil
			}
			out[i] = t
		default:
			out[i] = t
		}
	}
	return out
}

// stricterThanStd lists what the scanner refuses on purpose although
// encoding/xml accepts it.
var stricterThanStd = []string{
	"names must be ASCII",      // encoding/xml accepts names outside ASCII
	"invalid character entity", // references to surrogates; encoding/xml reads U+FFFD
	"declaration",              // a SOAP message holds no DOCTYPE
}

func scanSeeds(tb testing.TB) [][]byte {
	seeds := []string{
		`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body><a:op xmlns:a="urn:a"><a:x>1 &lt; 2 &amp;&#x41;&#66;</a:x></a:op></s:Body></s:Envelope>`,
		"\xef\xbb\xbf<a xmlns=\"urn:d\" xmlns:p=\"urn:p\" p:at='v&quot;' b=\"c\"><b/><p:c/><!-- note --><![CDATA[x<y]]>\r\n\rz</a>",
		`<a><b xmlns="urn:inner"><c/></b><d/></a>`,
		`<xml:a xml:lang="en" xmlns:xmlns="x"/>`,
		`<a:b:c/>`, `<:a/>`, `<a:/>`, `<a></b>`, `<p:a xmlns:p="u" xmlns:q="u"></q:a>`,
		`<a>]]></a>`, `<a b="<"/>`, `<a b=c/>`, `<a b/>`, `<a>&unknown;</a>`, `<a>&#xD800;</a>`, `<a>&#0;</a>`, `<a>&#;</a>`, `<a>&amp</a>`,
		`<?xml version="1.1"?><a/>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, `<?xml version="1.0" encoding="utf-8"?><a/>`,
		`<!DOCTYPE a><a/>`, `<!-- a -- b --><a/>`, `<!-x><a/>`, `<![CDAT[x]]><a/>`, `<a><![CDATA[unterminated</a>`,
		"<a>\x00</a>", "<a>\xff</a>", "<a>\uFFFE</a>", "<a b='\x01'/>", `<a>text`, `text<a/>`, `<a/>tail`, `<a/><b/>`,
		"<é/>", "<a é='1'/>", `<a  b = "1"   c='2' />`, `<a b="1"c="2"/>`, `</a>`, `<a></a >`, `<a></a x>`, `<?pi data?><a/>`, `<?>`,
	}
	var out [][]byte
	for _, s := range seeds {
		out = append(out, []byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "reference", "envelopes", "*", "*.xml"))
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			out = append(out, data)
		}
	}
	return out
}

// FuzzScanner compares the scanner with encoding/xml in strict mode: what
// the scanner reads without error, encoding/xml reads too, as the same
// tokens; what encoding/xml reads, the scanner reads too, unless it is one
// of the things the scanner refuses on purpose. Reading one byte at a time
// changes nothing.
func FuzzScanner(f *testing.F) {
	for _, s := range scanSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := scanAll(data, nil)
		want, stdErr := stdAll(data)
		switch {
		case err == nil && stdErr != nil:
			t.Fatalf("scanner accepted what encoding/xml refuses (%v):\n%q", stdErr, data)
		case err == nil:
			if !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Fatalf("tokens differ for %q:\n scanner %#v\n std     %#v", data, got, want)
			}
		case stdErr == nil:
			stricter := false
			for _, msg := range stricterThanStd {
				stricter = stricter || strings.Contains(err.Error(), msg)
			}
			if !stricter {
				t.Fatalf("scanner refused what encoding/xml accepts (%v):\n%q", err, data)
			}
		}
		slow, slowErr := scanAll(data, iotest.OneByteReader(bytes.NewReader(data)))
		if (slowErr == nil) != (err == nil) || !reflect.DeepEqual(slow, got) {
			t.Fatalf("one byte at a time: %v %#v, at once: %v %#v", slowErr, slow, err, got)
		}
	})
}

func TestScannerTokens(t *testing.T) {
	for _, data := range scanSeeds(t) {
		t.Run(fmt.Sprintf("%.30q", data), func(t *testing.T) {
			got, err := scanAll(data, nil)
			want, stdErr := stdAll(data)
			if err == nil && stdErr != nil {
				t.Fatalf("accepted what encoding/xml refuses: %v", stdErr)
			}
			if err == nil && !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Fatalf("tokens differ:\n scanner %#v\n std     %#v", got, want)
			}
		})
	}
}

// TestScannerReadError checks that the reader's own failure is reported as
// it is, not as malformed XML.
func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	s := newScanner(io.MultiReader(strings.NewReader("<a><b>te"), iotest.ErrReader(boom)))
	defer s.release()
	for {
		_, err := s.Token()
		if err != nil {
			if err != boom {
				t.Fatalf("error %v, want the reader's", err)
			}
			return
		}
	}
}

// TestScannerErrors checks what a client is told about malformed input.
func TestScannerErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"<a>\x01</a>", "malformed XML: illegal character code U+0001"},
		{"<a>\uFFFE</a>", "malformed XML: illegal character code U+FFFE"},
		{"<a>\xff</a>", "malformed XML: invalid UTF-8"},
		{"<a></b>", "malformed XML: element <a> closed by </b>"},
		{`<p:a xmlns:p="u" xmlns:q="u"></q:a>`, "malformed XML: element <a> in space p closed by </a> in space q"},
		{"<é/>", "malformed XML: names must be ASCII"},
		{"<a>&#xD800;</a>", "malformed XML: invalid character entity &#xD800;"},
		{"<a>&foo;</a>", "malformed XML: invalid character entity &foo;"},
		{"<a>&amp</a>", "malformed XML: invalid character entity &amp (no semicolon)"},
		{"<a>]]></a>", "malformed XML: unescaped ]]> not in CDATA section"},
		{`<a b="<"/>`, "malformed XML: unescaped < inside quoted string"},
		{"<a b=c/>", "malformed XML: unquoted or missing attribute value in element"},
		{`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, `malformed XML: encoding "ISO-8859-1" is not supported; only UTF-8 is`},
		{`<?xml version="1.1"?><a/>`, `malformed XML: unsupported version "1.1"; only version 1.0 is supported`},
		{"<a><![CDATA[x</a>", "malformed XML: unexpected EOF in CDATA section"},
		{"<!-- a -- b --><a/>", `malformed XML: invalid sequence "--" not allowed in comments`},
	} {
		_, err := scanAll([]byte(tc.data), nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v, want %q", tc.data, err, tc.want)
		}
	}
}

// TestScannerAttributesKept: the attributes of a start element stay as
// they were read while later elements are read, in the same document and
// after the scanner is reused for another.
func TestScannerAttributesKept(t *testing.T) {
	read := func(doc string) []xml.StartElement {
		s := newScanner(strings.NewReader(doc))
		defer s.release()
		var starts []xml.StartElement
		for {
			tok, err := s.Token()
			if err == io.EOF {
				return starts
			}
			if err != nil {
				t.Fatal(err)
			}
			if st, ok := tok.(xml.StartElement); ok {
				starts = append(starts, st)
			}
		}
	}
	first := read(`<a xmlns:p="urn:p" x="1" p:y="2"><b z="3"/><c/></a>`)
	read(`<d xmlns="urn:other" x="other" y="other" z="other"><e x="4" y="5"/></d>`)
	want := [][]xml.Attr{
		{{Name: xml.Name{Space: "xmlns", Local: "p"}, Value: "urn:p"}, {Name: xml.Name{Local: "x"}, Value: "1"}, {Name: xml.Name{Space: "urn:p", Local: "y"}, Value: "2"}},
		{{Name: xml.Name{Local: "z"}, Value: "3"}},
		nil,
	}
	for i, st := range first {
		if !reflect.DeepEqual(st.Attr, want[i]) {
			t.Errorf("<%s>: attributes %v, want %v", st.Name.Local, st.Attr, want[i])
		}
	}
}

// TestScannerReuse: a scanner released and reused starts clean, with no
// namespace binding, open element or pending end of the document before.
func TestScannerReuse(t *testing.T) {
	for _, unfinished := range []string{`<p:a xmlns:p="urn:p"><p:b/>`, `<a xmlns="urn:default"><b/>`, `<a><b`} {
		s := newScanner(strings.NewReader(unfinished))
		for range 3 {
			s.Token()
		}
		s.release()
		got, err := scanAll([]byte(`<p:c xmlns:q="urn:q"><d/></p:c>`), nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := stdAll([]byte(`<p:c xmlns:q="urn:q"><d/></p:c>`))
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("after %q:\n scanner %#v\n std     %#v", unfinished, got, want)
		}
	}
}

// TestDecoderClose: closing twice is closing once.
func TestDecoderClose(t *testing.T) {
	d := NewDecoder(strings.NewReader(`<a/>`), 0)
	d.Close()
	d.Close()
	a, b := newScanner(nil), newScanner(nil)
	defer a.release()
	defer b.release()
	if a == b {
		t.Fatal("two scanners in use are one")
	}
}
