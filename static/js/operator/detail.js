// The detail pane: timeline, assignments, dispatch with preselected agencies, and every action.
import { get, newKey, patch, post } from "../api.js";
import { el, elapsed, fill, isOverdue, witaTime } from "../format.js";
import { applyIncident, store, subscribe } from "./store.js";

const { config } = store;
const pane = document.getElementById("detail-body");
let loadedId = null;
let loadedVersion = null;
let detail = null;
let options = null;
let cameras = [];
let relawan = [];
let amlPositions = [];
let message = null;

const STAGES = [
  ["created_at", gettext("Created")],
  ["dispatched_at", gettext("Dispatched")],
  ["first_acknowledged_at", gettext("First acknowledged")],
  ["first_on_scene_at", gettext("First on scene")],
  ["resolved_at", gettext("Resolved")],
  ["closed_at", gettext("Closed")],
  ["cancelled_at", gettext("Cancelled")],
];
const NEXT_STEP = { notified: "acknowledged", acknowledged: "en_route", en_route: "on_scene", on_scene: "completed" };
const STEP_LABELS = { acknowledged: gettext("Acknowledge"), en_route: gettext("En route"), on_scene: gettext("On scene"), completed: gettext("Completed") };
const KIND_LABELS = {
  "incident.created": gettext("Incident created"),
  "incident.status_changed": gettext("Status changed"),
  "incident.assignments_changed": gettext("Agencies updated"),
  "incident.call_linked": gettext("Another call linked"),
  "incident.updated": gettext("Edited"),
  "incident.note": gettext("Note"),
  "incident.resolved": gettext("Resolved"),
  "incident.closed": gettext("Closed"),
  "incident.cancelled": gettext("Cancelled"),
  "incident.reopened": gettext("Reopened"),
  "call.logged": gettext("Call logged"),
  "assignment.created": gettext("Dispatched to"),
  "assignment.acknowledged": gettext("Acknowledged by"),
  "assignment.en_route": gettext("En route:"),
  "assignment.on_scene": gettext("On scene:"),
  "assignment.completed": gettext("Completed by"),
  "assignment.declined": gettext("Declined by"),
  "assignment.overdue": gettext("Overdue, not acknowledged:"),
  "volunteer.sent": gettext("Relawan called"),
  "volunteer.accepted": gettext("Relawan accepted"),
  "volunteer.declined": gettext("Relawan declined"),
  "volunteer.arrived": gettext("Relawan arrived"),
  "volunteer.finished": gettext("Relawan finished"),
  "volunteer.expired": gettext("Relawan did not answer"),
  "volunteer.cancelled": gettext("Relawan stood down"),
  "volunteer.message_sent": gettext("Message sent to relawan"),
  "volunteer.message_failed": gettext("Message to relawan failed"),
  "aml.received": gettext("AML location received"),
  "aml.attached": gettext("AML location of the caller"),
  "message.handled": gettext("WhatsApp/SMS message"),
  "message.replied": gettext("Reply to the sender"),
};

async function load(id) {
  const [detailResponse, optionsResponse, amlResponse] = await Promise.all([
    get(`/api/v1/incidents/${id}/`),
    get(`/api/v1/incidents/${id}/dispatch-options/`),
    get(`/api/v1/aml/?incident=${id}`),
  ]);
  if (store.selectedId !== id) return;
  if (!detailResponse.ok) { message = { error: true, text: detailResponse.data.detail }; render(); return; }
  detail = detailResponse.data;
  options = optionsResponse.ok ? optionsResponse.data : { results: [] };
  amlPositions = amlResponse.ok ? amlResponse.data.results : [];
  cameras = [];
  relawan = [];
  if (["new", "dispatched", "acknowledged", "en_route", "on_scene"].includes(detail.status)) {
    const proposals = await get(`/api/v1/incidents/${id}/volunteer-proposals/?limit=5`);
    if (proposals.ok) relawan = proposals.data.results;
  }
  if (detail.latitude) {
    const near = await get(`/api/v1/cameras/nearest/?latitude=${detail.latitude}&longitude=${detail.longitude}&limit=4`);
    if (near.ok) cameras = near.data.results;
  }
  loadedId = id;
  loadedVersion = detail.version;
  render();
}

function onStore() {
  const id = store.selectedId;
  if (!id) return;
  const current = store.incidents.get(id);
  if (id !== loadedId || (current && current.version !== loadedVersion)) load(id);
}

