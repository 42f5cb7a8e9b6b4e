package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isadmin/isadmin/admin"
)

// Hostile requests: every one must be refused with a SOAP fault, leave the
// database as it was and leave the server answering.

var bothProfiles = []string{"is-5.0", "is-next"}

var bothVersions = []soapVersion{soap11, soap12}

// hostileRegister is a registerOAuthApplicationData body whose application
// name is inserted verbatim (so that it can carry entity references and
// other markup) and whose DTO ends with extra.
func hostileRegister(key, name, extra string) string {
	return `<xsd:registerOAuthApplicationData><xsd:application>` +
		`<dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion>` +
		`<dto:applicationName>` + name + `</dto:applicationName>` +
		`<dto:grantTypes>client_credentials</dto:grantTypes>` +
		`<dto:oauthConsumerKey>` + key + `</dto:oauthConsumerKey>` +
		`<dto:oauthConsumerSecret>secret-` + key + `</dto:oauthConsumerSecret>` +
		extra +
		`</xsd:application></xsd:registerOAuthApplicationData>`
}

// otherVersion is the SOAP version v is not.
func otherVersion(v soapVersion) soapVersion {
	if v == soap11 {
		return soap12
	}
	return soap11
}

// envNS is the envelope namespace of v.
func envNS(v soapVersion) string {
	if v == soap12 {
		return envNS12
	}
	return envNS11
}

// faultCodeOf names a SOAP 1.1 fault code as version v writes it.
func faultCodeOf(v soapVersion, code string) string {
	if v == soap12 {
		switch code {
		case "Client":
			code = "Sender"
		case "Server":
			code = "Receiver"
		}
	}
	return "soapenv:" + code
}

// leakMarkers are texts that only a crash or a leaked internal error puts in
// a response.
var leakMarkers = []string{"goroutine ", "panic", "runtime.", "runtime/", ".go:", "/etc/passwd", "root:x:0:0"}

// assertNoLeak fails when the body carries a stack trace, panic text or the
// content of a file the request tried to include.
func assertNoLeak(t testing.TB, body []byte) {
	t.Helper()
	for _, m := range leakMarkers {
		if bytes.Contains(body, []byte(m)) {
			t.Errorf("response contains %q:\n%.2000s", m, body)
		}
	}
}

// countOAuthClients counts the caller's OAuth clients with getAllOAuthApplicationData.
func countOAuthClients(t testing.TB, s *testServer, v soapVersion) int {
	t.Helper()
	p := s.do(t, call{version: v, action: "getAllOAuthApplicationData", body: `<xsd:getAllOAuthApplicationData/>`}).ok(t)
	n := 0
	for _, e := range p.SelectElements("return") {
		if e.SelectAttrValue("xsi:nil", "") != "true" {
			n++
		}
	}
	return n
}

// assertNotStored fails unless the database has no client with key.
func assertNotStored(t testing.TB, s *testServer, key string) {
	t.Helper()
	app, err := s.DB.FindOAuthAppByKey(context.Background(), admin.SuperTenantID, key)
	if !errors.Is(err, admin.ErrNotFound) {
		t.Errorf("consumer key %q: want admin.ErrNotFound, got app %+v, err %v", key, app, err)
	}
}

// assertStored fails unless the database has a client with key.
func assertStored(t testing.TB, s *testServer, key string) {
	t.Helper()
	if _, err := s.DB.FindOAuthAppByKey(context.Background(), admin.SuperTenantID, key); err != nil {
		t.Errorf("consumer key %q: want a stored client, got %v", key, err)
	}
}

// seedClients registers n ordinary clients so that counts are not trivially
// zero.
func seedClients(t testing.TB, s *testServer, n int) {
	t.Helper()
	for i := range n {
		key := fmt.Sprintf("seed-%d", i)
		r := s.do(t, call{action: "registerOAuthApplicationData", body: hostileRegister(key, "seed app "+key, "")})
		if r.Status != http.StatusOK && r.Status != http.StatusAccepted {
			t.Fatalf("seeding %s: HTTP %d:\n%s", key, r.Status, r.Body)
		}
		assertStored(t, s, key)
	}
}

