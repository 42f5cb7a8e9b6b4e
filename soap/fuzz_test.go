package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"

	"github.com/isadmin/isadmin/wsdl"
)

// referenceEnvelopes holds captured requests of real clients, outside the
// module; the fuzz targets read it as extra seeds when it is there.
const referenceEnvelopes = "../../shared/reference/envelopes"

// referenceRequests reads the captured request envelopes; none when the
// reference folder is absent.
func referenceRequests(tb testing.TB) [][]byte {
	paths, _ := filepath.Glob(filepath.Join(referenceEnvelopes, "*", "*.xml"))
	var out [][]byte
	for _, p := range paths {
		base := filepath.Base(p)
		if !strings.Contains(base, ".req.") && !strings.Contains(base, ".request.") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

const (
	seedNS11   = `xmlns:s="` + NS11 + `"`
	seedNS12   = `xmlns:s="` + NS12 + `"`
	seedWrapNS = `xmlns:xsd="http://org.apache.axis2/xsd" xmlns:dto="http://dto.oauth.identity.carbon.wso2.org/xsd"`
	seedWSSE   = `xmlns:wsse="` + nsWSSE + `"`
)

// seedRegister is the registration body the end-to-end tests send.
const seedRegister = `<xsd:registerOAuthApplicationData><xsd:application><dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion><dto:applicationName>playground</dto:applicationName><dto:callbackUrl>https://localhost/callback</dto:callbackUrl><dto:grantTypes>authorization_code refresh_token</dto:grantTypes><dto:oauthConsumerKey>my-client-id</dto:oauthConsumerKey><dto:oauthConsumerSecret>my-client-secret</dto:oauthConsumerSecret></xsd:application></xsd:registerOAuthApplicationData>`

// seedToken is a WS-Security header with a PasswordText UsernameToken.
func seedToken(mu, user, pass, typ string) string {
	return `<wsse:Security ` + seedWSSE + ` ` + mu + `><wsse:UsernameToken><wsse:Username>` + user + `</wsse:Username><wsse:Password Type="` + typ + `">` + pass + `</wsse:Password></wsse:UsernameToken></wsse:Security>`
}

// seedEnvelopes are envelopes as the end-to-end tests and real clients send
// them, well-formed and hostile.
func seedEnvelopes() []string {
	env := func(ns, header, body string) string {
		return `<s:Envelope ` + ns + ` ` + seedWrapNS + `><s:Header>` + header + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
	}
	wsa := `<wsa:Action xmlns:wsa="` + nsWSA + `" s:mustUnderstand="1">urn:getAllowedGrantTypes</wsa:Action><wsa:To xmlns:wsa="` + nsWSA + `">https://localhost:9443/services/OAuthAdminService</wsa:To>`
	return []string{
		env(seedNS11, "", seedRegister),
		env(seedNS12, "", seedRegister),
		`<?xml version="1.0" encoding="UTF-8"?>` + env(seedNS11, "", `<xsd:getOAuthApplicationData><xsd:consumerKey>my-client-id</xsd:consumerKey></xsd:getOAuthApplicationData>`),
		env(seedNS12, "", `<xsd:getAllOAuthApplicationData/>`),
		env(seedNS11, wsa, `<xsd:getAllowedGrantTypes/>`),
		env(seedNS12, strings.ReplaceAll(wsa, `"1"`, `"true"`), `<xsd:getAllowedGrantTypes/>`),
		env(seedNS11, seedToken(`s:mustUnderstand="1"`, "admin", "admin", passwordText), `<getAllOAuthApplicationData xmlns="http://org.apache.axis2/xsd"/>`),
		env(seedNS12, seedToken(`s:mustUnderstand="true"`, " carol@example.com ", "p&amp;w<![CDATA[<x>]]>", passwordDigest), `<xsd:getAllOAuthApplicationData/>`),
		env(seedNS11, `<u:Unknown xmlns:u="http://example.com/unknown" s:mustUnderstand="1">x</u:Unknown>`, seedRegister),
		env(seedNS12, `<u:Unknown xmlns:u="http://example.com/unknown" s:mustUnderstand="true" s:role="http://www.w3.org/2003/05/soap-envelope/role/none">x</u:Unknown>`, seedRegister),
		`<s:Envelope ` + seedNS11 + `><s:Body/></s:Envelope>`,
		`<s:Envelope ` + seedNS11 + `/>`,
		`<xsd:getAllowedGrantTypes ` + seedWrapNS + `/>`,
		`<aut:login xmlns:aut="http://authentication.services.core.carbon.wso2.org"><aut:username>admin</aut:username><aut:password>admin</aut:password></aut:login>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + env(seedNS11, "", `<xsd:getOAuthApplicationData><xsd:consumerKey>&xxe;</xsd:consumerKey></xsd:getOAuthApplicationData>`),
		`<!DOCTYPE Envelope SYSTEM "http://example.com/x.dtd">` + env(seedNS12, "", seedRegister),
		env(seedNS11, "", `<xsd:getAllowedGrantTypes/>`) + `<!DOCTYPE x>`,
		env(seedNS11, `<?evil x?>`, seedRegister),
		env(seedNS11, "", strings.Repeat("<a>", 140)+strings.Repeat("</a>", 140)),
		env(seedNS11, "", "<xsd:getAllowedGrantTypes>\xff\xfe</xsd:getAllowedGrantTypes>"),
		`<?xml version="1.0" encoding="ISO-8859-1"?>` + env(seedNS11, "", seedRegister),
		strings.Replace(env(seedNS11, "", seedRegister), NS11, "http://example.com/not-soap", 1),
		env(seedNS11, "", `<xsd:getAllowedGrantTypes/>`) + `<s:Envelope ` + seedNS11 + `/>`,
		env(seedNS12, "", `<xsd:getAllowedGrantTypes/>`) + `trailing text`,
		utf8BOM + `<?xml version="1.0" encoding="utf-8"?>` + env(seedNS11, "", `<xsd:getAllowedGrantTypes/>`),
		`hello`,
		``,
	}
}

// fuzzServer is a server of the default profile with nothing behind it: the
// fuzz targets only use its envelope, header and fault code.
func fuzzServer(tb testing.TB) *Server {
	tb.Helper()
	p, err := wsdl.Load("is-next")
	if err != nil {
		tb.Fatal(err)
	}
	return &Server{Profile: p}
}

// isRequestError reports whether err is an error a request may cause: a
// fault or unreadable input.
func isRequestError(err error) bool {
	var f *Fault
	var ie *wsdl.InputError
	return errors.As(err, &f) || errors.As(err, &ie)
}

// checkFaultResponse writes the fault err becomes and checks that the
// response is well-formed UTF-8 XML whose fault string is the reason.
func checkFaultResponse(t *testing.T, s *Server, v Version, err error) {
	t.Helper()
	f := faultFor(err, s.Profile, "", "")
	switch f.Code {
	case codeClient, codeVersionMismatch, codeMustUnderstand:
	default:
		t.Fatalf("input error %v became fault code %q", err, f.Code)
	}
	rec := httptest.NewRecorder()
	s.writeFault(rec, v, f)
	body := rec.Body.Bytes()
	if !utf8.Valid(body) {
		knownBug(t, bugFaultText, "fault response is not UTF-8: %q", body)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			knownBug(t, bugFaultText, "fault response is not well-formed XML (%v): %q", err, body)
		}
	}
}

// knownBugs lists property violations that are reported and not yet fixed:
// an input that violates one skips instead of failing, so that the
// regression input stays in the corpus while the fix is pending. Remove an
// entry once its fix is in, and the corpus checks it from then on;
// ISADMIN_KNOWN_BUGS=fail fails on them all, to check a fix.
var knownBugs = map[string]string{}

const (
	bugFaultText = "fault-text"
	bugTrailing  = "trailing-content"
	bugBOM       = "byte-order-mark"
)

// utf8BOM is the UTF-8 byte order mark, which .NET and PowerShell clients
// put before the XML declaration.
const utf8BOM = "\xef\xbb\xbf"

func knownBug(t *testing.T, bug, format string, args ...any) {
	t.Helper()
	if why, ok := knownBugs[bug]; ok && os.Getenv("ISADMIN_KNOWN_BUGS") != "fail" {
		t.Skipf("known bug %s (%s): "+format, append([]any{bug, why}, args...)...)
	}
	t.Fatalf(format, args...)
}

// stdScan is what encoding/xml alone sees in a whole document.
type stdScan struct {
	maxDepth  int
	roots     int
	directive bool
	procInst  bool
	trailing  bool // non-space text outside the document element
	err       error
}

func scanDocument(data []byte) stdScan {
	var s stdScan
	// A UTF-16 or UTF-32 byte order mark names the encoding, as the
	// server reads it (decodeBody).
	if decoded, err := io.ReadAll(decodeBody(bytes.NewReader(data), charset{label: defaultCharset})); err == nil {
		data = decoded
	}
	// A byte order mark is no content; the server drops it too.
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte(utf8BOM))))
	d.Strict = true
	// The server reads the bytes in the transport's charset, whatever the
	// declaration says (charset); the seeds are UTF-8.
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) { return input, nil }
	depth, n := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return s
		}
		if err != nil {
			s.err = err
			return s
		}
		n++
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				s.roots++
			}
			depth++
			s.maxDepth = max(s.maxDepth, depth)
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.Trim(t, " \t\r\n")) > 0 {
				s.trailing = true
			}
		case xml.Directive:
			s.directive = true
		case xml.ProcInst:
			if t.Target != "xml" || n != 1 {
				s.procInst = true
			}
		}
	}
}

// fuzzVersion and fuzzDepth take the SOAP version the transport announces
// and the nesting cap from the selector byte.
func fuzzVersion(sel uint8) Version { return Version(sel % 3) }

func fuzzDepth(sel uint8) int {
	if sel&0x80 == 0 {
		return wsdl.DefaultMaxDepth
	}
	return 2 + int(sel>>3&0x0f)
}

// readWhole reads a request as the server does up to the operation: the
// envelope, the header check, the body element, the rest of the document.
func readWhole(s *Server, data []byte, v Version, maxDepth int) (*Envelope, error) {
	env, err := readEnvelope(decodeBody(bytes.NewReader(data), charset{label: defaultCharset}), v, maxDepth)
	if err != nil {
		return env, err
	}
	if err := s.checkHeaders(env); err != nil {
		return env, err
	}
	if env.Body.Name.Local != "" {
		if err := env.dec.Skip(); err != nil {
			return env, err
		}
	}
	return env, env.finish()
}

// FuzzReadEnvelope feeds whole request documents to the envelope reader,
// announced as SOAP 1.1, SOAP 1.2 or plain XML. Beyond not panicking:
//
//   - every error is a fault or an InputError, never an I/O error, and
//     becomes a client-side fault (Client, VersionMismatch, MustUnderstand)
//     whose response is well-formed UTF-8 XML;
//   - a document read to its end without error holds no DOCTYPE (nor any
//     other directive) and no processing instruction but the XML
//     declaration, nests no deeper than the cap, is well-formed to
//     encoding/xml and has exactly one document element;
//   - a document read without error is read without error with a UTF-8
//     byte order mark in front, too, unless a UTF-16 or UTF-32 mark already
//     names its encoding (the reader decodes those, as Axis2 does).
func FuzzReadEnvelope(f *testing.F) {
	for _, doc := range seedEnvelopes() {
		for sel := range 3 {
			f.Add(uint8(sel), []byte(doc))
		}
	}
	for _, doc := range referenceRequests(f) {
		f.Add(uint8(0), doc)
		f.Add(uint8(1), doc)
	}
	// Requests in UTF-16, as .NET clients may send them.
	for _, doc := range seedEnvelopes()[:2] {
		le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(doc)
		be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(doc)
		f.Add(uint8(0), []byte(le))
		f.Add(uint8(0), []byte(be))
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		v, maxDepth := fuzzVersion(sel), fuzzDepth(sel)
		env, err := readWhole(s, data, v, maxDepth)
		if err != nil {
			if !isRequestError(err) {
				t.Fatalf("error %T %v, want a fault or an InputError", err, err)
			}
			checkFaultResponse(t, s, v, err)
			return
		}
		if env.Version != v {
			t.Fatalf("envelope version %d, transport said %d", env.Version, v)
		}
		sc := scanDocument(data)
		switch {
		case sc.err != nil:
			t.Fatalf("accepted what encoding/xml refuses: %v", sc.err)
		case sc.directive:
			t.Fatalf("accepted a document with a DOCTYPE")
		case sc.procInst:
			t.Fatalf("accepted a document with a processing instruction")
		case sc.maxDepth > maxDepth:
			t.Fatalf("accepted nesting %d over the cap %d", sc.maxDepth, maxDepth)
		case sc.roots != 1:
			knownBug(t, bugTrailing, "accepted a document with %d document elements", sc.roots)
		case sc.trailing:
			knownBug(t, bugTrailing, "accepted text outside the document element")
		}
		// (A UTF-8 mark cannot precede a document in another encoding.)
		if !bytes.HasPrefix(data, []byte(utf8BOM)) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF}) && !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}) {
			if _, err := readWhole(s, append([]byte(utf8BOM), data...), v, maxDepth); err != nil {
				knownBug(t, bugBOM, "refused with a byte order mark in front: %v", err)
			}
		}
	})
}

// FuzzUsernameToken feeds header blocks to the WS-Security UsernameToken
// reader, inside a SOAP 1.1 or 1.2 envelope. Beyond not panicking:
//
//   - the reader and the header check fail only with client faults (the
//     header check only with MustUnderstand), and no error comes without a
//     token;
//   - a token read without error, written again as a client writes it
//     (escaped), reads back as the same user name and password;
//   - a Security header is always understood, whatever mustUnderstand says.
func FuzzUsernameToken(f *testing.F) {
	seeds := []string{
		seedToken(`s:mustUnderstand="1"`, "admin", "admin", passwordText),
		seedToken(`s:mustUnderstand="true"`, " bob@example.com ", "s3cret", passwordText),
		seedToken(``, "admin", "a&lt;b&amp;c&#xD;", "#PasswordText"),
		seedToken(``, "admin", "<![CDATA[x<y]]>", passwordDigest),
		seedToken(``, "admin", "admin", "urn:other"),
		seedToken(``, "admin", "", ""),
		`<wsse:Security ` + seedWSSE + `><wsse:UsernameToken><wsse:Username>admin</wsse:Username></wsse:UsernameToken></wsse:Security>`,
		`<wsse:Security ` + seedWSSE + `><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password>admin</wsse:Password></wsse:UsernameToken></wsse:Security>`,
		`<wsse:Security xmlns:wsse="` + nsWSSE2002 + `"><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password>admin</wsse:Password><wsse:Nonce>abc</wsse:Nonce><wsu:Created xmlns:wsu="urn:wsu">2026-01-01T00:00:00Z</wsu:Created></wsse:UsernameToken></wsse:Security>`,
		`<wsse:Security ` + seedWSSE + `><wsse:BinarySecurityToken>AAAA</wsse:BinarySecurityToken></wsse:Security>` + seedToken(``, "second", "token", passwordText),
		`<wsa:Action xmlns:wsa="` + nsWSA + `">urn:getAllOAuthApplicationData</wsa:Action>`,
	}
	for _, h := range seeds {
		f.Add(false, []byte(h))
		f.Add(true, []byte(h))
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, v12 bool, header []byte) {
		v, ns := V11, NS11
		if v12 {
			v, ns = V12, NS12
		}
		doc := envelopeWith(ns, header)
		env, err := readEnvelope(bytes.NewReader(doc), v, 0)
		if err != nil {
			if !isRequestError(err) {
				t.Fatalf("error %T %v, want a fault or an InputError", err, err)
			}
			checkFaultResponse(t, s, v, err)
			return
		}
		if err := s.checkHeaders(env); err != nil {
			var f *Fault
			if !errors.As(err, &f) || f.Code != codeMustUnderstand {
				t.Fatalf("header check: %T %v, want a MustUnderstand fault", err, err)
			}
			for _, h := range env.Headers {
				if isSecurityHeader(h) && strings.Contains(f.Reason, "}"+h.Tag) && strings.Contains(f.Reason, h.NamespaceURI()) {
					t.Fatalf("a Security header was not understood: %s", f.Reason)
				}
			}
			checkFaultResponse(t, s, v, err)
		}
		user, pass, found, err := usernameToken(env)
		if err != nil {
			var f *Fault
			if !errors.As(err, &f) || f.Code != codeClient {
				t.Fatalf("token error %T %v, want a client fault", err, err)
			}
			if !found {
				t.Fatalf("an error without a token: %v", err)
			}
			checkFaultResponse(t, s, v, err)
			return
		}
		if !found {
			if user != "" || pass != "" {
				t.Fatalf("no token, yet user %q password %q", user, pass)
			}
			return
		}
		// A client writes the token with the text escaped.
		again := envelopeWith(ns, []byte(seedToken("", escapeText(user), escapeText(pass), passwordText)))
		env2, err := readEnvelope(bytes.NewReader(again), v, 0)
		if err != nil {
			t.Fatalf("the token written again does not read: %v\n%s", err, again)
		}
		u2, p2, found2, err := usernameToken(env2)
		if err != nil || !found2 || u2 != user || p2 != pass {
			t.Fatalf("token round trip: (%q, %q) became (%q, %q, %v, %v)", user, pass, u2, p2, found2, err)
		}
	})
}

func envelopeWith(ns string, header []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<s:Envelope xmlns:s="` + ns + `"><s:Header>`)
	b.Write(header)
	b.WriteString(`</s:Header><s:Body><getAllOAuthApplicationData xmlns="http://org.apache.axis2/xsd"/></s:Body></s:Envelope>`)
	return b.Bytes()
}

func escapeText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TestFaultTextFromRequest sends reasons that quote the request through the
// fault writer: encoding/xml's syntax errors (which quote input bytes), the
// Content-Type header and the URL path. Each fault must be well-formed UTF-8
// XML whatever bytes the request carried.
func TestFaultTextFromRequest(t *testing.T) {
	s := fuzzServer(t)
	svc := s.Profile.Service("OAuthAdminService")
	cases := map[string]func() error{
		"entity with a non-UTF-8 byte": func() error {
			_, err := readWhole(s, []byte("<s:Envelope "+seedNS11+"><s:Body>&\xbe </s:Body></s:Envelope>"), V11, 0)
			return err
		},
		"element name with a non-UTF-8 byte": func() error {
			_, err := readWhole(s, []byte("<s:Envelope "+seedNS11+"><s:Body><a\xff/></s:Body></s:Envelope>"), V11, 0)
			return err
		},
		"Content-Type with a non-UTF-8 byte": func() error {
			r := httptest.NewRequest("POST", "/services/OAuthAdminService", nil)
			r.Header.Set("Content-Type", "text/xml; \xff")
			_, _, err := transport(r, target{service: svc, endpoint: -1})
			return err
		},
		"URL path with a control character": func() error {
			env := &Envelope{Version: V11}
			_, err := s.dispatch(target{service: svc, endpoint: -1, op: "\x01x"}, "", env, "/services/OAuthAdminService/\x01x")
			return err
		},
		"SOAPAction with a non-UTF-8 byte": func() error {
			env := &Envelope{Version: V11}
			_, err := s.dispatch(target{service: svc, endpoint: -1}, "urn:\xff", env, "/services/OAuthAdminService")
			return err
		},
	}
	for name, run := range cases {
		t.Run(name, func(t *testing.T) {
			err := run()
			if err == nil {
				t.Fatal("no error")
			}
			for _, v := range []Version{V11, V12} {
				checkFaultResponse(t, s, v, err)
			}
		})
	}
}
