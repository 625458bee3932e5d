// The OPD console's "share my position" switch: opt-in, while one of the agency's assignments is
// acknowledged or en route. Sends the phone's position every ~10 s; stops by itself when the
// assignment is on scene or completed (the server answers 409), or when the user turns it off.
import { BACKGROUND, post } from "../api.js";
import { el } from "../format.js";

const SEND_EVERY_MS = 10000;
const SHAREABLE = ["acknowledged", "en_route"];
const config = JSON.parse(document.getElementById("console-config").textContent);
const button = el("button", { type: "button", id: "share-toggle", "aria-pressed": "false" }, gettext("Share my position"));
const status = el("span", { class: "muted small", id: "share-status", role: "status" });
document.getElementById("opd-list").before(el("div", { class: "share-bar" }, button, status));

let watchId = null;
let timer = null;
let lastFix = null;

function say(text) { status.textContent = text; }

// The assignment to share for: the agency's en-route one first, else an acknowledged one.
async function currentAssignment() {
  const response = await fetch("/api/v1/incidents/?status=active&limit=200", { headers: { Accept: "application/json", ...BACKGROUND }, credentials: "same-origin" });
  if (!response.ok) return null;
  const mine = (await response.json()).results.flatMap((i) => i.assignments).filter((a) => a.agency.id === config.agency_id && SHAREABLE.includes(a.status));
  mine.sort((a, b) => (b.status === "en_route") - (a.status === "en_route"));
  return mine[0] || null;
}

async function send() {
  if (!lastFix) return;
  const assignment = await currentAssignment();
  if (!assignment) { stop(gettext("Sharing stopped: no assignment is en route.")); return; }
  const { ok, status: code, data } = await post("/api/v1/units/share/", { assignment: assignment.id, ...lastFix });
  if (code === 409) { stop(data.detail); return; }
  say(ok ? interpolate(gettext("Position sent (±%s m)."), [Math.round(lastFix.accuracy || 0)]) : data.detail);
}

function start() {
  if (!navigator.geolocation) { say(gettext("This browser cannot tell its position.")); return; }
  button.setAttribute("aria-pressed", "true");
  button.textContent = gettext("Stop sharing");
  say(gettext("Finding your position…"));
  watchId = navigator.geolocation.watchPosition(
    (position) => {
      const first = lastFix === null;
      const { latitude, longitude, accuracy } = position.coords;
      lastFix = { latitude, longitude, accuracy, recorded_at: new Date(position.timestamp).toISOString() };
      if (first) send();
    },
    (error) => say(interpolate(gettext("Position unavailable: %s"), [error.message])),
    { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 },
  );
  timer = setInterval(send, SEND_EVERY_MS);
}

function stop(reason) {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  clearInterval(timer);
  watchId = null;
  timer = null;
  lastFix = null;
  button.setAttribute("aria-pressed", "false");
  button.textContent = gettext("Share my position");
  say(reason || gettext("Not sharing."));
  post("/api/v1/units/share/stop/", {});
}

button.addEventListener("click", () => (watchId === null ? start() : stop()));
window.dispatch112share = { start, stop, send };
