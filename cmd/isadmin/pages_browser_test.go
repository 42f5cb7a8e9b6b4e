package main

// Issue 17's browser suite: the console, the store page and the API
// reference in Chromium, driven by clicks and keys as a tester drives them,
// on a running server. Every step checks the text the page shows; the
// pages must run under their Content-Security-Policy without an error; a
// page of another site cannot submit any of their forms.
//
// Screenshots of every page visited go to $ISADMIN_ARTIFACTS_DIR (one
// directory per test), or to the test's temporary directory; the log names
// it. ISADMIN_UPDATE_SCREENSHOTS=1 also writes the README's pictures to
// web/screenshots.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/isadmin/isadmin/admin"
	"github.com/isadmin/isadmin/storeapi"
)

// pageTab drives one Chromium tab through the server's pages.
type pageTab struct {
	t   *testing.T
	ctx context.Context
	// base is the server's origin as the tab names it.
	base string
	// shots is where the screenshots go; n numbers them.
	shots string
	n     int

	mu sync.Mutex
	// console is what the pages wrote to the console (or the browser
	// logged for them) since the last check.
	console []chromedp.ConsoleMessage
	// dialogs are the messages of the dialogs the pages opened, each
	// accepted.
	dialogs []string
}

// The tab's viewport: the README's pictures are as large.
const pagesWidth, pagesHeight = 1200, 800

