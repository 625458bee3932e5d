// The intake form: log a call in seconds, keyboard first; the map click is the only mouse step.
import { get, newKey, post } from "../api.js";
import { Combobox } from "../combobox.js";
import { el, fill, showFieldErrors, witaTime } from "../format.js";
import { applyIncident, select, store } from "./store.js";

const { config } = store;
const form = document.getElementById("intake-form");
const banner = document.getElementById("intake-banner");
const number = document.getElementById("caller_number");
const historyBox = document.getElementById("caller-history");
const duplicatesBox = document.getElementById("duplicates");
const priority = document.getElementById("priority");
const coordsText = document.getElementById("coords-text");
let point = null;
let marker = null;
let map = null;
let candidates = [];
let idempotencyKey = newKey();
let receivedAt = null;
let takenRingId = null;
let submitting = false;
let lastField = null;
let locationlessConfirmed = false;
form.addEventListener("focusin", (event) => { if (event.target.matches("input, select, textarea")) lastField = event.target; });

const categoryCombo = new Combobox(document.getElementById("category-combo"), {
  items: config.categories,
  label: (c) => [el("kbd", {}, c.key || "·"), ` ${c.name}`],
  match: (c, text) => c.key === text || c.name.toLowerCase().includes(text) || c.code.includes(text),
  onChoose: (c) => { priority.value = String(c.priority); lookForDuplicates(); saveDraft(); },
});
// Quick keys first: "k" alone means kebakaran, not every name containing k.
const baseRefresh = categoryCombo.refresh.bind(categoryCombo);
categoryCombo.refresh = () => {
  baseRefresh();
  const text = categoryCombo.input.value.trim().toLowerCase();
  categoryCombo.shown.sort((a, b) => (b.key === text) - (a.key === text));
  categoryCombo.render();
};

const kelurahanCombo = new Combobox(document.getElementById("kelurahan-combo"), {
  items: config.kelurahan,
  label: (k) => [k.name, el("small", { class: "muted" }, ` · ${k.kecamatan} · ${k.code}`)],
  match: (k, text) => k.name.toLowerCase().includes(text) || k.code.startsWith(text) || k.kecamatan.toLowerCase().startsWith(text),
  onChoose: () => { lookForDuplicates(); saveDraft(); },
});

function nearestKelurahan(lat, lon) {
  let best = null;
  let bestDistance = Infinity;
  for (const k of config.kelurahan) {
    if (k.lat === null) continue;
    const dLat = k.lat - lat;
    const dLon = (k.lon - lon) * Math.cos((lat * Math.PI) / 180);
    const distance = dLat * dLat + dLon * dLon;
    if (distance < bestDistance) { bestDistance = distance; best = k; }
  }
  return best;
}

function setupMap() {
  if (!window.L) { coordsText.textContent = gettext("Map unavailable: type the kelurahan and address."); return; }
  const [[south, west], [north, east]] = config.map.bounds;
  map = L.map("intake-map", { zoomControl: true, attributionControl: true, keyboard: false });
  map.fitBounds([[south, west], [north, east]]);
  L.tileLayer(config.map.tiles.url, { attribution: config.map.tiles.attribution, maxZoom: config.map.tiles.maxZoom }).addTo(map);
  // The map click is the one mouse step: give the keyboard back to the field the operator was in.
  map.on("click", (event) => { setPoint(event.latlng.lat, event.latlng.lng); (lastField || number).focus(); });
}

export function setPoint(lat, lon) {
  point = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
  if (map) {
    if (!marker) marker = L.circleMarker([point.lat, point.lon], { radius: 8, color: "#d32f2f", weight: 3, fillOpacity: 0.6 }).addTo(map);
    else marker.setLatLng([point.lat, point.lon]);
  }
  const proposed = nearestKelurahan(point.lat, point.lon);
  coordsText.textContent = `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}` + (proposed ? ` → ${proposed.name} (${gettext("nearest kelurahan centre")})` : "");
  if (proposed && !kelurahanCombo.value) kelurahanCombo.set(proposed);
  lookForDuplicates();
  saveDraft();
}

let historyTimer = null;
number.addEventListener("input", () => {
  if (!receivedAt) receivedAt = new Date().toISOString();
  clearTimeout(historyTimer);
  historyTimer = setTimeout(loadHistory, 250);
});

