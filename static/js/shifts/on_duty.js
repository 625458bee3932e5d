// The header's "on duty now": a countdown in the last minutes of the shift, and a fresh copy from
// the server when the shift changes (and every five minutes, for roster changes). The server's
// clock decides: the browser's may be off.
(function () {
  "use strict";
  var TICK_MS = 15000;
  var REFRESH_MS = 5 * 60 * 1000;
  var box = document.getElementById("on-duty");
  if (!box || box.dataset.dutyWatch) return;
  box.dataset.dutyWatch = "1";
  var offset = 0; // server clock minus browser clock, in ms
  var fetchedAt = Date.now();

  function badge() { return box.querySelector(".duty-now"); }

  function readClock() {
    var a = badge();
    if (a && a.dataset.serverNow) offset = Number(a.dataset.serverNow) * 1000 - Date.now();
  }

  function refresh() {
    var a = badge();
    if (!a || !a.dataset.refresh) return;
    fetchedAt = Date.now();
    fetch(a.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html", "X-Dispatch112-Background": "1" } })
      .then(function (response) {
        // A logged-out session is redirected to the login page: keep the header as it is.
        if (!response.ok || response.redirected) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) { box.innerHTML = html; readClock(); tick(); })
      .catch(function () { /* keep the last known state; the next tick tries again */ });
  }

  function tick() {
    var a = badge();
    if (!a) return;
    var now = Date.now() + offset;
    var endsAt = Number(a.dataset.endsAt || 0) * 1000;
    if ((endsAt && now >= endsAt + 2000) || Date.now() - fetchedAt > REFRESH_MS) { refresh(); return; }
    var countdown = a.querySelector(".duty-countdown");
    var left = endsAt - now;
    if (countdown && endsAt && left <= Number(a.dataset.reminder || 0) * 1000) {
      countdown.hidden = false;
      countdown.textContent = countdown.dataset.template.replace("{min}", String(Math.max(0, Math.ceil(left / 60000))));
      a.classList.add("duty-ending");
    }
  }

  readClock();
  setInterval(tick, TICK_MS);
})();