// newPageTab starts Chromium (see browser) with a tab of 1200x800 that
// reports every console message, accepts every dialog and reports every
// Content-Security-Policy violation of its pages on the console.
func newPageTab(t *testing.T, base string) *pageTab {
	t.Helper()
	p := &pageTab{t: t, ctx: browser(t), base: base, shots: artifactsDir(t)}
	messages := chromedp.Console(p.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	dialogs := chromedp.Events(p.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, ev.Message)
			p.mu.Unlock()
			// The click that opened the dialog waits for it to close.
			chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	// A DevTools script is not subject to the page's policy: it reports
	// what the policy blocked, which the browser may not log itself.
	if _, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", e => console.error("CSP violation: " + e.effectiveDirective +
  " blocked " + (e.blockedURI || "(inline)") + " in " + e.sourceFile + ":" + e.lineNumber));`,
	}); err != nil {
		t.Fatalf("adding the CSP listener: %v", err)
	}
	p.do("setting the viewport", chromedp.EmulateViewport(pagesWidth, pagesHeight))
	return p
}

// artifactsDir is the directory of the test's screenshots.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("ISADMIN_ARTIFACTS_DIR"); root != "" {
		dir = filepath.Join(root, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots of the pages: %s", dir)
	return dir
}

// stepTimeout bounds one step, so that a selector that matches nothing
// fails the step instead of waiting for the browser's end.
const stepTimeout = 15 * time.Second

func (p *pageTab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, stepTimeout)
}

// do runs actions that return no value.
func (p *pageTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// load runs actions that load a page (a navigation, a click on a link or
// a submit button) and waits for it; it returns the page's HTTP status.
func (p *pageTab) load(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		p.t.Fatalf("%s: no response", what)
	}
	return resp.Status
}

// open loads the page at path.
func (p *pageTab) open(path string) int64 {
	p.t.Helper()
	return p.load("opening "+path, chromedp.Navigate(p.base+path))
}

// follow clicks the element sel, which loads a page that must answer
// status.
func (p *pageTab) follow(sel string, status int64) {
	p.t.Helper()
	if got := p.load("clicking "+sel, chromedp.Click(chromedp.CSS(sel))); got != status {
		p.t.Fatalf("clicking %s: HTTP %d, want %d: %s", sel, got, status, eval[string](p, `document.body.innerText`))
	}
}

func (p *pageTab) click(sel string) {
	p.t.Helper()
	p.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// typeInto types v into the field sel.
func (p *pageTab) typeInto(sel, v string) {
	p.t.Helper()
	p.do("typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
}

// waitVisible waits until sel shows.
func (p *pageTab) waitVisible(sel string) {
	p.t.Helper()
	p.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// get runs an action that returns a value.
func get[T any](p *pageTab, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text is the visible text of sel, trimmed.
func (p *pageTab) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(get(p, "reading "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// value is the value of the field sel.
func (p *pageTab) value(sel string) string {
	p.t.Helper()
	return get(p, "reading the value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// eval is the value of a JavaScript expression in the page.
func eval[T any](p *pageTab, js string) T {
	p.t.Helper()
	return get(p, "evaluating "+js, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// location is the page's URL, without the origin when it is the server's.
func (p *pageTab) location() string {
	p.t.Helper()
	return strings.TrimPrefix(get(p, "reading the location", chromedp.Location()), p.base)
}

// wantText fails unless the visible text of sel is want.
func (p *pageTab) wantText(sel, want string) {
	p.t.Helper()
	if got := p.text(sel); got != want {
		p.t.Errorf("%s on %s: text %q, want %q", sel, p.location(), got, want)
	}
}

// wantTexts fails unless the visible texts of the elements sel matches
// are want, in order.
func (p *pageTab) wantTexts(sel string, want ...string) {
	p.t.Helper()
	got := eval[[]string](p, `[...document.querySelectorAll(`+jsString(sel)+`)].map(e => e.innerText.trim())`)
	if !slices.Equal(got, want) {
		p.t.Errorf("%s on %s: texts %q, want %q", sel, p.location(), got, want)
	}
}

// waitLocation waits until the tab has loaded the page at url.
func (p *pageTab) waitLocation(url string) {
	p.t.Helper()
	p.do("waiting for "+url, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			at, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
			if err == nil && at == url {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the tab is at %q: %w", at, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
}

// wantAt fails unless the page is at path.
func (p *pageTab) wantAt(path string) {
	p.t.Helper()
	if got := p.location(); got != path {
		p.t.Fatalf("the browser is at %s, want %s", got, path)
	}
}

// wantTitle fails unless the document's title is want.
func (p *pageTab) wantTitle(want string) {
	p.t.Helper()
	if got := get(p, "reading the title", chromedp.Title()); got != want {
		p.t.Errorf("page title %q on %s, want %q", got, p.location(), want)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot saves the whole page as NN-name.png; readme, when not empty
// and ISADMIN_UPDATE_SCREENSHOTS is set, also names the README's picture
// of the viewport in web/screenshots.
func (p *pageTab) screenshot(name, readme string) {
	p.t.Helper()
	p.n++
	img := get(p, "taking a screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(p.shots, fmt.Sprintf("%02d-%s.png", p.n, name)), img, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if readme == "" || os.Getenv("ISADMIN_UPDATE_SCREENSHOTS") == "" {
		return
	}
	img = get(p, "taking a screenshot", chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join("..", "..", "web", "screenshots", readme+".png"), img, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// checkConsole fails on what the pages wrote to the console since the last
// check: uncaught exceptions, errors and anything naming the
// Content-Security-Policy; other messages go to the log.
func (p *pageTab) checkConsole(where string) {
	p.t.Helper()
	// The messages travel apart from the commands' answers: a round trip
	// and a moment let the last ones arrive.
	eval[int](p, `1`)
	time.Sleep(50 * time.Millisecond)
	p.mu.Lock()
	messages := p.console
	p.console = nil
	p.mu.Unlock()
	for _, m := range messages {
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "CSP violation") {
			p.t.Errorf("%s: the browser's console: %s (%s:%d)", where, m, m.URL, m.Line+1)
		} else if m.Type != chromedp.ConsoleDebug {
			p.t.Logf("%s: the browser's console: %s", where, m)
		}
	}
}

// discardConsole forgets what the pages wrote to the console so far.
func (p *pageTab) discardConsole() {
	p.t.Helper()
	eval[int](p, `1`)
	time.Sleep(50 * time.Millisecond)
	p.mu.Lock()
	p.console = nil
	p.mu.Unlock()
}

// takeDialogs returns the messages of the dialogs accepted since the last
// call.
func (p *pageTab) takeDialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.dialogs
	p.dialogs = nil
	return d
}

// signIn signs in on the area's sign-in page, which the browser is at.
func (p *pageTab) signIn(area, user, password string, status int64) {
	p.t.Helper()
	p.wantText("main h1", "Sign-in")
	p.wantText("main .login > p", area)
	p.wantTexts("main label", "Username", "Password")
	if p.value("#username") == "" {
		p.typeInto("#username", user)
	}
	p.typeInto("#password", password)
	p.follow("#sign-in", status)
}

// startPagesServer runs the server with the store's Provide keys switched
// on, and names it http://localhost:<port> (a name of its own, apart from
// the attacker's evil.test).
func startPagesServer(t *testing.T, configure ...func(*Config)) (*testServer, string) {
	t.Helper()
	s := startServer(t, "is-7.3", append([]func(*Config){storeOn}, configure...)...)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	return s, "http://localhost:" + port
}

const pagesUser = "admin@" + admin.SuperTenantDomain

// TestPagesBrowserFlow is the walk through the pages: sign in to
// the console, add a service provider and register its OAuth client; sign
// in to the store, add an application and provide that client's keys; the
// keys and a token show; regenerate the secret in the console and see the
// store show the new one; sign out of both. On the way, the landing page
// and the API reference, whose Swagger UI renders under the policy.
func TestPagesBrowserFlow(t *testing.T) {
	// The reference is also read as a deployment names the server, at a
	// name that is not loopback's (evil.test resolves to 127.0.0.1 in the
	// test's browser): for a document there, Swagger UI's standalone
	// layout would fetch an online validator's badge, which the policy
	// blocks.
	s, base := startPagesServer(t, func(c *Config) { c.AllowedHosts = []string{"evil.test"} })
	p := newPageTab(t, base)

	// The landing page.
	if status := p.open("/"); status != http.StatusOK {
		t.Fatalf("/: HTTP %d", status)
	}
	p.wantTitle("isadmin")
	p.wantText("main h1", "isadmin")
	version, _, _, _ := buildInfo()
	p.wantText("main > p", "Identity Server admin services, version "+version+", answering as wire profile is-7.3.")
	p.wantTexts("main h2", "SOAP services", "Store API", "Pages")
	p.wantTexts("main tbody td:first-child", "AuthenticationAdmin", "IdentityApplicationManagementService", "OAuthAdminService")
	p.wantTexts("main ul a", "OpenAPI document", "API reference", "Management Console", "API Store")
	p.screenshot("landing", "landing")
	p.checkConsole("the landing page")

	// The API reference: Swagger UI renders the store API's operations.
	p.follow(`a[href="/api-reference"]`, http.StatusOK)
	p.wantTitle("Store API reference")
	p.wantText("main h1", "Store API reference")
	p.waitVisible("#reference .opblock")
	paths := eval[[]string](p, `[...document.querySelectorAll("#reference .opblock-summary-path")].map(e => e.innerText.trim())`)
	if !slices.Contains(paths, "/applications/{applicationId}/map-keys") {
		t.Errorf("the API reference shows the operations %q, without map-keys", paths)
	}
	p.screenshot("api-reference", "")
	p.checkConsole("the API reference")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	if status := p.load("opening the reference at evil.test", chromedp.Navigate("http://evil.test:"+port+"/api-reference")); status != http.StatusOK {
		t.Fatalf("the reference at evil.test: HTTP %d", status)
	}
	p.waitVisible("#reference .opblock")
	p.checkConsole("the API reference at a host name that is not loopback's")

	// Sign in to the console: a wrong password first.
	if status := p.open("/carbon/"); status != http.StatusOK {
		t.Fatalf("/carbon/: HTTP %d", status)
	}
	p.wantAt("/carbon/login")
	p.wantTitle("Management Console - Sign in")
	p.signIn("Management Console", "admin", "not-the-password", http.StatusUnauthorized)
	p.wantText("#messages .error", "Login failed! Please recheck the username and password and try again.")
	if got := p.value("#username"); got != "admin" {
		t.Errorf("the sign-in form after a failure keeps the user name %q, want admin", got)
	}
	p.screenshot("console-login-failed", "")
	p.signIn("Management Console", "admin", "admin", http.StatusOK)
	p.wantAt("/carbon/")
	p.wantText("main h1", "Management Console")
	p.wantText("#signed-in-user", pagesUser)
	p.wantText("main > p", "Welcome, "+pagesUser+".")
	p.wantText("#sign-out", "Sign-out")
	p.screenshot("console-home", "")
	// The failed sign-in's 401 is the only error the browser may log.
	p.mu.Lock()
	p.console = slices.DeleteFunc(p.console, func(m chromedp.ConsoleMessage) bool {
		return m.Source == "network" && strings.Contains(m.Text, "401 (Unauthorized)")
	})
	p.mu.Unlock()
	p.checkConsole("the console's sign-in")

	// Add a service provider.
	p.follow(`nav.side a[href="/carbon/service-providers"]`, http.StatusOK)
	p.wantAt("/carbon/service-providers")
	p.wantText("main h1", "Service Providers")
	p.wantText("#sp-list", "No Service Providers registered.")
	p.wantText("#add-title", "Add New Service Provider")
	p.wantTexts("#add label", "Service Provider Name", "Description")
	p.screenshot("console-service-providers", "")
	const spName = "Weather App"
	p.typeInto("#spName", spName)
	p.typeInto("#sp-description", "Forecasts for the store's subscribers")
	p.follow("#register-sp", http.StatusOK)
	p.wantAt("/carbon/service-providers/edit?spName=Weather+App")
	p.wantText("#messages .notice", "Service Provider "+spName+" added successfully")
	p.wantText("main p.help", "Edit Service Provider "+spName)
	p.wantTexts("main h2", "Basic Information", "Inbound Authentication Configuration")
	p.wantText("#oauth-title", "OAuth/OpenID Connect Configuration")
	p.wantText("#configure-oauth", "Configure")
	p.screenshot("console-sp-added", "")
	p.checkConsole("adding a service provider")

	// Register its OAuth client with the form's defaults: OAuth 2.0 and
	// every grant type.
	p.follow("#configure-oauth", http.StatusOK)
	p.wantText("main h1", "Register New Application")
	p.wantText("main p.help", "Service Provider "+spName)
	p.wantText("#app-settings-title", "Application Settings")
	p.wantTexts("#oauth-app-form legend", "OAuth Version", "Allowed Grant Types")
	p.wantText(`label[for="callback"]`, "Callback Url")
	if !eval[bool](p, `document.getElementById("oauthVersion20").checked`) {
		t.Error("the form does not propose OAuth 2.0")
	}
	grants := eval[[]string](p, `[...document.querySelectorAll("input[name=grantTypes]")].map(e => (e.checked ? "" : "unchecked ") + e.labels[0].innerText)`)
	if !slices.Contains(grants, "Client Credential") {
		t.Errorf("grant types of the form: %q, without Client Credential (checked)", grants)
	}
	for _, g := range grants {
		if strings.HasPrefix(g, "unchecked ") {
			t.Errorf("the form does not propose the grant type %s", strings.TrimPrefix(g, "unchecked "))
		}
	}
	p.wantText("#save-oauth-app", "Add")
	p.typeInto("#callback", "https://weather.example/callback")
	p.screenshot("console-register-form", "console-register")
	p.follow("#save-oauth-app", http.StatusOK)
	p.wantAt("/carbon/service-providers/edit?spName=Weather+App")
	p.wantText("#messages .notice", "Application registered successfully")
	p.wantTexts("#oauth-clients thead th:nth-child(-n+2)", "OAuth Client Key", "OAuth Client Secret")
	p.wantTexts("#oauth-clients td.actions a, #oauth-clients td.actions button", "Edit", "Revoke", "Regenerate Secret", "Delete")
	key := p.text("#oauth-clients code.client-key")
	if key == "" {
		t.Fatal("the OAuth client's key does not show")
	}
	secret := p.revealConsoleSecret()
	p.screenshot("console-oauth-registered", "console-service-provider")
	p.checkConsole("registering the OAuth client")
	soapSecret := func() string {
		ret := s.do(t, call{action: "getOAuthApplicationData",
			body: `<xsd:getOAuthApplicationData><xsd:consumerKey>` + key + `</xsd:consumerKey></xsd:getOAuthApplicationData>`}).ok(t).SelectElement("return")
		v, _ := text(ret, "oauthConsumerSecret")
		return v
	}
	if got := soapSecret(); got != secret {
		t.Errorf("OAuthAdminService gives the secret %q, the console %q", got, secret)
	}

	// Sign in to the store: a sign-in of its own.
	p.open("/store/")
	p.wantAt("/store/login")
	p.wantTitle("API Store - Sign in")
	p.signIn("API Store", "admin", "admin", http.StatusOK)
	p.wantAt("/store/")
	p.wantTitle("Applications - API Store")
	p.wantText("main h1", "Applications")
	p.wantText("#signed-in-user", pagesUser)
	p.wantText("#no-applications", "You have no applications yet: add one above.")
	p.wantTexts("#add-application label", "Name", "Description")
	p.screenshot("store-home", "")

	// Add an application.
	const appName = "WeatherClient"
	p.typeInto("#application-name", appName)
	p.typeInto("#application-description", "Reads the forecasts")
	p.follow("#add-application-submit", http.StatusOK)
	p.wantAt("/store/")
	p.wantTexts("#applications thead th", "Name", "Description", "Keys", "Actions")
	p.wantTexts("#applications tbody td:nth-child(-n+3)", appName, "Reads the forecasts", "0")
	p.screenshot("store-application-added", "")
	p.checkConsole("adding a store application")

	// Its Subscriptions page: no keys yet.
	p.follow("#applications tbody td:last-child a", http.StatusOK)
	appPath := p.location()
	if !strings.HasPrefix(appPath, "/store/applications/") {
		t.Fatalf("the Subscriptions link leads to %s", appPath)
	}
	p.wantTitle(appName + " - Subscriptions - API Store")
	p.wantText("main h1", "Subscriptions")
	if got := eval[string](p, `document.getElementById("application-select").selectedOptions[0].text`); got != appName {
		t.Errorf("the application selector shows %q, want %q", got, appName)
	}
	p.wantTexts("section.keys h2", "Keys - Production", "Keys - Sandbox")
	p.wantText("#keys-production .no-keys", "Production keys are not yet generated for this application.")
	p.wantText("#generate-production", "Generate keys")
	p.wantText("#provide-production-open", "Provide keys")
	p.screenshot("store-subscriptions-empty", "")

	// Provide keys: the form opens in place; a wrong secret gets the
	// store's message, the console's key and secret are mapped.
	p.click("#provide-production-open")
	p.waitVisible("#provide-production")
	p.wantTexts("#provide-production label", "Consumer key :", "Consumer secret :")
	p.typeInto("#provide-key-production", key)
	p.typeInto("#provide-secret-production", "not-the-secret")
	p.click("#provide-production-save")
	p.waitVisible("#keys-production-error")
	p.wantText("#keys-production-error", fmt.Sprintf("The consumer key %q and the consumer secret do not match an OAuth client of key manager %q.", key, storeapi.ResidentKeyManager))
	if got := p.value("#provide-key-production"); got != key {
		t.Errorf("after the refusal, the form keeps the consumer key %q, want %q", got, key)
	}
	p.screenshot("store-provide-refused", "")
	p.typeInto("#provide-secret-production", secret)
	p.click("#provide-production-save")
	p.waitVisible("#consumer-key-production")
	p.wantText("#keys-production-mode", "Provided")
	p.wantTexts(`#keys-production label[for^="consumer-"]`, "Consumer Key", "Consumer Secret")
	if got := p.value("#consumer-key-production"); got != key {
		t.Errorf("the store shows the consumer key %q, the console %q", got, key)
	}
	if got := p.revealStoreSecret(); got != secret {
		t.Errorf("the store shows the consumer secret %q, the console %q", got, secret)
	}
	p.wantText("#keys-sandbox .no-keys", "Sandbox keys are not yet generated for this application.")

	// Re-generate gets an access token, which the server knows.
	p.wantText("#regenerate-production", "Re-generate")
	p.click("#regenerate-production")
	p.waitVisible("#access-token-production")
	token := p.value("#access-token-production")
	p.wantText("#token-validity-production", "Validity Time of this token: 3600 Seconds")
	p.wantIntrospected(s, token, key)
	p.screenshot("store-keys-and-token", "store-subscriptions")
	p.checkConsole("providing keys")

	// Regenerate the secret in the console.
	p.open("/carbon/service-providers")
	p.follow(`#sp-list a[href^="/carbon/service-providers/edit"]`, http.StatusOK)
	p.wantText("main p.help", "Edit Service Provider "+spName)
	p.takeDialogs()
	p.follow(`form[action="/carbon/service-providers/oauth/regenerate"] button`, http.StatusOK)
	if d := p.takeDialogs(); !slices.Equal(d, []string{"Are you sure that you want to Regenerate Secret for OAuth client?"}) {
		t.Errorf("dialogs of Regenerate Secret: %q", d)
	}
	p.wantText("#messages .notice", "Client Secret successfully updated for Client ID: "+key)
	if got := p.text("#oauth-clients code.client-key"); got != key {
		t.Errorf("after Regenerate Secret the key is %q, want %q", got, key)
	}
	newSecret := p.revealConsoleSecret()
	if newSecret == secret {
		t.Errorf("Regenerate Secret left the secret %q", secret)
	}
	p.screenshot("console-secret-regenerated", "")
	p.checkConsole("regenerating the secret")

	// The store shows the new secret, and a token comes with it.
	p.open("/store/")
	p.follow("#applications tbody td:last-child a", http.StatusOK)
	p.wantAt(appPath)
	if got := p.value("#consumer-key-production"); got != key {
		t.Errorf("the store shows the consumer key %q, the console %q", got, key)
	}
	if got := p.revealStoreSecret(); got != newSecret {
		t.Errorf("after Regenerate Secret the store shows the consumer secret %q, the console %q (before: %q)", got, newSecret, secret)
	}
	p.click("#regenerate-production")
	p.waitVisible("#access-token-production")
	if again := p.value("#access-token-production"); again == token {
		t.Error("Re-generate gave the same token again")
	} else {
		p.wantIntrospected(s, again, key)
	}
	p.screenshot("store-new-secret", "")
	p.checkConsole("the store after Regenerate Secret")

	// Sign out of the store: the console stays signed in until its own
	// sign-out.
	p.follow("#sign-out", http.StatusOK)
	p.wantAt("/store/login")
	p.wantText("main h1", "Sign-in")
	p.wantText("main .login > p", "API Store")
	p.open(appPath)
	p.wantAt("/store/login")
	p.screenshot("store-signed-out", "")
	p.open("/carbon/")
	p.wantText("#signed-in-user", pagesUser)
	p.follow("#sign-out", http.StatusOK)
	p.wantAt("/carbon/login")
	p.wantText("main h1", "Sign-in")
	p.wantText("main .login > p", "Management Console")
	p.open("/carbon/service-providers")
	p.wantAt("/carbon/login")
	p.screenshot("console-signed-out", "")
	p.checkConsole("signing out")
}

