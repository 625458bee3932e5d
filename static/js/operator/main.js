// The operator console: wiring and keyboard shortcuts.
import { BACKGROUND, get } from "../api.js";
import { connectLive } from "../live.js";
import { closeIncident, dispatchChecked, focusAgencies, focusNote, onTimelineEvent, resolve } from "./detail.js";
import { onIntakeEvent } from "../intake/console.js";
import { loadHazards, onHazardEvent } from "../integrations/hazards.js";
import { closeAs, linkTo, onRingEvent, reset, takeRing } from "./intake.js";
import { focusQueue, moveSelection } from "./queue.js";
import { applyIncident, replaceAll, store } from "./store.js";

const help = document.getElementById("help-overlay");
const number = document.getElementById("caller_number");

export async function loadQueue() {
  const response = await fetch("/api/v1/incidents/?status=active&limit=1000", { headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang, ...BACKGROUND } });
  if (!response.ok) return 0;
  const data = await response.json();
  replaceAll(data.results);
  return Number(response.headers.get("X-Last-Event-Id") || 0);
}

const ALT_KEYS = {
  c: async () => { if (!(await takeRing())) { reset(); number.focus(); } },
  p: () => closeAs("prank"),
  s: () => closeAs("silent"),
  i: () => closeAs("info"),
  t: () => closeAs("test"),
  q: () => focusQueue(),
  d: () => dispatchChecked(),
  a: () => focusAgencies(),
  m: () => focusNote(),
  r: () => resolve(),
  x: () => closeIncident(),
};

document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const key = event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : event.code.startsWith("Digit") ? event.code.slice(5) : "";
    if (ALT_KEYS[key]) { event.preventDefault(); ALT_KEYS[key](); return; }
    if (/^[1-5]$/.test(key)) { event.preventDefault(); linkTo(Number(key) - 1); return; }
  }
  if (event.key === "Escape") {
    if (!help.hidden) { help.hidden = true; return; }
    if (document.getElementById("intake-form").contains(document.activeElement)) { reset(); return; }
  }
  if (event.key === "?" && !typing) { event.preventDefault(); help.hidden = false; document.getElementById("help-close").focus(); return; }
  if (document.activeElement?.id === "queue-wrap") {
    if (event.key === "ArrowDown" || event.key === "j") { event.preventDefault(); moveSelection(1); }
    if (event.key === "ArrowUp" || event.key === "k") { event.preventDefault(); moveSelection(-1); }
    if (event.key === "Enter") { event.preventDefault(); focusAgencies(); }
  }
});
document.getElementById("help-close").addEventListener("click", () => { help.hidden = true; });

window.dispatch112 = { loadQueue, live: false };
loadQueue().then((startId) => {
  window.dispatch112.stream = connectLive({
    startId,
    onEvent: (event) => {
      if (event.data && event.data.incident) applyIncident(event.data.incident);
      if (event.kind === "call.ringing" || event.kind === "call.taken" || event.kind.startsWith("pbx.")) onRingEvent(event);
      onIntakeEvent(event);
      onTimelineEvent(event);
      onHazardEvent(event);
    },
    onReload: () => { loadHazards(); return loadQueue(); },
    onState: (state) => { window.dispatch112.live = state === "live"; },
  });
});
// Whenever the live stream is down, the queue is reloaded from the API instead.
setInterval(() => { if (!window.dispatch112.live) loadQueue(); }, 20000);
number.focus();
