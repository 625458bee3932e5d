// Idle sessions (dispatch112/idle.py): the server ends a session after SESSION_IDLE_TIMEOUT_MINUTES
// without the user's own requests. This page tells the server when the user types or clicks
// without sending anything (a long form being filled in), warns before the end with a button to
// stay, and goes to the login page when the end has come. What the operator was typing is kept by
// the page itself (sessionStorage, static/js/operator/intake.js) and comes back after the login.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) return;
  var statusUrl = box.dataset.statusUrl;
  var loginUrl = box.dataset.loginUrl;
  var timeoutMs = Number(box.dataset.timeout) * 1000;
  var warningMs = Math.min(Number(box.dataset.warning) * 1000, timeoutMs / 2);
  // Activity on this page is reported at most this often (the server keeps minutes, not seconds).
  var reportEveryMs = Math.min(60000, timeoutMs / 4);
  var countdown = box.querySelector("[data-countdown]");
  var deadline = Date.now() + timeoutMs; // the page load was activity
  var lastReport = Date.now();
  var lastAsked = 0;
  var asking = false;
  var leaving = false;

  function ask(background) {
    var headers = { Accept: "application/json" };
    if (background) headers["X-Dispatch112-Background"] = "1";
    asking = true;
    lastAsked = Date.now();
    return fetch(statusUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.authenticated) { leave(); return; }
        deadline = Date.now() + data.remaining * 1000;
        box.dataset.remaining = String(data.remaining); // the server's last word, for a person (or a test) to read
        render();
      })
      .catch(function () { /* the server is unreachable: the next tick asks again */ })
      .then(function () { asking = false; });
  }

  function leave() {
    if (leaving) return;
    leaving = true;
    var next = location.pathname + location.search + location.hash;
    location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function stay() {
    lastReport = Date.now();
    deadline = Date.now() + timeoutMs;
    render();
    ask(false); // without the background header: this is the user's activity
  }

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    return minutes + ":" + String(seconds % 60).padStart(2, "0");
  }

  function render() {
    var left = deadline - Date.now();
    box.hidden = left > warningMs;
    if (!box.hidden) countdown.textContent = clock(left);
  }

  function tick() {
    var left = deadline - Date.now();
    // Before warning, and again at the end, ask the server: another tab may have been busy.
    if (left <= warningMs && !asking && (Date.now() - lastAsked > 15000 || (left <= 0 && Date.now() - lastAsked > 2000))) {
      ask(true);
    }
    render();
  }

  function activity() {
    if (leaving) return;
    if (!box.hidden) { stay(); return; }
    if (Date.now() - lastReport >= reportEveryMs) stay();
  }

  ["keydown", "pointerdown", "input", "wheel", "touchstart"].forEach(function (type) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  box.querySelector("[data-stay]").addEventListener("click", stay);
  // Logging out on purpose hands the desk over: the next operator must not find this one's draft.
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        Object.keys(sessionStorage).filter(function (key) { return /^d112-.*-draft$/.test(key); })
          .forEach(function (key) { sessionStorage.removeItem(key); });
      } catch (error) { /* storage disabled */ }
    });
  });
  setInterval(tick, 1000);
})();
