// Injected by tests/security/test_csp_browser.py before any script of the page runs (Playwright's
// add_init_script goes through the browser's devtools, not the page, so the policy does not stop
// it): every Content Security Policy violation is written to the console, where the test reads it.
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("csp-violation " + JSON.stringify({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile,
    line: event.lineNumber,
  }));
}, true);
