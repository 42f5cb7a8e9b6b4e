package main

// Wire details of Carbon's Axis2 on Tomcat beyond the WSDL: HTTP headers,
// WS-Addressing, request charsets, authentication answers, the HTTPS-only
// admin services, GET and HEAD, and the served documents. Each test cites
// the upstream file the expected bytes come from.

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// rawResponse is an answer with its bytes and framing.
type rawResponse struct {
	*http.Response
	Body []byte
}

// send posts body to base+path with the given headers and reads the answer.
func (s *testServer) send(t *testing.T, method, url string, header http.Header, body []byte) *rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &rawResponse{Response: resp, Body: data}
}

func soap11Header(action string) http.Header {
	return http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "SOAPAction": {`"urn:` + action + `"`}, "Authorization": {basicAdmin}}
}

var basicAdmin = "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:admin"))

func chunked(r *rawResponse) bool {
	return len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "chunked" && r.ContentLength == -1
}

// TestContentTypes: the Content-Type of every answer is the formatter's
// "type; charset=<the request's label>" as Tomcat re-renders it, without
// the space (apache/tomcat java/org/apache/coyote/Response.java
// getContentType: ret + ";charset=" + characterEncoding); SOAP 1.2 answers
// carry no action (Carbon's axis2.xml.j2 sets OmitSOAP12Action=true on its
// transport senders, wso2/carbon-kernel @05d5379, and
// CommonsHTTPTransportSender.findSOAPAction answers "" then); the label is
// the request's as written (wso2/wso2-axis2 HTTPTransportUtils and
// MessageContextBuilder copy CHARACTER_SET_ENCODING to the answer). Every
// answer is chunked: AxisServlet.doPost flushes its stream before the
// length is known (wso2/wso2-axis2 modules/transport/http/src/org/apache/
// axis2/transport/http/AxisServlet.java, doPost ≈ line 182). A one-way
// operation's 202 carries "text/xml; charset=..." (AxisServlet.doPost
// ≈ lines 171-177) and no body. Tomcat names the server on every answer
// (catalina-server.xml line 67: server="WSO2 Carbon Server").
func TestContentTypes(t *testing.T) {
	s := startServer(t, "is-5.0")
	get := `<xsd:getAllowedGrantTypes/>`
	for _, c := range []struct {
		name   string
		header http.Header
		body   string
		status int
		want   string
	}{
		{"SOAP 1.1", http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "SOAPAction": {`"urn:getAllowedGrantTypes"`}}, envelope(soap11, get), 200, "text/xml;charset=UTF-8"},
		{"SOAP 1.1, lower-case label", http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "SOAPAction": {`"urn:getAllowedGrantTypes"`}}, envelope(soap11, get), 200, "text/xml;charset=utf-8"},
		{"SOAP 1.1, no charset", http.Header{"Content-Type": {"text/xml"}, "SOAPAction": {`"urn:getAllowedGrantTypes"`}}, envelope(soap11, get), 200, "text/xml;charset=UTF-8"},
		{"SOAP 1.2", http.Header{"Content-Type": {`application/soap+xml; charset=UTF-8; action="urn:getAllowedGrantTypes"`}}, envelope(soap12, get), 200, "application/soap+xml;charset=UTF-8"},
		{"SOAP 1.2 fault", http.Header{"Content-Type": {`application/soap+xml; charset=UTF-8; action="urn:getOAuthApplicationData"`}}, envelope(soap12, `<xsd:getOAuthApplicationData><xsd:consumerKey>none</xsd:consumerKey></xsd:getOAuthApplicationData>`), 500, "application/soap+xml;charset=UTF-8"},
		{"one-way (202)", http.Header{"Content-Type": {`application/soap+xml; charset=UTF-8; action="urn:registerOAuthApplicationData"`}},
			envelope(soap12, `<xsd:registerOAuthApplicationData><xsd:application><dto:applicationName>ct</dto:applicationName><dto:grantTypes>password</dto:grantTypes></xsd:application></xsd:registerOAuthApplicationData>`), 202, "text/xml;charset=UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.header.Set("Authorization", basicAdmin)
			r := s.send(t, "POST", s.URL+oauthSvc, c.header, []byte(c.body))
			if r.StatusCode != c.status {
				t.Fatalf("HTTP %d, want %d:\n%s", r.StatusCode, c.status, r.Body)
			}
			if got := r.Header.Get("Content-Type"); got != c.want {
				t.Errorf("Content-Type %q, want %q", got, c.want)
			}
			if !chunked(r) {
				t.Errorf("not chunked: Transfer-Encoding %v, Content-Length %d", r.TransferEncoding, r.ContentLength)
			}
			if got := r.Header.Get("Server"); got != "WSO2 Carbon Server" {
				t.Errorf("Server %q", got)
			}
			if c.status == 202 && len(r.Body) != 0 {
				t.Errorf("a 202 with a body: %q", r.Body)
			}
			label := c.want[strings.Index(c.want, "=")+1:]
			if c.status != 202 && !bytes.HasPrefix(r.Body, []byte(`<?xml version='1.0' encoding='`+label+`'?><soapenv:Envelope`)) {
				t.Errorf("answer does not start with the XML declaration of its charset:\n%.120s", r.Body)
			}
		})
	}
}

