package main

// Findings 2 (cross-site requests) and 3 (DNS rebinding) of the security
// review, in a real browser: Chromium driven over the DevTools protocol.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium in which the names evil.test and
// rebind.test resolve to 127.0.0.1, or skips when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		requireTools(t, "Chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests may run as root
		chromedp.Flag("host-resolver-rules", "MAP evil.test 127.0.0.1, MAP rebind.test 127.0.0.1"),
	)
	// The browser lives as long as the context of its first run: the
	// timeout bounds the whole test.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTimeout := context.WithTimeout(actx, 90*time.Second)
	ctx, cancel := chromedp.NewContext(ctx)
	t.Cleanup(func() { cancel(); cancelTimeout(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// navigate opens url in the browser's tab.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
}

// evaluate runs JavaScript in the page and returns the value its promise
// gives.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %.80q: %v", js, err)
	}
	return v
}

// attackPage is a page of another site that tries to register OAuth
// clients in the server at target with the cookies the browser keeps for
// it: credentialed no-cors fetches, which need no CORS consent, of a SOAP
// envelope (without Content-Type), of XML to the plain XML endpoint and of
// a store application, then a text/plain form, posted top-level, carrying
// XML to the plain XML endpoint.
func attackPage(target string) string {
	pox := target + "/services/OAuthAdminService.OAuthAdminServiceHttpEndpoint/registerOAuthApplicationData"
	register := func(name string) string {
		return `<xsd:registerOAuthApplicationData xmlns:xsd="` + axis2NS + `" xmlns:dto="` + dtoNS + `"><xsd:application>` +
			`<dto:OAuthVersion>OAuth-2.0</dto:OAuthVersion><dto:applicationName>` + name + `</dto:applicationName>` +
			`<dto:grantTypes>client_credentials</dto:grantTypes></xsd:application></xsd:registerOAuthApplicationData>`
	}
	// A text/plain form sends name=value: the name opens the XML, the
	// value closes a comment after it.
	formName := strings.ReplaceAll(register("csrf-form")+"<!--", `"`, "&quot;")
	soapEnvelope := `<s:Envelope xmlns:s="` + envNS11 + `"><s:Body>` + register("csrf-soap") + `</s:Body></s:Envelope>`
	return `<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="` + pox + `">
<input type="hidden" name="` + formName + `" value="-->">
</form>
<script>
async function attack() {
  await fetch(` + "`" + target + "/services/OAuthAdminService`" + `, {method: 'POST', mode: 'no-cors', credentials: 'include',
    body: new Blob([` + "`" + soapEnvelope + "`" + `])});
  await fetch(` + "`" + pox + "`" + `, {method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: {'Content-Type': 'text/plain'}, body: ` + "`" + register("csrf-fetch") + "`" + `});
  await fetch(` + "`" + target + "/api/am/devportal/v3/applications`" + `, {method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: {'Content-Type': 'text/plain'}, body: '{"name":"csrf-store","throttlingPolicy":"Unlimited"}'});
  // Last, a top-level form post: Chromium sends a cookie without
  // SameSite with one for two minutes after it was set.
  setTimeout(() => document.getElementById('f').submit(), 0);
  return 'done';
}
</script></body></html>`
}

// TestBrowserCrossSite: an administrator logged in to the server in
// Chromium visits a page of another site, which tries to register OAuth
// clients and a store application with the administrator's session:
// nothing is registered, while the same session registers from the
// server's own origin.
func TestBrowserCrossSite(t *testing.T) {
	ctx := browser(t)
	var log syncBuffer
	s := startServerLogging(t, "is-next", &log)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	own := "http://localhost:" + port
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, attackPage(own))
	}))
	defer attacker.Close()
	_, attackerPort, _ := net.SplitHostPort(strings.TrimPrefix(attacker.URL, "http://"))

	// The administrator logs in from a page of the server (its WSDL), and
	// the session works there.
	navigate(t, ctx, own+"/services/AuthenticationAdmin?wsdl")
	status := evaluate[int](t, ctx, `fetch('/services/AuthenticationAdmin', {method: 'POST', headers: {'Content-Type': 'text/xml', 'SOAPAction': '"urn:login"'},
		body: `+"`"+envelope(soap11, loginBody("admin", "admin"))+"`"+`}).then(r => r.status)`)
	if status != http.StatusOK {
		t.Fatalf("login from the server's page: HTTP %d", status)
	}
	status = evaluate[int](t, ctx, `fetch('/services/OAuthAdminService.OAuthAdminServiceHttpEndpoint/registerOAuthApplicationData',
		{method: 'POST', headers: {'Content-Type': 'application/xml'}, body: `+"`"+string(poxRegister("own-origin"))+"`"+`}).then(r => r.status)`)
	if status != http.StatusOK {
		t.Fatalf("a registration with the session from the server's own page: HTTP %d", status)
	}

	// Then visits the attacker's page.
	navigate(t, ctx, "http://evil.test:"+attackerPort+"/")
	if done := evaluate[string](t, ctx, `attack()`); done != "done" {
		t.Fatalf("the attack page: %q", done)
	}
	// The form's post ends on the server's answer.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if strings.HasPrefix(evaluate[string](t, ctx, `location.href`), own) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the attack page's form was not posted")
		}
	}

	listing := string(s.do(t, call{action: "getAllOAuthApplicationData", body: listApps}).Body)
	if !strings.Contains(listing, ">own-origin<") {
		t.Error("the registration from the server's own page is missing")
	}
	for _, name := range []string{"csrf-form", "csrf-soap", "csrf-fetch"} {
		if strings.Contains(listing, ">"+name+"<") {
			t.Errorf("the page of another site registered %s", name)
		}
	}
	store := s.send(t, http.MethodGet, s.URL+"/api/am/devportal/v3/applications", http.Header{"Authorization": {basicAdmin}}, nil)
	if strings.Contains(string(store.Body), "csrf-store") {
		t.Error("the page of another site created a store application")
	}
	// The attacks reached the server, which refused them.
	if n := strings.Count(log.String(), `"status":403`) + strings.Count(log.String(), `"status":415`); n < 2 {
		t.Errorf("%d refusals logged, want the attacks' (at least 2):\n%s", n, log.String())
	}
}

// TestBrowserDNSRebinding: a page whose name an attacker points at the
// server's address (rebind.test, resolved to 127.0.0.1) is refused, and so
// are its requests, which the browser takes for its own origin's; the
// server's own names work.
func TestBrowserDNSRebinding(t *testing.T) {
	ctx := browser(t)
	s := startServer(t, "is-next")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	for _, c := range []struct {
		origin string
		want   int
	}{
		{"http://rebind.test:" + port, http.StatusMisdirectedRequest},
		{"http://localhost:" + port, http.StatusOK},
	} {
		navigate(t, ctx, c.origin+"/services/OAuthAdminService?wsdl")
		status := evaluate[int](t, ctx, `fetch('/services/OAuthAdminService', {method: 'POST', headers: {'Content-Type': 'text/xml', 'SOAPAction': '"urn:getAllOAuthApplicationData"',
			'Authorization': 'Basic YWRtaW46YWRtaW4='}, body: `+"`"+envelope(soap11, listApps)+"`"+`}).then(r => r.status)`)
		if status != c.want {
			t.Errorf("%s: a request of the page got HTTP %d, want %d", c.origin, status, c.want)
		}
	}
}