async function act(promise, successText) {
  const { ok, data, status } = await promise;
  if (!ok) {
    message = { error: true, text: data.detail };
    if (status === 409 && data.current) applyIncident(data.current);
    render();
    return false;
  }
  message = successText ? { error: false, text: successText } : null;
  const snapshot = data.assignments ? data : null;
  if (snapshot) applyIncident(snapshot);
  await load(store.selectedId);
  return true;
}

export function dispatchChecked() {
  if (!detail) return;
  const agencies = [...pane.querySelectorAll("input[name=agency]:checked")].map((box) => Number(box.value));
  if (!agencies.length) { message = { error: true, text: gettext("Check at least one agency.") }; render(); return; }
  act(post(`/api/v1/incidents/${detail.id}/dispatch/`, { agencies, version: detail.version }, { idempotencyKey: newKey() }),
    gettext("Dispatched."));
}

function askText(promptText, minLength = 1) {
  const text = window.prompt(promptText);
  if (text === null) return null;
  if (text.trim().length < minLength) { message = { error: true, text: gettext("A text is required.") }; render(); return null; }
  return text.trim();
}

export function resolve() {
  if (detail) act(post(`/api/v1/incidents/${detail.id}/resolve/`, { version: detail.version }), gettext("Resolved."));
}
export function closeIncident() {
  if (!detail) return;
  const note = askText(gettext("Closing note (required):"));
  if (note) act(post(`/api/v1/incidents/${detail.id}/close/`, { note, version: detail.version }), gettext("Closed."));
}
function cancelIncident() {
  const reason = askText(gettext("Why is this incident cancelled?"));
  if (reason) act(post(`/api/v1/incidents/${detail.id}/cancel/`, { reason, version: detail.version }), gettext("Cancelled."));
}
function reopen() {
  const reason = askText(gettext("Why is this incident reopened?"));
  if (reason) act(post(`/api/v1/incidents/${detail.id}/reopen/`, { reason, version: detail.version }), gettext("Reopened."));
}
function changePriority(value) {
  act(patch(`/api/v1/incidents/${detail.id}/`, { priority: Number(value), version: detail.version }), gettext("Priority changed."));
}
function advance(assignment) {
  const next = NEXT_STEP[assignment.status];
  const url = next === "acknowledged" ? `/api/v1/assignments/${assignment.id}/acknowledge/` : `/api/v1/assignments/${assignment.id}/advance/`;
  act(post(url, next === "acknowledged" ? {} : { status: next }), null);
}
function decline(assignment) {
  const reason = askText(interpolate(gettext("Why does %s decline?"), [assignment.agency.name]));
  if (reason) act(post(`/api/v1/assignments/${assignment.id}/decline/`, { reason }), null);
}
function activateRelawan(event) {
  event.preventDefault();
  const volunteers = [...pane.querySelectorAll("input[name=relawan]:checked")].map((box) => Number(box.value));
  if (!volunteers.length) return;
  act(post("/api/v1/activations/", { incident: detail.id, volunteers }, { idempotencyKey: newKey() }), gettext("Relawan activated: the message is on its way."));
}

export function focusNote() { pane.querySelector("#note-text")?.focus(); }
export function focusAgencies() { pane.querySelector("input[name=agency]")?.focus(); }

function addNote(event) {
  event.preventDefault();
  const input = pane.querySelector("#note-text");
  if (!input.value.trim()) return;
  act(post(`/api/v1/incidents/${detail.id}/notes/`, { text: input.value }, { idempotencyKey: newKey() }), gettext("Note added."));
}

// "±9 m · GNSS (GPS) · 10:02:03 · -0.50224, 117.15361": the handset's own position of a caller.
function amlText(aml) {
  return [interpolate(gettext("±%s m"), [aml.radius_m]), aml.method_label, witaTime(aml.positioned_at || aml.received_at),
    `${Number(aml.latitude).toFixed(5)}, ${Number(aml.longitude).toFixed(5)}`].filter(Boolean).join(" · ");
}