// revealConsoleSecret clicks Show by the OAuth client's secret on the
// service provider's page and returns the secret.
func (p *pageTab) revealConsoleSecret() string {
	p.t.Helper()
	if typ := eval[string](p, `document.querySelector("#oauth-clients .client-secret").type`); typ != "password" {
		p.t.Errorf("the secret shows before Show (type %q)", typ)
	}
	show := `#oauth-clients a[data-show]`
	p.wantText(show, "Show")
	p.click(show)
	p.wantText(show, "Hide")
	if typ := eval[string](p, `document.querySelector("#oauth-clients .client-secret").type`); typ != "text" {
		p.t.Errorf("Show left the secret hidden (type %q)", typ)
	}
	secret := p.value("#oauth-clients .client-secret")
	if secret == "" {
		p.t.Fatal("the OAuth client's secret is empty")
	}
	return secret
}

// revealStoreSecret clicks Show keys in the Production panel and returns
// the consumer secret.
func (p *pageTab) revealStoreSecret() string {
	p.t.Helper()
	show := `#keys-production button[data-show="consumer-secret-production"]`
	p.wantText(show, "Show keys")
	p.click(show)
	p.wantText(show, "Hide keys")
	if typ := eval[string](p, `document.getElementById("consumer-secret-production").type`); typ != "text" {
		p.t.Errorf("Show keys left the secret hidden (type %q)", typ)
	}
	return p.value("#consumer-secret-production")
}

