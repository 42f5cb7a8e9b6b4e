package main

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// activeID is the id of the element that has the keyboard focus.
func (p *pageTab) activeID() string {
	p.t.Helper()
	return eval[string](p, `document.activeElement ? document.activeElement.id : ""`)
}

// press sends keys to the element with the focus.
func (p *pageTab) press(what, keys string) {
	p.t.Helper()
	p.do(what, chromedp.KeyEvent(keys))
}

// tabTo presses Tab until the element with the id has the focus, and fails
// when it is not reached in max presses: it cannot be used by keyboard.
func (p *pageTab) tabTo(id string, max int) {
	p.t.Helper()
	for i := 0; p.activeID() != id; i++ {
		if i == max {
			p.t.Fatalf("#%s is not reached by Tab in %d presses (focus on %q)", id, max, p.activeID())
		}
		p.press("pressing Tab", kb.Tab)
	}
}

// TestPagesKeyboard signs in to the store and provides keys with the
// keyboard alone: the sign-in field has the focus, Tab reaches every
// control on the way, Enter opens the inline Provide keys form, which
// takes the focus, and Enter saves it.
func TestPagesKeyboard(t *testing.T) {
	s, base := startPagesServer(t)
	soapRegister(t, s, "is-7.3", "keyboard-client", "kb-key", "kb-secret")
	app := createApp(t, s, "", "KeyboardApp")
	p := newPageTab(t, base)

	p.open("/store/login")
	if got := p.activeID(); got != "username" {
		t.Fatalf("the sign-in page opens with the focus on %q, want the user name", got)
	}
	p.press("typing the user name", "admin")
	p.tabTo("password", 1)
	p.press("typing the password", "admin")
	if status := p.load("pressing Enter", chromedp.KeyEvent(kb.Enter)); status != 200 {
		t.Fatalf("signing in by Enter: HTTP %d", status)
	}
	p.wantAt("/store/")
	p.wantText("#signed-in-user", pagesUser)

	p.open("/store/applications/" + app.ApplicationID)
	p.tabTo("provide-production-open", 40)
	p.press("pressing Enter on Provide keys", kb.Enter)
	p.waitVisible("#provide-key-production")
	if got := p.activeID(); got != "provide-key-production" {
		t.Fatalf("the opened form has no focus (focus on %q)", got)
	}
	p.press("typing the consumer key", "kb-key")
	p.tabTo("provide-secret-production", 1)
	p.press("typing the consumer secret", "kb-secret")
	p.press("pressing Enter", kb.Enter)
	p.waitVisible("#keys-production-mode")
	p.wantText("#keys-production-mode", "Provided")
	p.checkConsole("the keyboard walk")
}