function timelineText(event) {
  const p = event.payload || {};
  const parts = [KIND_LABELS[event.kind] || event.kind];
  if (p.assignment) parts.push(p.assignment.agency.name);
  if (p.activation && p.activation.volunteer) parts.push(p.activation.volunteer.name);
  if (event.kind === "incident.status_changed") parts.push(`${config.statuses[p.previous_status] || p.previous_status} → ${config.statuses[p.status] || p.status}`);
  if (p.text) parts.push(`“${p.text}”`);
  if (p.note) parts.push(`“${p.note}”`);
  if (p.reason) parts.push(`“${p.reason}”`);
  // incident.created carries the masked number (OPD staff see it too); call.logged, seen by the consoles only, the number.
  if (p.call) parts.push(`${gettext("caller")} ${p.call.caller_masked || p.call.caller_number || "—"}`);
  if (p.aml && p.aml.latitude !== null) parts.push(amlText(p.aml));
  if (event.kind.startsWith("message.") && p.message) parts.push(`${p.message.channel === "whatsapp" ? "WhatsApp" : "SMS"} ${p.message.sender_name || p.message.sender}`);
  if (p.reply) parts.push(`“${p.reply.text}”`);
  if (p.after) parts.push(Object.entries(p.after).map(([k, v]) => `${k} → ${v}`).join(", "));
  return parts.join(" · ");
}