// hostileWant is the fault a hostile request must get.
type hostileWant struct {
	// code is the SOAP 1.1 local fault code; SOAP 1.2 maps Client and
	// Server.
	code string
	// reasons are substrings of which the fault string must contain one.
	reasons []string
	// status is the HTTP status; 500 when zero.
	status int
}

// checkRefused sends c and checks the fault, the HTTP status, the absence
// of leaks, the stored key and that the server still answers.
func checkRefused(t *testing.T, s *testServer, c call, key string, want hostileWant, before int) {
	t.Helper()
	r := s.do(t, c)
	assertNoLeak(t, r.Body)
	status := want.status
	if status == 0 {
		// AxisServlet.handleFault answers a SOAP 1.2 Sender fault with
		// 400, every other fault with 500.
		status = http.StatusInternalServerError
		if c.version == soap12 && want.code == "Client" {
			status = http.StatusBadRequest
		}
	}
	if r.Status != status {
		t.Errorf("HTTP status: got %d, want %d", r.Status, status)
	}
	if r.Status < 400 || r.Status > 599 {
		t.Errorf("HTTP status %d is not an error status", r.Status)
	}
	if r.Doc == nil {
		t.Fatalf("no fault envelope (HTTP %d)", r.Status)
	}
	if ns := r.Doc.Root().NamespaceURI(); ns != envNS(c.version) {
		t.Errorf("fault envelope namespace: got %q, want %q", ns, envNS(c.version))
	}
	code, reason := r.fault(t)
	wantCode := faultCodeOf(c.version, want.code)
	if want.code == "MustUnderstand" {
		// AxisEngine.checkMustUnderstand names the code by local name.
		wantCode = "axis2ns2:MustUnderstand"
	}
	if code != wantCode {
		t.Errorf("fault code: got %q, want %q (reason %q)", code, wantCode, reason)
	}
	matched := false
	for _, w := range want.reasons {
		if strings.Contains(reason, w) {
			matched = true
		}
	}
	if !matched {
		t.Errorf("fault string %q contains none of %q", reason, want.reasons)
	}
	if len(reason) > 500 {
		t.Errorf("fault string is %d bytes long; it should not echo the request", len(reason))
	}
	if key != "" {
		assertNotStored(t, s, key)
	}
	if after := countOAuthClients(t, s, c.version); after != before {
		t.Errorf("client count: %d before, %d after", before, after)
	}
}

// afterStartTag inserts s after the first start tag of doc.
func afterStartTag(doc, s string) string {
	i := strings.IndexByte(doc, '>')
	return doc[:i+1] + s + doc[i+1:]
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, `<!ENTITY lol%d "`, i)
		for range 10 {
			fmt.Fprintf(&b, "&lol%d;", i-1)
		}
		b.WriteString(`">`)
	}
	b.WriteString(`]>`)
	return b.String()
}

type hostileCase struct {
	name string
	// build returns the request; key is the consumer key to embed.
	build func(v soapVersion, key string) call
	// noKey marks requests that carry no consumer key.
	noKey bool
	want  func(profile string) hostileWant
}

func clientFaultWant(reasons ...string) func(string) hostileWant {
	return func(string) hostileWant { return hostileWant{code: "Client", reasons: reasons} }
}