async function loadHistory() {
  const digits = number.value.replace(/\D/g, "");
  if (digits.length < 9) { historyBox.hidden = true; return; }
  const { ok, data } = await get(`/api/v1/calls/history/?number=${encodeURIComponent(number.value)}`);
  if (!ok) { historyBox.hidden = true; return; }
  const flagged = data.flagged;
  historyBox.className = `caller-history${flagged ? " flagged" : ""}`;
  fill(historyBox,
    flagged ? el("strong", { class: "prank-flag" }, "⚠ ", interpolate(gettext("%s prank calls in 24 hours — still listen: it may be real."), [data.prank_calls_recent])) : null,
    el("div", {}, data.total_calls ? interpolate(gettext("%s earlier calls from this number"), [data.total_calls]) : gettext("First call from this number")),
    el("ul", { class: "history-list" }, data.calls.slice(0, 4).map((c) => el("li", {},
      `${witaTime(c.received_at, true)} · ${config.outcomes[c.outcome]}`, c.incident_reference ? ` · ${c.incident_reference}` : ""))),
  );
  historyBox.hidden = false;
}

let duplicateTimer = null;
function lookForDuplicates() {
  clearTimeout(duplicateTimer);
  duplicateTimer = setTimeout(async () => {
    const params = new URLSearchParams();
    if (categoryCombo.value) params.set("category", categoryCombo.value.id);
    if (kelurahanCombo.value) params.set("kelurahan", kelurahanCombo.value.id);
    if (point) { params.set("latitude", point.lat); params.set("longitude", point.lon); }
    if (!params.has("category") && !params.has("kelurahan")) { showCandidates([]); return; }
    const { ok, data } = await get(`/api/v1/incidents/duplicates/?${params}`);
    showCandidates(ok ? data.results : []);
  }, 200);
}

function showCandidates(results) {
  candidates = results;
  duplicatesBox.hidden = results.length === 0;
  duplicatesBox.replaceChildren(
    el("div", { class: "dup-title" }, gettext("Possibly the same event — link instead of creating:")),
    ...results.map((c, index) => el("button", { type: "button", class: "dup", onclick: () => linkTo(index) },
      el("kbd", {}, `Alt+${index + 1}`), " ", el("strong", {}, c.incident.reference), ` · ${config.language.startsWith("en") ? c.incident.category.name_en : c.incident.category.name_id}`,
      ` · ${c.incident.kelurahan ? c.incident.kelurahan.name : "—"}`,
      c.distance_m !== null ? ` · ${c.distance_m} m` : "", ` · ${c.minutes_ago} ${gettext("min ago")}`)),
  );
}

function callBasics() {
  return {
    caller_number: number.value.trim(),
    caller_name: document.getElementById("caller_name").value.trim(),
    received_at: receivedAt || new Date().toISOString(),
  };
}

async function send(body, successMessage) {
  if (submitting) return null;
  submitting = true;
  banner.hidden = true;
  const { ok, data } = await post("/api/v1/calls/", body, { idempotencyKey });
  submitting = false;
  if (!ok && data.code === "idempotency_key_mismatch" && data.original && data.original.status < 400) {
    // The first send was logged but its answer never arrived, and the form was edited since:
    // show the call that was logged, not an error; the edits belong on the incident now.
    return logged(data.original.body, () => gettext("This call had already been logged before your last changes (its answer was lost). Check the incident and change it there."), "warn");
  }
  if (!ok) {
    const unplaced = showFieldErrors(form, data.fields || {});
    // Name the marked fields by their labels (the server's detail names them by their API keys),
    // and put the cursor in the first one.
    const marked = [...form.querySelectorAll(".has-error")];
    const labels = marked.map((input) => input.closest(".field")?.querySelector(":scope > span, :scope > label")?.textContent.trim()).filter(Boolean);
    const summary = labels.length ? interpolate(gettext("Check the marked fields: %s."), [labels.join(", ")]) : data.detail;
    banner.textContent = summary + (unplaced.length ? ` ${unplaced.join("; ")}` : "");
    banner.className = "form-banner error";
    banner.hidden = false;
    if (marked.length) marked[0].focus();
    return null;
  }
  return logged(data, successMessage);
}

