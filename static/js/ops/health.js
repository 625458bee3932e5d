// The header's health indicator (supervisors and admins): /healthz every 30 s, and at once when
// the tab comes back into view. The words come from the template (translated there).
(function () {
  "use strict";

  const root = document.getElementById("health-indicator");
  if (!root) return;
  const POLL_MS = 30000;
  const button = root.querySelector(".health-button");
  const text = root.querySelector(".health-text");
  const list = root.querySelector(".health-checks");
  const texts = root.dataset;

  function checkStatus(check) {
    // Anonymous answers give a word per check; ours (a supervisor's session) an object.
    return typeof check === "string" ? check : check && check.status;
  }

  function checkDetail(check) {
    if (!check || typeof check === "string") return "";
    if (check.error) return check.error;
    if (check.age_seconds !== undefined) return Math.round(check.age_seconds) + " s";
    if (check.outboxes) {
      return Object.values(check.outboxes).reduce((sum, o) => sum + o.backlog, 0) + " ✉";
    }
    return "";
  }

  function label(name) {
    const item = list.querySelector(`[data-check="${name}"] span`);
    return item ? item.textContent : name;
  }

  function render(body) {
    const state = body ? body.status : "unreachable";
    root.dataset.state = state in { ok: 1, degraded: 1, fail: 1 } ? state : "unreachable";
    const checks = (body && body.checks) || {};
    const troubled = Object.keys(checks).filter((name) => ["warn", "fail"].includes(checkStatus(checks[name])));
    const verdict = texts["text" + root.dataset.state.charAt(0).toUpperCase() + root.dataset.state.slice(1)];
    // The pill stays short (the header is full); what is wrong is in its title and the list.
    text.textContent = troubled.length ? `${verdict} (${troubled.length})` : verdict;
    button.title = troubled.length ? verdict + ": " + troubled.map(label).join(", ") : verdict;
    for (const item of list.querySelectorAll("[data-check]")) {
      const check = checks[item.dataset.check];
      const status = checkStatus(check) || "";
      const word = texts["word" + status.charAt(0).toUpperCase() + status.slice(1)] || "—";
      const detail = checkDetail(check);
      item.dataset.status = status;
      item.querySelector("strong").textContent = detail ? `${word} (${detail})` : word;
    }
    const checked = list.querySelector(".health-checked time");
    checked.textContent = new Date().toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  async function poll() {
    let body = null;
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json", "X-Dispatch112-Background": "1" } });
      body = await response.json();
    } catch (error) {
      body = null;
    }
    render(body);
  }

  button.addEventListener("click", () => {
    list.hidden = !list.hidden;
    button.setAttribute("aria-expanded", String(!list.hidden));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !list.hidden) {
      list.hidden = true;
      button.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  poll();
  setInterval(poll, POLL_MS);
})();