func hostileCases() []hostileCase {
	reg := func(v soapVersion, key, name, extra string) string {
		return envelope(v, hostileRegister(key, name, extra))
	}
	raw := func(v soapVersion, data string) call {
		return call{version: v, action: "registerOAuthApplicationData", raw: []byte(data)}
	}
	const doctype = "a SOAP message must not contain a document type declaration"
	const pi = "a SOAP message must not contain processing instructions"
	return []hostileCase{
		{
			name: "XXE",
			build: func(v soapVersion, key string) call {
				return raw(v, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`+reg(v, key, "&xxe;", ""))
			},
			want: clientFaultWant(doctype),
		},
		{
			name: "BillionLaughs",
			build: func(v soapVersion, key string) call {
				return raw(v, billionLaughs()+reg(v, key, "&lol9;", ""))
			},
			want: clientFaultWant(doctype),
		},
		{
			name: "ExternalDTD",
			build: func(v soapVersion, key string) call {
				return raw(v, `<!DOCTYPE Envelope SYSTEM "http://example.com/x.dtd">`+reg(v, key, "dtd app", ""))
			},
			want: clientFaultWant(doctype),
		},
		{
			name: "ProcessingInstructionInDTO",
			build: func(v soapVersion, key string) call {
				return raw(v, reg(v, key, "pi<?evil x?>app", ""))
			},
			want: clientFaultWant(pi),
		},
		{
			name: "ProcessingInstructionInEnvelope",
			build: func(v soapVersion, key string) call {
				return raw(v, afterStartTag(reg(v, key, "pi app", ""), `<?evil x?>`))
			},
			want: clientFaultWant(pi),
		},
		{
			name: "DeepNesting",
			build: func(v soapVersion, key string) call {
				const depth = 100_000
				deep := `<dto:callbackUrl>` + strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth) + `</dto:callbackUrl>`
				return raw(v, reg(v, key, "deep app", deep))
			},
			want: clientFaultWant("element nesting deeper than"),
		},
		{
			name: "InvalidUTF8",
			build: func(v soapVersion, key string) call {
				return raw(v, reg(v, key, "bad \xff\xfe\xc3 utf8", ""))
			},
			want: clientFaultWant("invalid UTF-8"),
		},
		{
			name: "WrongEnvelopeNamespace",
			build: func(v soapVersion, key string) call {
				return raw(v, strings.Replace(reg(v, key, "ns app", ""), envNS(v), "http://example.com/not-soap", 1))
			},
			want: func(string) hostileWant {
				return hostileWant{code: "VersionMismatch", reasons: []string{"Only SOAP 1.1 or SOAP 1.2 messages are supported"}}
			},
		},
		{
			// A SOAP 1.2 envelope as text/xml and a SOAP 1.1 envelope as
			// application/soap+xml: the transport decides the fault's version.
			name: "EnvelopeVersionAgainstContentType",
			build: func(v soapVersion, key string) call {
				return raw(v, reg(otherVersion(v), key, "swap app", ""))
			},
			want: func(string) hostileWant {
				return hostileWant{code: "VersionMismatch", reasons: []string{"Transport level information does not match with SOAP Message namespace URI"}}
			},
		},
		{
			name:  "EmptyHTTPBody",
			noKey: true,
			build: func(v soapVersion, key string) call {
				return call{version: v, action: "registerOAuthApplicationData", raw: []byte{}}
			},
			want: clientFaultWant("no XML document"),
		},
		{
			// Registering a null application is refused by the service,
			// with the profile's text.
			name:  "EmptySOAPBody",
			noKey: true,
			build: func(v soapVersion, key string) call {
				return call{version: v, action: "registerOAuthApplicationData", body: ""}
			},
			want: func(profile string) hostileWant {
				text := "No application details in the request. Failed to register OAuth App."
				if profile == "is-5.0" {
					text = "Exception occurred while trying to invoke service method registerOAuthApplicationData"
				}
				return hostileWant{code: "Server", reasons: []string{text}}
			},
		},
		{
			name: "UnclosedTags",
			build: func(v soapVersion, key string) call {
				doc, _, _ := strings.Cut(reg(v, key, "unclosed app", ""), "</dto:oauthConsumerSecret>")
				return raw(v, doc)
			},
			want: clientFaultWant("malformed XML", "unexpected end of XML document"),
		},
		{
			name: "MismatchedTags",
			build: func(v soapVersion, key string) call {
				return raw(v, strings.Replace(reg(v, key, "mismatch app", ""), "</dto:applicationName>", "</dto:callbackUrl>", 1))
			},
			want: clientFaultWant("malformed XML"),
		},
		{
			// XML allows only white space outside the document element,
			// and a no-break space is not XML white space.
			name: "TextBeforeEnvelope",
			build: func(v soapVersion, key string) call {
				return raw(v, "\u00a0"+reg(v, key, "before app", ""))
			},
			want: clientFaultWant("content before the document element"),
		},
		{
			name: "TextAfterEnvelope",
			build: func(v soapVersion, key string) call {
				return raw(v, reg(v, key, "after app", "")+"\n x")
			},
			want: clientFaultWant("content after the document element"),
		},
		{
			name:  "NotXML",
			noKey: true,
			build: func(v soapVersion, key string) call {
				return raw(v, "hello")
			},
			want: clientFaultWant("no XML document", "malformed XML", "content before the document element"),
		},
		{
			name: "MustUnderstandUnknownHeader",
			build: func(v soapVersion, key string) call {
				mu := "1"
				if v == soap12 {
					mu = "true"
				}
				header := `<s:Header><u:Unknown xmlns:u="http://example.com/unknown" s:mustUnderstand="` + mu + `">x</u:Unknown></s:Header>`
				return raw(v, strings.Replace(reg(v, key, "mu app", ""), `<s:Header/>`, header, 1))
			},
			want: func(string) hostileWant {
				// wso2/wso2-axis2 AxisEngine.checkMustUnderstand (lines
				// 69-112): "mustunderstandfailed".
				return hostileWant{code: "MustUnderstand", reasons: []string{"Must Understand check failed for header http://example.com/unknown : Unknown"}}
			},
		},
	}
}

func TestHostileRequests(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			seedClients(t, s, 3)
			for _, v := range bothVersions {
				// The request shape the cases distort registers a client
				// when it is well formed.
				control := "hostile-control-" + v.String()
				r := s.do(t, call{version: v, action: "registerOAuthApplicationData", body: hostileRegister(control, "control "+control, "")})
				if r.Status != http.StatusOK && r.Status != http.StatusAccepted {
					t.Fatalf("control registration: HTTP %d:\n%s", r.Status, r.Body)
				}
				assertStored(t, s, control)
			}
			for _, hc := range hostileCases() {
				for _, v := range bothVersions {
					t.Run(hc.name+"/"+v.String(), func(t *testing.T) {
						key := ""
						if !hc.noKey {
							key = "hostile-" + hc.name + "-" + v.String()
						}
						before := countOAuthClients(t, s, v)
						checkRefused(t, s, hc.build(v, key), key, hc.want(profile), before)
					})
				}
			}
		})
	}
}

// TestHostileOversizedBody sends a 20 MiB application name to a server with
// the default 10 MiB cap, and 2 KiB to a server capped at 1 KiB.
func TestHostileOversizedBody(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			seedClients(t, s, 1)
			small := startServer(t, profile, func(c *Config) { c.MaxBodyBytes = 1024 })
			for _, v := range bothVersions {
				t.Run("20MiB/"+v.String(), func(t *testing.T) {
					key := "hostile-oversized-" + v.String()
					body := envelope(v, hostileRegister(key, strings.Repeat("A", 20<<20), ""))
					before := countOAuthClients(t, s, v)
					checkRefused(t, s, call{version: v, action: "registerOAuthApplicationData", raw: []byte(body)}, key,
						hostileWant{code: "Client", reasons: []string{"exceeds the limit of 10485760 bytes"}, status: http.StatusRequestEntityTooLarge}, before)
				})
				t.Run("MaxBodyBytes1024/"+v.String(), func(t *testing.T) {
					// Within the cap the request shape works.
					ok := "cap-ok-" + v.String()
					r := small.do(t, call{version: v, action: "registerOAuthApplicationData", body: hostileRegister(ok, "ok "+ok, "")})
					if r.Status != http.StatusOK && r.Status != http.StatusAccepted {
						t.Fatalf("small request: HTTP %d:\n%s", r.Status, r.Body)
					}
					assertStored(t, small, ok)

					key := "hostile-cap-" + v.String()
					body := envelope(v, hostileRegister(key, strings.Repeat("B", 2048), ""))
					if len(body) <= 2048 {
						t.Fatalf("body is only %d bytes", len(body))
					}
					before := countOAuthClients(t, small, v)
					checkRefused(t, small, call{version: v, action: "registerOAuthApplicationData", raw: []byte(body)}, key,
						hostileWant{code: "Client", reasons: []string{"exceeds the limit of 1024 bytes"}, status: http.StatusRequestEntityTooLarge}, before)
				})
			}
		})
	}
}

// TestHostileWSAddressingMustUnderstand shows that a mustUnderstand
// WS-Addressing header is understood: the request succeeds, dispatched by
// its wsa:Action.
func TestHostileWSAddressingMustUnderstand(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			for _, v := range bothVersions {
				t.Run(v.String(), func(t *testing.T) {
					mu := "1"
					if v == soap12 {
						mu = "true"
					}
					for _, wsa := range []string{"http://www.w3.org/2005/08/addressing", "http://schemas.xmlsoap.org/ws/2004/08/addressing"} {
						header := `<s:Header><wsa:Action xmlns:wsa="` + wsa + `" s:mustUnderstand="` + mu + `">urn:getAllowedGrantTypes</wsa:Action>` +
							`<wsa:MessageID xmlns:wsa="` + wsa + `">urn:uuid:1</wsa:MessageID><wsa:To xmlns:wsa="` + wsa + `">` + s.URL + oauthSvc + `</wsa:To>` +
							`<wsa:ReplyTo xmlns:wsa="` + wsa + `"><wsa:Address>` + wsa + `/anonymous</wsa:Address></wsa:ReplyTo></s:Header>`
						doc := strings.Replace(envelope(v, `<xsd:getAllowedGrantTypes/>`), `<s:Header/>`, header, 1)
						p := s.do(t, call{version: v, raw: []byte(doc)}).ok(t)
						if p.Tag != "getAllowedGrantTypesResponse" {
							t.Errorf("%s: got %s, want getAllowedGrantTypesResponse", wsa, p.Tag)
						}
						if len(returns(p)) == 0 {
							t.Errorf("%s: no grant types returned", wsa)
						}
					}
				})
			}
		})
	}
}

// post sends one request without the testing helpers, for use off the test
// goroutine.
func rawPost(c *http.Client, url string, v soapVersion, action string, data []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url+oauthSvc, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	if v == soap12 {
		req.Header.Set("Content-Type", `application/soap+xml; charset=UTF-8; action="urn:`+action+`"`)
	} else {
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `"urn:`+action+`"`)
	}
	req.SetBasicAuth("admin", "admin")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// TestHostileConcurrent sends hostile requests from several goroutines while
// ordinary requests keep succeeding.
func TestHostileConcurrent(t *testing.T) {
	for _, profile := range bothProfiles {
		t.Run(profile, func(t *testing.T) {
			s := startServer(t, profile)
			seedClients(t, s, 2)
			before := countOAuthClients(t, s, soap11)

			cases := hostileCases()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			sent := 0
			var keys []string
			for g := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						hc := cases[(g+i)%len(cases)]
						v := bothVersions[i%2]
						key := fmt.Sprintf("hostile-concurrent-%d-%d", g, i)
						c := hc.build(v, key)
						data := c.raw
						if data == nil {
							data = []byte(envelope(c.version, c.body))
						}
						status, body, err := rawPost(s.Client, s.URL, c.version, c.action, data)
						if err != nil {
							t.Errorf("%s: %v", hc.name, err)
							return
						}
						if status < 400 || status > 599 || !bytes.Contains(body, []byte("Fault")) {
							t.Errorf("%s: HTTP %d, want a fault:\n%.1000s", hc.name, status, body)
						}
						for _, m := range leakMarkers {
							if bytes.Contains(body, []byte(m)) {
								t.Errorf("%s: response contains %q", hc.name, m)
							}
						}
						mu.Lock()
						sent++
						if !hc.noKey {
							keys = append(keys, key)
						}
						mu.Unlock()
					}
				}()
			}
			deadline := time.Now().Add(3 * time.Second)
			normal := 0
			for time.Now().Before(deadline) || normal < 20 {
				v := bothVersions[normal%2]
				p := s.do(t, call{version: v, action: "getAllowedGrantTypes", body: `<xsd:getAllowedGrantTypes/>`}).ok(t)
				if len(returns(p)) == 0 {
					t.Fatal("getAllowedGrantTypes returned nothing")
				}
				if n := countOAuthClients(t, s, v); n != before {
					t.Fatalf("client count changed under attack: %d, want %d", n, before)
				}
				normal++
			}
			close(stop)
			wg.Wait()
			t.Logf("%d normal rounds beside %d hostile requests", normal, sent)
			if sent == 0 {
				t.Fatal("no hostile request was sent")
			}
			for _, key := range keys {
				assertNotStored(t, s, key)
			}
			if n := countOAuthClients(t, s, soap11); n != before {
				t.Errorf("client count: %d before, %d after", before, n)
			}
		})
	}
}