function logged(data, successMessage, tone = "ok") {
  // static/js/intake/console.js ties the call to its PBX call and the caller's AML position.
  document.dispatchEvent(new CustomEvent("intake:call-logged", { detail: { call: data, ringId: takenRingId } }));
  reset();
  banner.textContent = successMessage(data);
  banner.className = `form-banner ${tone}`;
  banner.hidden = false;
  if (data.incident_detail) { applyIncident(data.incident_detail); select(data.incident_detail.id); }
  return data;
}

export function closeAs(outcome) {
  return send({ ...callBasics(), outcome }, () => interpolate(gettext("Call logged as %s."), [config.outcomes[outcome]]));
}

export function linkTo(index) {
  const candidate = candidates[index];
  if (!candidate) return null;
  return send({ ...callBasics(), outcome: "duplicate", link_to: candidate.incident.id, notes: document.getElementById("description").value },
    () => interpolate(gettext("Call linked to %s."), [candidate.incident.reference]));
}

async function submitIncident() {
  const incident = {
    category: categoryCombo.value ? categoryCombo.value.id : null,
    priority: Number(priority.value),
    kelurahan: kelurahanCombo.value ? kelurahanCombo.value.id : null,
    address: document.getElementById("address").value,
    landmark: document.getElementById("landmark").value,
    description: document.getElementById("description").value,
  };
  if (point) { incident.latitude = point.lat.toFixed(6); incident.longitude = point.lon.toFixed(6); }
  if (!incident.category) {
    showFieldErrors(form, { category: [gettext("Choose a category (type its key, e.g. k for fire).")] });
    categoryCombo.input.focus();
    return null;
  }
  // An incident with no location at all can happen (a caller who cannot say where) but should
  // never happen by an Enter pressed too early: the first Enter asks, the second creates it.
  const located = incident.kelurahan || point || incident.address.trim() || incident.landmark.trim();
  if (!located && !locationlessConfirmed) {
    locationlessConfirmed = true;
    banner.textContent = gettext("No location yet (kelurahan, address, landmark or a point on the map). Press Enter again to create the incident without one.");
    banner.className = "form-banner warn";
    banner.hidden = false;
    return null;
  }
  const result = await send({ ...callBasics(), outcome: "emergency", incident },
    (data) => interpolate(gettext("Incident %s created. Alt+D dispatches to the checked agencies."), [data.incident_reference]));
  return result;
}

// Calls ringing at the PBX (pushed as call.ringing); Alt+C takes the oldest one.
const rings = new Map();
const ringingBox = document.getElementById("ringing");

function renderRings() {
  const waiting = [...rings.values()].sort((a, b) => a.id - b.id);
  ringingBox.hidden = waiting.length === 0;
  ringingBox.replaceChildren(...waiting.map((ring) => el("button", { type: "button", class: "ring", onclick: () => takeRing(ring.id) },
    "📞 ", el("strong", {}, ring.data.caller_number || gettext("no number (no SIM card?)")),
    ring.data.line ? ` · ${gettext("line")} ${ring.data.line}` : "", ` · ${witaTime(ring.at)} · `, el("kbd", {}, "Alt+C"), ` ${gettext("take")}`)));
}

export function onRingEvent(event) {
  if (event.kind === "call.ringing") {
    if (Date.now() - new Date(event.at).getTime() < 120000) rings.set(event.id, event);
  } else if (event.kind === "call.taken" || event.data.ring_id) rings.delete(event.data.ring_id);
  renderRings();
}

export async function takeRing(id) {
  const ring = id ? rings.get(id) : [...rings.values()].sort((a, b) => a.id - b.id)[0];
  if (!ring) return false;
  const { ok, data } = await post(`/api/v1/telephony/rings/${ring.id}/take/`, {});
  rings.delete(ring.id);
  renderRings();
  if (!ok) { banner.textContent = data.detail; banner.className = "form-banner error"; banner.hidden = false; return true; }
  reset();
  number.value = ring.data.caller_number || "";
  receivedAt = ring.at;
  takenRingId = ring.id;
  document.dispatchEvent(new CustomEvent("intake:number-changed"));
  loadHistory();
  document.getElementById("caller_name").focus();
  saveDraft();
  return true;
}
setInterval(() => { for (const [id, ring] of rings) if (Date.now() - new Date(ring.at).getTime() > 120000) rings.delete(id); renderRings(); }, 10000);