// wantIntrospected fails unless the server knows token as an active token
// of the client key.
func (p *pageTab) wantIntrospected(s *testServer, token, key string) {
	p.t.Helper()
	if token == "" {
		p.t.Error("the access token is empty")
		return
	}
	r := s.send(p.t, http.MethodPost, s.URL+"/oauth2/introspect", http.Header{"Authorization": {basicAdmin},
		"Content-Type": {"application/x-www-form-urlencoded"}}, []byte(url.Values{"token": {token}}.Encode()))
	var got struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || !got.Active || got.ClientID != key {
		p.t.Errorf("introspecting the store's token: HTTP %d %s, want an active token of %s", r.StatusCode, r.Body, key)
	}
}

var nonWord = regexp.MustCompile(`\W+`)

// crossSiteForm is a form of the attacker's page, posted top-level to the
// server.
type crossSiteForm struct {
	name, action string
	fields       url.Values
}

// crossSitePage is the attacker's page: with ?form=N it posts form N as
// soon as it loads; with ?fetch it sends every form's fields with
// credentialed no-cors fetches (which need no CORS consent) and resolves
// window.attacked when the server has answered them all.
func crossSitePage(forms []crossSiteForm) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString("<!doctype html><html><head><title>Win a prize</title></head><body><h1>Win a prize</h1>\n")
		if r.URL.Query().Has("fetch") {
			b.WriteString("<script>\nwindow.attacked = Promise.all([\n")
			for _, f := range forms {
				fmt.Fprintf(&b, "  fetch(%s, {method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams(%s)}).then(() => 'sent', e => String(e)),\n",
					jsString(f.action), jsString(f.fields.Encode()))
			}
			b.WriteString("]);\n</script>")
		} else {
			var n int
			fmt.Sscan(r.URL.Query().Get("form"), &n)
			f := forms[n]
			fmt.Fprintf(&b, "<form method=post action=%q>\n", f.action)
			for k, vs := range f.fields {
				for _, v := range vs {
					fmt.Fprintf(&b, "<input type=hidden name=%q value=%q>\n", k, v)
				}
			}
			b.WriteString("<button>Claim</button></form>\n<script>window.onload = () => document.forms[0].submit();</script>")
		}
		b.WriteString("</body></html>")
		fmt.Fprint(w, b.String())
	})
}

