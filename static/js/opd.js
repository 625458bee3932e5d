// The OPD console: this agency's assignments, newest and most urgent first; one tap per step.
import { BACKGROUND, newKey, post } from "./api.js";
import { el, elapsed, isOverdue, witaTime } from "./format.js";
import { connectLive } from "./live.js";

const config = JSON.parse(document.getElementById("console-config").textContent);
const list = document.getElementById("opd-list");
const empty = document.getElementById("opd-empty");
const banner = document.getElementById("opd-banner");
const OPEN = ["notified", "acknowledged", "en_route", "on_scene"];
const NEXT = {
  notified: ["acknowledged", gettext("Acknowledge")],
  acknowledged: ["en_route", gettext("En route")],
  en_route: ["on_scene", gettext("On scene")],
  on_scene: ["completed", gettext("Completed")],
};
let incidents = new Map();

export async function load() {
  const response = await fetch("/api/v1/incidents/?status=active&limit=500", { headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang, ...BACKGROUND } });
  const data = await response.json();
  if (!response.ok) { showBanner(data.detail, true); return 0; }
  incidents = new Map(data.results.map((i) => [i.id, i]));
  render();
  return Number(response.headers.get("X-Last-Event-Id") || 0);
}

export function applyIncident(snapshot) {
  const current = incidents.get(snapshot.id);
  if (current && current.version > snapshot.version) return;
  incidents.set(snapshot.id, snapshot);
  render();
}

function showBanner(text, error) {
  banner.textContent = text;
  banner.className = `form-banner ${error ? "error" : "ok"}`;
  banner.hidden = !text;
}

function mine(incident) {
  return incident.assignments.find((a) => a.agency.id === config.agency_id);
}

async function step(assignment, next) {
  const url = next === "acknowledged" ? `/api/v1/assignments/${assignment.id}/acknowledge/` : `/api/v1/assignments/${assignment.id}/advance/`;
  const { ok, data } = await post(url, next === "acknowledged" ? {} : { status: next }, { idempotencyKey: newKey() });
  showBanner(ok ? interpolate(gettext("Reported: %s."), [config.assignment_statuses[next]]) : data.detail, !ok);
  await load();
}

async function decline(assignment) {
  const reason = window.prompt(gettext("Why do you decline? (required)"));
  if (!reason || !reason.trim()) return;
  const { ok, data } = await post(`/api/v1/assignments/${assignment.id}/decline/`, { reason });
  showBanner(ok ? gettext("Declined.") : data.detail, !ok);
  await load();
}

async function note(incident) {
  const text = window.prompt(gettext("Note for the Command Center:"));
  if (!text || !text.trim()) return;
  const { ok, data } = await post(`/api/v1/incidents/${incident.id}/notes/`, { text }, { idempotencyKey: newKey() });
  showBanner(ok ? gettext("Note sent.") : data.detail, !ok);
}

function card(incident) {
  const assignment = mine(incident);
  const late = isOverdue(assignment, incident.priority, config.ack_targets);
  const next = NEXT[assignment.status];
  const name = config.language.startsWith("en") ? incident.category.name_en : incident.category.name_id;
  return el("article", { class: `opd-card p${incident.priority}${late ? " late" : ""}`, dataset: { id: incident.id } },
    el("div", {}, el("span", { class: `prio p${incident.priority}` }, `P${incident.priority}`), " ",
      el("span", { class: `chip a-${assignment.status}` }, config.assignment_statuses[assignment.status]),
      late ? el("strong", { class: "overdue-mark" }, ` ⚠ ${gettext("overdue")}`) : null),
    el("h3", {}, name),
    el("div", {}, incident.kelurahan ? `${incident.kelurahan.name}, ${incident.kelurahan.kecamatan}` : "—", incident.address ? ` · ${incident.address}` : "", incident.landmark ? ` (${incident.landmark})` : ""),
    incident.description ? el("p", { class: "pre" }, incident.description) : null,
    el("small", { class: "muted" }, `${incident.reference} · ${gettext("notified")} ${witaTime(assignment.notified_at)} (${elapsed(assignment.notified_at)})`,
      assignment.post ? ` · ${assignment.post.name}` : ""),
    el("div", { class: "opd-actions" },
      next ? el("button", { type: "button", class: "go", onclick: () => step(assignment, next[0]) }, next[1]) : null,
      ["notified", "acknowledged"].includes(assignment.status) ? el("button", { type: "button", class: "decline", onclick: () => decline(assignment) }, gettext("Decline")) : null,
      el("button", { type: "button", class: "note", onclick: () => note(incident) }, gettext("Note"))));
}

// What still waits for this agency's "Terima" comes first (the longest waiting first), whatever its
// priority: a P2 just notified must not sit below P1 incidents the agency is already on. Then the
// rest by priority, the latest notified first.
function byUrgency(a, b) {
  const [ma, mb] = [mine(a), mine(b)];
  const waitingA = ma.status === "notified", waitingB = mb.status === "notified";
  if (waitingA !== waitingB) return waitingA ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  return waitingA ? ma.notified_at.localeCompare(mb.notified_at) : mb.notified_at.localeCompare(ma.notified_at);
}

function render() {
  const active = ["new", "dispatched", "acknowledged", "en_route", "on_scene"];
  const open = [...incidents.values()].filter((i) => active.includes(i.status) && mine(i) && OPEN.includes(mine(i).status))
    .sort(byUrgency);
  list.replaceChildren(...open.map(card));
  empty.hidden = open.length > 0;
}

window.dispatch112 = { load, applyIncident, live: false };
load().then((startId) => {
  window.dispatch112.stream = connectLive({
    startId,
    onEvent: (event) => { if (event.data && event.data.incident) applyIncident(event.data.incident); },
    onReload: load,
    onState: (state) => { window.dispatch112.live = state === "live"; },
  });
});
setInterval(() => { if (!window.dispatch112.live) load(); else render(); }, 20000);