export function reset() {
  locationlessConfirmed = false;
  form.querySelectorAll("input, textarea").forEach((input) => { input.value = ""; });
  categoryCombo.set(null);
  kelurahanCombo.set(null);
  point = null;
  if (marker) { marker.remove(); marker = null; }
  coordsText.textContent = gettext("No point: click the map");
  historyBox.hidden = true;
  showCandidates([]);
  showFieldErrors(form, {});
  idempotencyKey = newKey();
  receivedAt = null;
  takenRingId = null;
  document.dispatchEvent(new CustomEvent("intake:number-changed"));
  clearDraft();
  number.focus();
}

// --- the draft -------------------------------------------------------------------------------------
// A call being logged survives the end of the session (dispatch112/idle.py; static/js/session.js
// takes the console to the login page and the login brings it back here). sessionStorage: this
// tab only, gone with the tab; written at every change, restored on load, cleared once the call is
// logged or the form cleared. The idempotency key goes with it: a submit retried after the login
// cannot log the call twice.
const DRAFT_KEY = "d112-intake-draft";
const DRAFT_FIELDS = ["caller_number", "caller_name", "address", "landmark", "description"];

function saveDraft() {
  const fields = Object.fromEntries(DRAFT_FIELDS.map((id) => [id, document.getElementById(id).value]));
  const draft = {
    fields,
    priority: priority.value,
    category: categoryCombo.value ? categoryCombo.value.id : null,
    kelurahan: kelurahanCombo.value ? kelurahanCombo.value.id : null,
    point,
    receivedAt,
    takenRingId,
    idempotencyKey,
  };
  const empty = Object.values(fields).every((value) => !value.trim()) && !draft.category && !draft.kelurahan && !point;
  try {
    if (empty) sessionStorage.removeItem(DRAFT_KEY);
    else sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch (error) { /* storage disabled or full: the form still works, without a draft */ }
}

function clearDraft() {
  try { sessionStorage.removeItem(DRAFT_KEY); } catch (error) { /* storage disabled */ }
}

function restoreDraft() {
  let draft = null;
  try { draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null"); } catch (error) { draft = null; }
  if (!draft || typeof draft !== "object" || typeof draft.fields !== "object" || draft.fields === null) return;
  for (const id of DRAFT_FIELDS) if (typeof draft.fields[id] === "string") document.getElementById(id).value = draft.fields[id];
  categoryCombo.set(config.categories.find((c) => c.id === draft.category) || null);
  kelurahanCombo.set(config.kelurahan.find((k) => k.id === draft.kelurahan) || null);
  if ([...priority.options].some((option) => option.value === draft.priority)) priority.value = draft.priority;
  receivedAt = typeof draft.receivedAt === "string" ? draft.receivedAt : null;
  takenRingId = Number.isInteger(draft.takenRingId) ? draft.takenRingId : null;
  if (typeof draft.idempotencyKey === "string" && draft.idempotencyKey) idempotencyKey = draft.idempotencyKey;
  if (draft.point && Number.isFinite(draft.point.lat) && Number.isFinite(draft.point.lon)) setPoint(draft.point.lat, draft.point.lon);
  else lookForDuplicates();
  if (number.value) { loadHistory(); document.dispatchEvent(new CustomEvent("intake:number-changed")); }
  banner.textContent = gettext("The call you were logging is back: check it and submit.");
  banner.className = "form-banner ok";
  banner.hidden = false;
}

form.addEventListener("submit", (event) => { event.preventDefault(); submitIncident(); });
document.getElementById("intake-reset").addEventListener("click", () => { reset(); banner.hidden = true; });
form.addEventListener("keydown", (event) => {
  // Enter submits from any field but the description, where it starts a new line: Ctrl+Enter there.
  const inText = event.target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey);
  if (event.key === "Enter" && !inText && event.target.tagName !== "BUTTON" && !event.defaultPrevented) {
    event.preventDefault();
    submitIncident();
  }
});
form.querySelectorAll("[data-outcome]").forEach((button) => button.addEventListener("click", () => closeAs(button.dataset.outcome)));
form.addEventListener("input", saveDraft);
form.addEventListener("change", saveDraft);
setupMap();
restoreDraft();
