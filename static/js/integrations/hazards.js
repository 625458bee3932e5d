// The operator console's hazard strip: CAP alerts received from the hazard feeds (BMKG and the
// like) that are in force for the region, above the console — the same alerts the supervisor's
// map draws. Loaded from the API, then kept live by the pushed cap.alert_received /
// cap.alert_cancelled events; an alert leaves the strip when it expires.
import { getInBackground } from "../api.js";
import { el, witaTime } from "../format.js";

const SEVERE = new Set(["Extreme", "Severe"]);
const alerts = new Map();
const strip = el("section", { id: "hazard-strip", class: "hazard-strip", "aria-label": gettext("Hazard alerts (CAP)"), "aria-live": "polite", hidden: true });
document.getElementById("operator-console").before(strip);

function inForce(alert, now = Date.now()) {
  return !alert.cancelled && (!alert.expires || new Date(alert.expires).getTime() > now);
}

function render() {
  const shown = [...alerts.values()].filter((a) => inForce(a)).sort((a, b) => b.sent.localeCompare(a.sent));
  strip.hidden = shown.length === 0;
  strip.replaceChildren(...shown.map((alert) => el("details", { class: `hazard sev-${(alert.severity || "unknown").toLowerCase()}${SEVERE.has(alert.severity) ? " severe" : ""}`, dataset: { alert: alert.id } },
    el("summary", {}, "⚠ ", el("strong", {}, alert.headline || alert.event),
      el("span", { class: "muted" }, ` · ${alert.sender_name || alert.sender}`,
        alert.expires ? ` · ${interpolate(gettext("until %s"), [witaTime(alert.expires, true)])}` : "")),
    alert.area_desc ? el("p", { class: "hazard-area" }, alert.area_desc.slice(0, 300)) : null,
    alert.description ? el("p", {}, alert.description.slice(0, 1000)) : null,
    alert.instruction ? el("p", { class: "hazard-instruction" }, alert.instruction.slice(0, 500)) : null)));
}

export async function loadHazards() {
  // In the background: it runs on page load and after every reconnect, never because the user acted,
  // so it must not keep an idle session alive (dispatch112/idle.py).
  const { ok, data } = await getInBackground("/api/v1/cap/received/");
  if (!ok) return;
  alerts.clear();
  data.results.forEach((alert) => alerts.set(alert.id, alert));
  render();
}

export function onHazardEvent(event) {
  if (event.kind !== "cap.alert_received" && event.kind !== "cap.alert_cancelled") return;
  (event.data.replaces || []).forEach((id) => alerts.delete(id));
  if (event.kind === "cap.alert_received") alerts.set(event.data.alert.id, event.data.alert);
  render();
}

setInterval(render, 60000); // expiry
loadHazards();