// TestWSAddressing: an answer carries WS-Addressing headers only when its
// request did (apache axis-axis2-java-core modules/addressing/src/org/
// apache/axis2/handlers/addressing/AddressingInHandler.java, shouldInvoke,
// sets DISABLE_ADDRESSING_FOR_OUT_MESSAGES unless it finds some), and then
// as AddressingOutHandler writes them (writeHeaders, processToEPR,
// addToSOAPHeader, processRelatesTo): wsa declared on soapenv:Header; for
// 2005/08 with an anonymous reply only Action (the output action
// urn:<op>Response, MessageContextBuilder.createOutMessageContext) and
// RelatesTo (the request's MessageID, without RelationshipType); for the
// 2004/08 submission To (its anonymous role URI), MessageID, Action and
// RelatesTo. A fault carries the fault action
// http://www.w3.org/2005/08/addressing/soap/fault
// (MessageContextBuilder.createFaultMessageContext). A 2005/08 request to an
// in-out operation without MessageID gets the addressing fault
// MessageAddressingHeaderRequired (AddressingValidationHandler.
// checkMessageIDHeader, AddressingFaultsHelper); a submission request
// without ReplyTo is answered nowhere: 202 (AddressingInHandler.setDefaults
// makes its reply address none, which CommonsHTTPTransportSender does not
// send to).
func TestWSAddressing(t *testing.T) {
	s := startServer(t, "is-next")
	const wsa = "http://www.w3.org/2005/08/addressing"
	const sub = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	call := func(headers, body string) *rawResponse {
		doc := `<s:Envelope xmlns:s="` + envNS11 + `" xmlns:xsd="` + axis2NS + `" xmlns:dto="` + dtoNS + `"><s:Header>` + headers + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
		op := strings.TrimPrefix(body[:strings.IndexAny(body, " />")], "<xsd:")
		return s.send(t, "POST", s.URL+oauthSvc, soap11Header(op), []byte(doc))
	}
	header := func(r *rawResponse) string {
		i := bytes.Index(r.Body, []byte("<soapenv:Header"))
		j := bytes.Index(r.Body, []byte("<soapenv:Body>"))
		if i < 0 || j < i {
			return ""
		}
		return string(r.Body[i:j])
	}
	get := `<xsd:getAllowedGrantTypes/>`

	r := call("", get)
	if h := header(r); h != "" || r.StatusCode != 200 {
		t.Errorf("without addressing: HTTP %d, header %q", r.StatusCode, h)
	}

	r = call(`<wsa:Action xmlns:wsa="`+wsa+`">urn:getAllowedGrantTypes</wsa:Action><wsa:MessageID xmlns:wsa="`+wsa+`">urn:uuid:req-1</wsa:MessageID>`, get)
	if want := `<soapenv:Header xmlns:wsa="` + wsa + `"><wsa:Action>urn:getAllowedGrantTypesResponse</wsa:Action><wsa:RelatesTo>urn:uuid:req-1</wsa:RelatesTo></soapenv:Header>`; header(r) != want {
		t.Errorf("2005/08 answer header\n%s\nwant\n%s", header(r), want)
	}

	r = call(`<wsa:To xmlns:wsa="`+sub+`">`+s.URL+oauthSvc+`</wsa:To><wsa:Action xmlns:wsa="`+sub+`">urn:getAllowedGrantTypes</wsa:Action><wsa:MessageID xmlns:wsa="`+sub+`">urn:uuid:req-2</wsa:MessageID><wsa:ReplyTo xmlns:wsa="`+sub+`"><wsa:Address>`+sub+`/role/anonymous</wsa:Address></wsa:ReplyTo>`, get)
	subHeader := regexp.MustCompile(`^<soapenv:Header xmlns:wsa="` + regexp.QuoteMeta(sub) + `"><wsa:To>` + regexp.QuoteMeta(sub) + `/role/anonymous</wsa:To><wsa:MessageID>urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}</wsa:MessageID><wsa:Action>urn:getAllowedGrantTypesResponse</wsa:Action><wsa:RelatesTo>urn:uuid:req-2</wsa:RelatesTo></soapenv:Header>$`)
	if !subHeader.MatchString(header(r)) {
		t.Errorf("2004/08 answer header\n%s\nwant\n%s", header(r), subHeader)
	}

	r = call(`<wsa:Action xmlns:wsa="`+wsa+`">urn:getOAuthApplicationData</wsa:Action><wsa:MessageID xmlns:wsa="`+wsa+`">urn:uuid:req-3</wsa:MessageID>`,
		`<xsd:getOAuthApplicationData><xsd:consumerKey>none</xsd:consumerKey></xsd:getOAuthApplicationData>`)
	if want := `<soapenv:Header xmlns:wsa="` + wsa + `"><wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action><wsa:RelatesTo>urn:uuid:req-3</wsa:RelatesTo></soapenv:Header>`; header(r) != want || r.StatusCode != 500 {
		t.Errorf("fault header (HTTP %d)\n%s\nwant\n%s", r.StatusCode, header(r), want)
	}

	r = call(`<wsa:Action xmlns:wsa="`+wsa+`">urn:getAllowedGrantTypes</wsa:Action>`, get)
	want := `<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv="` + envNS11 + `"><soapenv:Header xmlns:wsa="` + wsa + `"><wsa:Action>http://www.w3.org/2005/08/addressing/fault</wsa:Action>` +
		`<wsa:FaultDetail><wsa:ProblemHeaderQName>wsa:MessageID</wsa:ProblemHeaderQName></wsa:FaultDetail></soapenv:Header><soapenv:Body><soapenv:Fault xmlns:wsa="` + wsa + `">` +
		`<faultcode>wsa:MessageAddressingHeaderRequired</faultcode><faultstring>A required header representing a Message Addressing Property is not present</faultstring><detail/></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
	if string(r.Body) != want || r.StatusCode != 500 {
		t.Errorf("no MessageID (HTTP %d):\n%s\nwant\n%s", r.StatusCode, r.Body, want)
	}

	r = call(`<wsa:To xmlns:wsa="`+sub+`">`+s.URL+oauthSvc+`</wsa:To><wsa:Action xmlns:wsa="`+sub+`">urn:getAllowedGrantTypes</wsa:Action>`, get)
	if r.StatusCode != http.StatusAccepted || len(r.Body) != 0 {
		t.Errorf("2004/08 without ReplyTo: HTTP %d %q, want 202 and no body", r.StatusCode, r.Body)
	}
}

// TestRequestCharsets: a request is read in the encoding of its byte order
// mark, else of its Content-Type's charset, else UTF-8, never of its XML
// declaration (wso2/wso2-axis2 modules/kernel/src/org/apache/axis2/builder/
// BuilderUtil.java getCharSetEncoding, and SOAPBuilder.processDocument lines
// 47-71, which hands the parser that encoding); the answer is written in the
// request's charset under its label, in the Content-Type and the XML
// declaration (SOAPMessageFormatter.getContentType line 138; MessageContext-
// Builder copies CHARACTER_SET_ENCODING), what the charset cannot carry as
// character references.
func TestRequestCharsets(t *testing.T) {
	s := startServer(t, "is-next")
	register := func(name, key string) string {
		return envelope(soap11, `<xsd:registerOAuthApplicationData><xsd:application><dto:applicationName>`+name+`</dto:applicationName>`+
			`<dto:grantTypes>password</dto:grantTypes><dto:oauthConsumerKey>`+key+`</dto:oauthConsumerKey></xsd:application></xsd:registerOAuthApplicationData>`)
	}
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?>` + register("Café Müller", "latin1-key"))
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(`<?xml version="1.0" encoding="UTF-16"?>` + register("Ünïcødé ☃", "utf16-key"))
	for _, c := range []struct {
		name, ct, body, key, want string
	}{
		{"ISO-8859-1 by charset", "text/xml; charset=ISO-8859-1", latin1, "latin1-key", "Café Müller"},
		{"UTF-16 by byte order mark", "text/xml", utf16le, "utf16-key", "Ünïcødé ☃"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := soap11Header("registerOAuthApplicationData")
			h.Set("Content-Type", c.ct)
			if r := s.send(t, "POST", s.URL+oauthSvc, h, []byte(c.body)); r.StatusCode != 200 {
				t.Fatalf("HTTP %d:\n%s", r.StatusCode, r.Body)
			}
			r := s.do(t, call{action: "getOAuthApplicationData", body: `<xsd:getOAuthApplicationData><xsd:consumerKey>` + c.key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`})
			if got, _ := text(r.ok(t).SelectElement("return"), "applicationName"); got != c.want {
				t.Errorf("stored name %q, want %q", got, c.want)
			}
		})
	}

	// The answer in the request's charset: ISO-8859-1 bytes, its label,
	// and a character reference for the snowman.
	h := soap11Header("getOAuthApplicationData")
	h.Set("Content-Type", "text/xml; charset=ISO-8859-1")
	r := s.send(t, "POST", s.URL+oauthSvc, h, []byte(envelope(soap11, `<xsd:getOAuthApplicationData><xsd:consumerKey>utf16-key</xsd:consumerKey></xsd:getOAuthApplicationData>`)))
	if ct := r.Header.Get("Content-Type"); ct != "text/xml;charset=ISO-8859-1" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.HasPrefix(r.Body, []byte(`<?xml version='1.0' encoding='ISO-8859-1'?>`)) {
		t.Errorf("declaration: %.60s", r.Body)
	}
	if want := []byte("\xdcn\xefc\xf8d\xe9 &#9731;"); !bytes.Contains(r.Body, want) {
		t.Errorf("answer lacks the Latin-1 bytes %q:\n%q", want, r.Body)
	}

	// A Latin-1 body that names its encoding only in its declaration is
	// read as UTF-8, as Axis2 reads it: its bytes are no UTF-8.
	h = soap11Header("registerOAuthApplicationData")
	h.Set("Content-Type", "text/xml")
	r = s.send(t, "POST", s.URL+oauthSvc, h, []byte(strings.Replace(latin1, "latin1-key", "decl-only-key", 1)))
	if r.StatusCode != 500 || !bytes.Contains(r.Body, []byte("UTF-8")) {
		t.Errorf("declaration-only Latin-1: HTTP %d\n%s", r.StatusCode, r.Body)
	}
	assertNotStored(t, s, "decl-only-key")
}

// TestAuthenticationAnswers: a call without credentials, or with a blank
// user name or password, is answered as Carbon's
// BasicAccessAuthenticator.createUnAuthorizedResponse answers it
// (wso2/carbon-kernel core/org.wso2.carbon.core.services/src/main/java/org/
// wso2/carbon/core/services/authentication/BasicAccessAuthenticator.java
// @24c2732, lines 101-136; decodeAuthorizationHeader lines 138-154): HTTP
// 401, WWW-Authenticate naming the server (carbon.xml <Name>WSO2 Identity
// Server</Name>), text/html with the UTF-8 of the root web app's
// CharacterSetFilter, no body, Server: WSO2 Carbon Server (the connector's
// value overrides the handler's "WSO2 Server"). Every admin call without a
// live session gets a JSESSIONID (AbstractAuthenticator.isAuthenticated
// calls request.getSession() first, lines 60-62) with Tomcat's attributes
// Path=/; Secure; HttpOnly, and SameSite=Strict where Tomcat's
// sameSiteCookies would put it (a deviation: see TestCrossSite); the
// session of a call authenticated by HTTP Basic is logged in, so its
// cookie works alone afterwards.
func TestAuthenticationAnswers(t *testing.T) {
	s := startServer(t, "is-next")
	list := []byte(envelope(soap11, listApps))
	noAuth := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "SOAPAction": {`"urn:getAllOAuthApplicationData"`}}
	cookieRE := regexp.MustCompile(`^JSESSIONID=([0-9A-F]{32}); Path=/; Secure; HttpOnly; SameSite=Strict$`)
	for _, c := range []struct {
		name, auth string
	}{
		{"no credentials", ""},
		{"blank password", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin: "))},
		{"blank user", "Basic " + base64.StdEncoding.EncodeToString([]byte(":admin"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := noAuth.Clone()
			if c.auth != "" {
				h.Set("Authorization", c.auth)
			}
			r := s.send(t, "POST", s.HTTPSURL+oauthSvc, h, list)
			if r.StatusCode != 401 || len(r.Body) != 0 {
				t.Fatalf("HTTP %d %q, want 401 without a body", r.StatusCode, r.Body)
			}
			for k, want := range map[string]string{
				"WWW-Authenticate": `Basic realm="WSO2 Identity Server"`,
				"Content-Type":     "text/html;charset=UTF-8",
				"Server":           "WSO2 Carbon Server",
			} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s %q, want %q", k, got, want)
				}
			}
			if c := r.Header.Get("Set-Cookie"); !cookieRE.MatchString(c) {
				t.Errorf("Set-Cookie %q, want a fresh JSESSIONID", c)
			}
		})
	}

	// A Basic call's session works alone afterwards, over another
	// connection; a call that comes with that session sets no new one.
	h := noAuth.Clone()
	h.Set("Authorization", basicAdmin)
	r := s.send(t, "POST", s.HTTPSURL+oauthSvc, h, list)
	m := cookieRE.FindStringSubmatch(r.Header.Get("Set-Cookie"))
	if r.StatusCode != 200 || m == nil {
		t.Fatalf("Basic call: HTTP %d, Set-Cookie %q", r.StatusCode, r.Header.Get("Set-Cookie"))
	}
	h = noAuth.Clone()
	h.Set("Cookie", "JSESSIONID="+m[1])
	r = s.send(t, "POST", s.HTTPSURL+oauthSvc, h, list)
	if r.StatusCode != 200 || r.Header.Get("Set-Cookie") != "" {
		t.Errorf("the Basic call's session alone: HTTP %d, Set-Cookie %q", r.StatusCode, r.Header.Get("Set-Cookie"))
	}

	// Wrong credentials: the fault, and a session nobody logged in.
	h = noAuth.Clone()
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:wrong")))
	r = s.send(t, "POST", s.HTTPSURL+oauthSvc, h, list)
	m = cookieRE.FindStringSubmatch(r.Header.Get("Set-Cookie"))
	if r.StatusCode != 500 || m == nil || !bytes.Contains(r.Body, []byte("Access Denied. Authentication failed - Invalid credentials provided.")) {
		t.Fatalf("wrong password: HTTP %d, Set-Cookie %q\n%s", r.StatusCode, r.Header.Get("Set-Cookie"), r.Body)
	}
	h = noAuth.Clone()
	h.Set("Cookie", "JSESSIONID="+m[1])
	if r := s.send(t, "POST", s.HTTPSURL+oauthSvc, h, list); r.StatusCode != 401 {
		t.Errorf("the refused call's session: HTTP %d, want 401", r.StatusCode)
	}
}

// TestAdminServicesHTTPSOnly: the admin services declare the https
// transport alone (identity-inbound-auth-oauth components/
// org.wso2.carbon.identity.oauth/src/main/resources/META-INF/services.xml
// lines 29-32; carbon-identity-framework application-mgt services.xml lines
// 21-24; carbon-kernel org.wso2.carbon.core.services services.xml lines
// 35-38), so a call on the plain HTTP port gets DispatchPhase.
// validateTransport's fault: "The service cannot be found for the endpoint
// reference (EPR) <path>", soapenv:Server, HTTP 500, nothing done.
// --http-admin-services (Carbon's HttpAdminServices) serves them there too.
func TestAdminServicesHTTPSOnly(t *testing.T) {
	s := startServer(t, "is-next", func(c *Config) { c.HTTPAdminServices = false })
	body := []byte(envelope(soap11, `<xsd:registerOAuthApplicationData><xsd:application><dto:applicationName>plain</dto:applicationName><dto:grantTypes>password</dto:grantTypes><dto:oauthConsumerKey>plain-key</dto:oauthConsumerKey></xsd:application></xsd:registerOAuthApplicationData>`))
	r := s.send(t, "POST", s.URL+oauthSvc, soap11Header("registerOAuthApplicationData"), body)
	want := `<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv="` + envNS11 + `"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>` +
		`<faultstring>The service cannot be found for the endpoint reference (EPR) /services/OAuthAdminService</faultstring><detail/></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
	if r.StatusCode != 500 || string(r.Body) != want {
		t.Errorf("plain HTTP: HTTP %d\n%s\nwant\n%s", r.StatusCode, r.Body, want)
	}
	if r := s.send(t, "POST", s.HTTPSURL+oauthSvc, soap11Header("getAllowedGrantTypes"), []byte(envelope(soap11, `<xsd:getAllowedGrantTypes/>`))); r.StatusCode != 200 {
		t.Errorf("HTTPS: HTTP %d", r.StatusCode)
	}
	// Nothing was registered.
	r = s.send(t, "POST", s.HTTPSURL+oauthSvc, soap11Header("getOAuthApplicationData"), []byte(envelope(soap11, `<xsd:getOAuthApplicationData><xsd:consumerKey>plain-key</xsd:consumerKey></xsd:getOAuthApplicationData>`)))
	if r.StatusCode != 500 {
		t.Errorf("the plain HTTP registration was stored:\n%s", r.Body)
	}
	// The store API and the documents stay on both listeners.
	if r := s.send(t, "GET", s.URL+oauthSvc+"?wsdl", nil, nil); r.StatusCode != 200 {
		t.Errorf("?wsdl on plain HTTP: HTTP %d", r.StatusCode)
	}
}

// TestGetAndHead: GET and HEAD as CarbonServlet.doGet answers them
// (wso2/carbon-kernel CarbonServlet.java @215550a lines 131-157): ?wsdl,
// ?wsdl2 and ?xsd= serve documents (HEAD the same headers without a body,
// HttpServlet.doHead); an unknown service's ?wsdl is Carbon's 404 page
// (AbstractWsdlProcessor lines 112-117 and CarbonServlet's sendError;
// core/org.wso2.carbon.ui/src/main/resources/web/errors/error_404.html);
// anything else is Axis2's REST dispatch (RESTUtil.processURLRequest): no
// operation named, DispatchPhase's fault as application/xml, HTTP 500;
// GET /services/X/op?param=value invokes op with HTTP Basic credentials,
// never with a session cookie alone, and answers the response wrapper
// alone (ApplicationXMLFormatter).
func TestGetAndHead(t *testing.T) {
	s := startServer(t, "is-next")
	registerApp(t, s, soap11, "get app", "get-key", "get-secret")

	get := s.send(t, "GET", s.URL+oauthSvc+"?wsdl", nil, nil)
	head := s.send(t, "HEAD", s.URL+oauthSvc+"?wsdl", nil, nil)
	if get.StatusCode != 200 || head.StatusCode != 200 || len(head.Body) != 0 || head.Header.Get("Content-Type") != "text/xml;charset=UTF-8" {
		t.Errorf("HEAD ?wsdl: HTTP %d %q, %d body bytes", head.StatusCode, head.Header.Get("Content-Type"), len(head.Body))
	}
	if head.ContentLength != int64(len(get.Body)) {
		t.Errorf("HEAD Content-Length %d, GET body %d bytes", head.ContentLength, len(get.Body))
	}

	w2 := s.send(t, "GET", s.URL+oauthSvc+"?wsdl2", nil, nil)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(w2.Body); err != nil || doc.Root().Tag != "description" || doc.Root().NamespaceURI() != "http://www.w3.org/ns/wsdl" {
		t.Fatalf("?wsdl2: %v\n%.300s", err, w2.Body)
	}
	if n := len(doc.FindElements("/description/interface/operation")); n != len(s.Profile.Service("OAuthAdminService").Operations) {
		t.Errorf("?wsdl2 has %d operations", n)
	}

	r := s.send(t, "GET", s.URL+"/services/NoSuchService?wsdl", nil, nil)
	if r.StatusCode != 404 || string(r.Body) != "<html>\n    <head>\n        <title>Error 404</title>\n    </head>\n    <body>\n        <h1>Error 404 - Not Found</h1>\n    </body>\n</html>" {
		t.Errorf("unknown service ?wsdl: HTTP %d\n%s", r.StatusCode, r.Body)
	}

	r = s.send(t, "GET", s.URL+oauthSvc, nil, nil)
	want := `<faultstring>The endpoint reference (EPR) for the Operation not found is /services/OAuthAdminService and the WSA Action = null. If this EPR was previously reachable, please contact the server administrator.</faultstring>`
	if r.StatusCode != 500 || string(r.Body) != want || r.Header.Get("Content-Type") != "application/xml;charset=UTF-8" {
		t.Errorf("GET without operation: HTTP %d %q\n%s", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
	}

	url := s.URL + oauthSvc + "/getOAuthApplicationData?consumerKey=get-key"
	r = s.send(t, "GET", url, http.Header{"Authorization": {basicAdmin}}, nil)
	if r.StatusCode != 200 || !bytes.HasPrefix(r.Body, []byte(`<ns:getOAuthApplicationDataResponse xmlns:ns="`+axis2NS+`"><ns:return `)) ||
		!bytes.Contains(r.Body, []byte(">get-secret<")) || r.Header.Get("Content-Type") != "application/xml;charset=UTF-8" {
		t.Errorf("GET operation with Basic: HTTP %d %q\n%.300s", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
	}

	// A logged-in session's cookie alone does not do it.
	ok, cookie := login(t, s, "", "admin", "admin")
	if !ok {
		t.Fatal("login failed")
	}
	r = s.send(t, "GET", s.URL+oauthSvc+"/removeOAuthApplicationData?consumerKey=get-key", http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}, nil)
	if r.StatusCode != 401 {
		t.Errorf("GET operation with the session cookie alone: HTTP %d, want 401", r.StatusCode)
	}
	assertStored(t, s, "get-key")
}

// TestServedDocuments: a served WSDL has no XML declaration and no comment
// (Axis2 serialises the definitions element alone; every WSDL under
// ../shared/reference/wsdl starts with <wsdl:definitions), keeps
// abstract="true" where the contract's types have it, and names the
// configured host name and the HTTPS port in its endpoint addresses
// (wso2/carbon-kernel core/org.wso2.carbon.utils/.../AbstractTransport-
// Listener.java genEpr: HostName from carbon.xml), whatever Host header the
// request carried.
func TestServedDocuments(t *testing.T) {
	s := startServer(t, "is-next", func(c *Config) {
		c.Hostname = "is.example.com"
		c.AllowedHosts = []string{"alias.example"}
	})
	_, port, _ := strings.Cut(strings.TrimPrefix(s.HTTPSURL, "https://"), ":")
	for _, host := range []string{"", "alias.example", "alias.example:1", "127.0.0.2:8080"} {
		req, _ := http.NewRequest("GET", s.URL+oauthSvc+"?wsdl", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.HasPrefix(body, []byte("<wsdl:definitions ")) {
			t.Errorf("Host %q: document starts %.60q", host, body)
		}
		if bytes.Contains(body, []byte("<!--")) {
			t.Errorf("Host %q: a comment in the document", host)
		}
		if host != "" && bytes.Contains(body, []byte(strings.Split(host, ":")[0])) {
			t.Errorf("the request's Host %q reached the document", host)
		}
		want := `location="https://is.example.com:` + port + `/services/OAuthAdminService.OAuthAdminServiceHttpsSoap11Endpoint/"`
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("Host %q: no %s", host, want)
		}
	}
	resp, err := s.Client.Get(s.URL + "/services/IdentityApplicationManagementService?wsdl")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`<xs:complexType abstract="true" name="InboundConfigurationProtocol">`)) {
		t.Error("abstract=\"true\" lost")
	}
}