// TestPagesBrowserCrossSite: while Chromium is signed in to the console
// and to the store, a page of another site (http://evil.test:<port>)
// posts every kind of form of theirs, top-level and with no-cors fetches,
// with the CSRF tokens of the sessions it somehow learnt: adding a service
// provider and a user, signing out, adding and deleting a store
// application, providing keys, and signing in as the attacker (login
// CSRF). The server refuses each; nothing changes, and both sessions still
// work. The same request from the console's own page is taken.
func TestPagesBrowserCrossSite(t *testing.T) {
	s, own := startPagesServer(t)
	ctx := context.Background()

	// What the attacks aim at: an application of the admin's, an OAuth
	// client to provide, and the attacker's own account.
	var app struct {
		ApplicationID string `json:"applicationId"`
	}
	s.api(t, sreq{method: http.MethodPost, path: "/applications", body: map[string]any{"name": "Payroll", "throttlingPolicy": "Unlimited"}}).want(t, http.StatusCreated, &app)
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("planted", "planted-key", "planted-secret", "", "client_credentials")}).ok(t)
	if err := s.identity.AddUser(ctx, "mallory@"+admin.SuperTenantDomain, "Mallory-pass-1", []string{admin.AdminRole}); err != nil {
		t.Fatal(err)
	}

	p := newPageTab(t, own)
	p.open("/carbon/")
	p.signIn("Management Console", "admin", "admin", http.StatusOK)
	p.wantText("#signed-in-user", pagesUser)
	consoleToken := p.value(`input[name="csrf_token"]`)
	p.open("/store/")
	p.signIn("API Store", "admin", "admin", http.StatusOK)
	p.wantText("#signed-in-user", pagesUser)
	storeToken := p.value(`input[name="csrf_token"]`)
	p.checkConsole("signing in")

	appPath := own + "/store/applications/" + app.ApplicationID
	forms := []crossSiteForm{
		{"console: add service provider", own + "/carbon/service-providers", url.Values{"csrf_token": {consoleToken}, "spName": {"csrf-sp"}, "sp-description": {"planted"}}},
		{"console: add user", own + "/carbon/users", url.Values{"csrf_token": {consoleToken}, "username": {"csrf-user"},
			"password": {"Csrf-pass-1"}, "confirmPassword": {"Csrf-pass-1"}, "roles": {admin.AdminRole}}},
		{"store: add application", own + "/store/applications", url.Values{"csrf_token": {storeToken}, "name": {"csrf-app"}, "description": {"planted"}}},
		{"store: provide keys", appPath + "/keys/production/provide", url.Values{"csrf_token": {storeToken}, "consumer_key": {"planted-key"}, "consumer_secret": {"planted-secret"}}},
		{"store: delete application", appPath + "/delete", url.Values{"csrf_token": {storeToken}}},
		{"console: sign in as the attacker", own + "/carbon/login", url.Values{"csrf_token": {"guessed"}, "username": {"mallory"}, "password": {"Mallory-pass-1"}}},
		{"store: sign in as the attacker", own + "/store/login", url.Values{"csrf_token": {"guessed"}, "username": {"mallory"}, "password": {"Mallory-pass-1"}}},
		{"console: sign out", own + "/carbon/logout", url.Values{"csrf_token": {consoleToken}}},
		{"store: sign out", own + "/store/logout", url.Values{"csrf_token": {storeToken}}},
	}
	attacker := httptest.NewServer(crossSitePage(forms))
	defer attacker.Close()
	_, attackerPort, _ := net.SplitHostPort(strings.TrimPrefix(attacker.URL, "http://"))
	evil := "http://evil.test:" + attackerPort

	// Top-level form posts: each ends on the server's refusal.
	refusals := map[int64]string{
		http.StatusUnauthorized: "Your session has ended: sign in again.",
		http.StatusForbidden:    "This form was not sent from one of this server's pages (cross-site request refused). Reload the page and try again.",
	}
	for i, f := range forms {
		wait, cancel := p.step()
		responses := chromedp.Events(wait, network.ResponseReceived)
		if err := chromedp.Do(wait, chromedp.Navigate(fmt.Sprintf("%s/?form=%d", evil, i))); err != nil {
			t.Fatalf("%s: opening the attacker's page: %v", f.name, err)
		}
		// The first page of the server's the tab shows is the post's
		// answer, or the page a taken post was redirected to.
		var answer *network.Response
		for ev, err := range responses {
			if err != nil {
				t.Fatalf("%s: the form's post got no answer: %v", f.name, err)
			}
			if ev.Type == network.ResourceTypeDocument && strings.HasPrefix(ev.Response.URL, own+"/") {
				answer = ev.Response
				break
			}
		}
		cancel()
		p.waitLocation(answer.URL)
		if want, ok := refusals[answer.Status]; !ok || answer.URL != f.action {
			t.Errorf("%s: the post from %s was taken: the tab shows %s (HTTP %d), want a refusal", f.name, evil, answer.URL, answer.Status)
		} else {
			if got := strings.TrimSpace(eval[string](p, `document.body.innerText`)); got != want {
				t.Errorf("%s: the refusal reads %q, want %q", f.name, got, want)
			}
		}
		p.screenshot("cross-site-form-"+nonWord.ReplaceAllString(f.name, "-"), "")
	}

	// No-cors fetches, all at once: the page cannot read the answers,
	// the browser's network events can.
	wait, cancel := p.step()
	responses := chromedp.Events(wait, network.ResponseReceived)
	p.load("opening the attacker's fetching page", chromedp.Navigate(evil+"/?fetch"))
	if got := eval[[]string](p, `window.attacked`); len(got) != len(forms) || slices.ContainsFunc(got, func(r string) bool { return r != "sent" }) {
		t.Errorf("the attacker's fetches: %q", got)
	}
	fetched := map[string]int64{}
	for ev, err := range responses {
		if err != nil {
			t.Fatalf("the attacker's fetches got %d answers (%v), want %d", len(fetched), err, len(forms))
		}
		if ev.Type == network.ResourceTypeFetch {
			fetched[ev.Response.URL] = ev.Response.Status
		}
		if len(fetched) == len(forms) {
			break
		}
	}
	cancel()
	for _, f := range forms {
		if _, ok := refusals[fetched[f.action]]; !ok {
			t.Errorf("%s: a no-cors fetch from %s got HTTP %d, want a refusal", f.name, evil, fetched[f.action])
		}
	}
	p.screenshot("cross-site-fetch", "")
	// The browser logged the refusals, which were the point.
	p.discardConsole()

	// Nothing changed.
	for _, name := range soapServiceProviders(t, s) {
		if name == "csrf-sp" {
			t.Error("the page of another site added a service provider")
		}
	}
	users, err := s.identity.ListUsers(ctx, admin.SuperTenantDomain)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Name == "csrf-user" {
			t.Error("the page of another site added a user")
		}
	}
	var apps struct {
		List []struct {
			ApplicationID, Name string
		} `json:"list"`
	}
	s.api(t, sreq{method: http.MethodGet, path: "/applications"}).want(t, http.StatusOK, &apps)
	if len(apps.List) != 1 || apps.List[0].ApplicationID != app.ApplicationID {
		t.Errorf("the store's applications after the attacks: %+v, want Payroll alone", apps.List)
	}
	var keys struct {
		Count int `json:"count"`
	}
	s.api(t, sreq{method: http.MethodGet, path: "/applications/" + app.ApplicationID + "/oauth-keys"}).want(t, http.StatusOK, &keys)
	if keys.Count != 0 {
		t.Errorf("the page of another site provided %d keys", keys.Count)
	}

	// Both sessions still work, as the admin's; the console's own page
	// adds a service provider with the request the attacker sent.
	p.open("/carbon/service-providers")
	p.wantAt("/carbon/service-providers")
	p.wantText("#signed-in-user", pagesUser)
	p.wantText("#sp-list", "No Service Providers registered.")
	p.screenshot("cross-site-console-after", "")
	p.open("/carbon/users")
	if names := eval[[]string](p, `[...document.querySelectorAll("#users-list tbody td:first-child")].map(e => e.innerText)`); slices.Contains(names, "csrf-user") || !slices.Contains(names, "mallory") {
		t.Errorf("the console lists the users %q", names)
	}
	status := eval[int](p, `fetch("/carbon/service-providers", {method: "POST", redirect: "manual",
		body: new URLSearchParams({csrf_token: `+jsString(consoleToken)+`, spName: "own-sp"})}).then(r => r.type === "opaqueredirect" ? 303 : r.status)`)
	if status != http.StatusSeeOther || !slices.Contains(soapServiceProviders(t, s), "own-sp") {
		t.Errorf("the console's own page could not add a service provider (HTTP %d)", status)
	}
	p.open("/store/")
	p.wantAt("/store/")
	p.wantText("#signed-in-user", pagesUser)
	p.wantTexts("#applications tbody td:first-child", "Payroll")
	p.screenshot("cross-site-store-after", "")
	p.checkConsole("the sessions after the attacks")
}

// soapServiceProviders lists the service providers' names as
// getAllApplicationBasicInfo gives them.
func soapServiceProviders(t *testing.T, s *testServer) []string {
	t.Helper()
	var names []string
	for _, ret := range s.do(t, call{path: appMgtSvc, action: "getAllApplicationBasicInfo", body: amOp("getAllApplicationBasicInfo")}).ok(t).SelectElements("return") {
		if n, ok := text(ret, "applicationName"); ok {
			names = append(names, n)
		}
	}
	return names
}