function render() {
  if (!detail || detail.id !== store.selectedId) return;
  const d = detail;
  const active = ["new", "dispatched", "acknowledged", "en_route", "on_scene"].includes(d.status);
  const categoryName = config.language.startsWith("en") ? d.category.name_en : d.category.name_id;
  fill(pane,
    message ? el("div", { class: `form-banner ${message.error ? "error" : "ok"}`, role: "alert" }, message.text) : null,
    el("div", { class: "detail-head" },
      el("span", { class: `prio p${d.priority}` }, `P${d.priority}`),
      el("strong", { class: "detail-ref" }, d.reference),
      el("span", { class: `status s-${d.status}` }, config.statuses[d.status])),
    el("div", { class: "detail-cat" }, el("span", { class: "cat-dot", style: { background: d.category.colour } }), ` ${categoryName}`,
      d.call_count > 1 ? el("span", { class: "calls" }, ` · ${d.call_count} ${gettext("calls")}`) : null),
    el("dl", { class: "facts" },
      el("dt", {}, gettext("Place")), el("dd", {}, d.kelurahan ? `${d.kelurahan.name}, ${d.kelurahan.kecamatan}` : "—", d.address ? ` · ${d.address}` : "", d.landmark ? ` (${d.landmark})` : ""),
      el("dt", {}, gettext("Point")), el("dd", {}, d.latitude ? `${Number(d.latitude).toFixed(5)}, ${Number(d.longitude).toFixed(5)}` : "—"),
      amlPositions.length ? el("dt", {}, gettext("AML location")) : null,
      amlPositions.length ? el("dd", { id: "detail-aml" }, amlPositions.slice(0, 3).map((aml) => el("div", { class: "aml-fix" }, "📍 ", amlText(aml)))) : null,
      d.description ? el("dt", {}, gettext("Report")) : null, d.description ? el("dd", { class: "pre" }, d.description) : null,
      el("dt", {}, gettext("Callers")), el("dd", {}, d.calls.map((c) => `${c.caller_number || gettext("no number")}${c.caller_name ? " " + c.caller_name : ""}`).join(", ") || "—"),
      active ? el("dt", {}, gettext("Priority")) : null,
      active ? el("dd", {}, el("select", { "aria-label": gettext("Priority"), onchange: (e) => changePriority(e.target.value) },
        Object.entries(config.priorities).map(([value, label]) => el("option", { value, selected: String(d.priority) === value }, label)))) : null),
    el("table", { class: "stages" }, el("tbody", {}, STAGES.filter(([field]) => d[field]).map(([field, label]) =>
      el("tr", {}, el("th", {}, label), el("td", {}, witaTime(d[field])), el("td", { class: "muted" }, field === "created_at" ? "" : `+${elapsed(d.created_at, d[field])}`))))),
    el("h3", {}, gettext("Agencies")),
    d.assignments.length ? el("table", { class: "assignments" }, el("tbody", {}, d.assignments.map((a) => el("tr", { class: isOverdue(a, d.priority, config.ack_targets) ? "overdue" : "" },
      el("td", {}, el("strong", {}, a.agency.code), el("small", { class: "muted" }, a.post ? ` ${a.post.name}` : "")),
      el("td", {}, el("span", { class: `chip a-${a.status}` }, config.assignment_statuses[a.status]),
        isOverdue(a, d.priority, config.ack_targets) ? el("span", { class: "overdue-mark" }, ` ⚠ ${gettext("overdue")}`) : ""),
      el("td", { class: "muted" }, `${gettext("notified")} ${elapsed(a.notified_at)} ${gettext("ago")}`),
      el("td", {}, active && NEXT_STEP[a.status] ? el("button", { type: "button", class: "small", onclick: () => advance(a) }, STEP_LABELS[NEXT_STEP[a.status]]) : null,
        active && ["notified", "acknowledged"].includes(a.status) ? el("button", { type: "button", class: "small secondary", onclick: () => decline(a) }, gettext("Decline")) : null))))) : el("p", { class: "muted" }, gettext("Not dispatched yet.")),
    active ? el("form", { class: "dispatch-form", onsubmit: (e) => { e.preventDefault(); dispatchChecked(); } },
      el("div", { class: "agency-options" }, options.results.filter((o) => !o.assigned).map((o) => el("label", { class: `agency-option${o.preselected ? " preselected" : ""}` },
        el("input", { type: "checkbox", name: "agency", value: o.agency.id, checked: o.preselected }),
        ` ${o.agency.name}`, o.nearest_post ? el("small", { class: "muted" }, ` · ${o.nearest_post.name} ${(o.nearest_post.distance_m / 1000).toFixed(1)} km`) : null))),
      el("small", { class: "muted" }, options.distance_note || ""),
      el("button", { type: "submit", class: "primary" }, gettext("Dispatch"), " ", el("kbd", {}, "Alt+D"))) : null,
    el("div", { class: "detail-actions" },
      active ? el("button", { type: "button", class: "secondary", onclick: resolve }, gettext("Resolve"), " ", el("kbd", {}, "Alt+R")) : null,
      d.status === "resolved" ? el("button", { type: "button", class: "secondary", onclick: closeIncident }, gettext("Close"), " ", el("kbd", {}, "Alt+X")) : null,
      active ? el("button", { type: "button", class: "secondary danger", onclick: cancelIncident }, gettext("Cancel incident")) : null,
      !active ? el("button", { type: "button", class: "secondary", onclick: reopen }, gettext("Reopen")) : null),
    el("form", { class: "note-form", onsubmit: addNote },
      el("input", { id: "note-text", maxlength: "2000", placeholder: gettext("Add a note (Alt+M)"), "aria-label": gettext("Note") }),
      el("button", { type: "submit", class: "small" }, gettext("Add"))),
    relawan.length ? el("h3", {}, gettext("Relawan nearby")) : null,
    relawan.length ? el("form", { class: "relawan-form", onsubmit: activateRelawan },
      relawan.map((r) => el("label", { class: "agency-option" },
        r.can_activate ? el("input", { type: "checkbox", name: "relawan", value: r.volunteer.id }) : el("span", { class: "muted" }, "· "),
        ` ${r.volunteer.name}`,
        el("small", { class: "muted" }, ` · ${r.volunteer.kelurahan.name}${r.distance_m !== null && r.distance_m !== undefined ? ` · ${(r.distance_m / 1000).toFixed(1)} km` : ""}`,
          r.activation ? ` · ${r.activation.status}` : r.busy ? ` · ${gettext("busy")}` : !r.available_now ? ` · ${gettext("not available now")}` : ""))),
      el("button", { type: "submit", class: "small" }, gettext("Activate relawan"))) : null,
    cameras.length ? el("h3", {}, gettext("Nearest cameras")) : null,
    cameras.length ? el("ul", { class: "near-cameras" }, cameras.map((c) => el("li", {},
      el("a", { href: `/cctv/cameras/${c.camera.id}/`, target: "_blank", rel: "noopener" }, c.camera.name),
      ` · ${c.distance_m} m`, c.camera.status === "offline" ? el("span", { class: "overdue-mark" }, ` ${gettext("offline")}`) : null))) : null,
    el("h3", {}, gettext("Timeline")),
    el("ol", { class: "timeline" }, [...d.timeline].reverse().map((event) => el("li", {},
      el("time", { datetime: event.created_at }, witaTime(event.created_at)), " ",
      el("span", { class: "actor" }, event.actor || gettext("system")), " ",
      el("span", {}, timelineText(event))))),
  );
}

// Events that add to an incident's timeline without a new version of the incident (a handset's
// AML position attached to one of its calls, a WhatsApp/SMS message): the open detail reloads.
export function onTimelineEvent(event) {
  if (event.incident && event.incident === store.selectedId && /^(aml|message)\./.test(event.kind)) load(event.incident);
}

subscribe(onStore);
