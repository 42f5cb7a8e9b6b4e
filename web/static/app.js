// Small behaviours of the pages, delegated from the document so that parts
// htmx swaps in work too. No inline scripts: the Content-Security-Policy
// allows only this server's files.
(function () {
  "use strict";

  // .js-hidden parts (fallbacks of forms without scripts) hide.
  document.documentElement.classList.add("js");

  function target(el, attr) {
    return document.getElementById(el.getAttribute(attr));
  }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-copy],[data-show],[data-reveal],[data-conceal]");
    if (!el) {
      return;
    }
    if (el.hasAttribute("data-copy")) {
      var src = target(el, "data-copy");
      var text = src ? (src.value !== undefined ? src.value : src.textContent) : "";
      var done = function () {
        var label = el.textContent;
        el.textContent = "Copied!";
        setTimeout(function () { el.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, done);
      } else {
        src.select && src.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
        done();
      }
    } else if (el.hasAttribute("data-show")) {
      // A link's href shows the value without JavaScript; with it, the
      // value toggles in place.
      ev.preventDefault();
      var input = target(el, "data-show");
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      el.textContent = hidden ? (el.getAttribute("data-hide-label") || "Hide") : (el.getAttribute("data-show-label") || "Show");
      el.setAttribute("aria-pressed", hidden ? "true" : "false");
    } else if (el.hasAttribute("data-reveal")) {
      // A link that reveals (the page without scripts opens the part
      // through it) stays on the page.
      if (el.tagName === "A") {
        ev.preventDefault();
      }
      var shown = target(el, "data-reveal");
      shown.hidden = false;
      var first = shown.querySelector("input:not([type=hidden]),textarea,select");
      if (first) {
        first.focus();
      }
    } else if (el.hasAttribute("data-conceal")) {
      ev.preventDefault();
      target(el, "data-conceal").hidden = true;
    }
  });

  // select[data-autosubmit] sends its form when the choice changes.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) {
        el.form.requestSubmit();
      } else {
        el.form.submit();
      }
    }
  });

  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
})();
