// The map's side panel: the tallies, what is late, filters, the chosen incident and its nearest
// cameras, and the cameras offline too long.
import { get } from "../api.js";
import { addToWall } from "../cctv/wallapi.js";
import { el, elapsed, isOverdue, witaTime } from "../format.js";
import { cameraOfflineSeconds, config, isLate, isWaiting, lateAssignments, point, secondsLate, select, store } from "./store.js";

const $ = (id) => document.getElementById(id);
const filters = {
  status: $("filter-status"),
  category: $("filter-category"),
  kecamatan: $("filter-kecamatan"),
  agency: $("filter-agency"),
  overdue: $("filter-overdue"),
};
const english = (config.language || "id").startsWith("en");
const kecamatanOf = new Map(config.kelurahan.map((k) => [k.id, k.kecamatan_id]));
const nearby = { incidentId: null, key: null, results: null, error: null, radius: config.nearest_radius_m };
const onWall = new Set();
let focusHandler = () => {};

export function onFocus(handler) { focusHandler = handler; }

export function categoryName(incident) {
  return english ? incident.category.name_en : incident.category.name_id;
}

function duration(seconds) {
  return elapsed(new Date(Date.now() - seconds * 1000).toISOString());
}

export function fillFilters() {
  for (const [value, label] of Object.entries(config.statuses)) {
    if (!["resolved", "closed", "cancelled"].includes(value)) filters.status.append(el("option", { value }, label));
  }
  config.categories.forEach((c) => filters.category.append(el("option", { value: c.id }, c.name)));
  const kecamatan = new Map(config.kelurahan.map((k) => [k.kecamatan_id, k.kecamatan]));
  [...kecamatan].sort((a, b) => a[1].localeCompare(b[1])).forEach(([id, name]) => filters.kecamatan.append(el("option", { value: id }, name)));
  config.agencies.forEach((a) => filters.agency.append(el("option", { value: a.id }, a.name)));
}

export function onFilterChange(callback) {
  Object.values(filters).forEach((f) => f.addEventListener("change", callback));
}

// The console's filters, applied to markers and to the late list.
export function visible(incident, now = Date.now()) {
  if (filters.status.value && incident.status !== filters.status.value) return false;
  if (filters.category.value && String(incident.category.id) !== filters.category.value) return false;
  if (filters.kecamatan.value && String(incident.kelurahan?.kecamatan_id ?? kecamatanOf.get(incident.kelurahan?.id)) !== filters.kecamatan.value) return false;
  if (filters.agency.value && !incident.assignments.some((a) => String(a.agency.id) === filters.agency.value)) return false;
  if (filters.overdue.checked && !isLate(incident, now) && !isWaiting(incident, now)) return false;
  return true;
}

function place(incident) {
  return incident.kelurahan ? `${incident.kelurahan.name} · ${incident.kelurahan.kecamatan}` : gettext("kelurahan unknown");
}

function renderTallies(now) {
  const incidents = [...store.incidents.values()];
  const late = incidents.filter((i) => isLate(i, now)).length;
  const waiting = incidents.filter((i) => isWaiting(i, now)).length;
  const cameras = [...store.cameras.values()];
  const online = cameras.filter((c) => c.status === "online").length;
  $("count-late").textContent = late;
  $("count-waiting").textContent = waiting;
  $("count-active").textContent = incidents.length;
  $("count-cams").textContent = `${online}/${cameras.length}`;
  $("tally-late").classList.toggle("alarm", late > 0);
  $("tally-waiting").classList.toggle("alarm", waiting > 0);
  $("tally-cams").classList.toggle("alarm", cameras.some((c) => c.status === "offline"));
}

function renderLate(now) {
  const late = [...store.incidents.values()].filter((i) => isLate(i, now) || isWaiting(i, now));
  const shown = late.filter((i) => visible(i, now)).sort((a, b) => a.priority - b.priority || secondsLate(b, now) - secondsLate(a, now));
  $("late-list").replaceChildren(...shown.map((incident) => {
    const agencies = lateAssignments(incident, now).map((a) => a.agency.code.toUpperCase());
    const what = agencies.length
      ? interpolate(gettext("%s not acknowledged"), [agencies.join(", ")])
      : gettext("not dispatched yet");
    return el("li", {},
      el("button", { type: "button", class: `late-item p${incident.priority}${incident.id === store.selectedId ? " selected" : ""}`, dataset: { id: incident.id }, onclick: () => focusHandler(incident.id) },
        el("span", { class: `prio p${incident.priority}` }, `P${incident.priority}`),
        el("span", { class: "late-main" },
          el("strong", {}, categoryName(incident)), " · ", place(incident),
          el("span", { class: "late-why" }, what, pointNote(incident))),
        el("span", { class: "late-by", title: gettext("late by") }, `+${duration(secondsLate(incident, now))}`)));
  }));
  $("late-empty").hidden = late.length > 0;
  const hidden = late.length - shown.length;
  $("late-hidden").hidden = hidden === 0;
  $("late-hidden").textContent = interpolate(ngettext("%s late incident is hidden by the filters.", "%s late incidents are hidden by the filters.", hidden), [hidden]);
}

function renderOffline(now) {
  const threshold = config.offline_alert_minutes * 60;
  const rows = [...store.cameras.values()].filter((c) => cameraOfflineSeconds(c, now) > threshold)
    .sort((a, b) => cameraOfflineSeconds(b, now) - cameraOfflineSeconds(a, now));
  $("offline-list").replaceChildren(...rows.map((camera) => el("li", {},
    el("button", { type: "button", class: "offline-item", dataset: { camera: camera.id }, onclick: () => focusHandler(null, camera.id) },
      el("span", { class: "status-dot offline" }), " ",
      el("strong", {}, camera.name), " ",
      el("span", { class: "muted" }, interpolate(gettext("offline for %s"), [duration(cameraOfflineSeconds(camera, now))])),
      camera.last_error ? el("span", { class: "offline-why" }, camera.last_error) : null))));
  $("offline-empty").hidden = rows.length > 0;
}

// --- the chosen incident ----------------------------------------------------------------------

async function loadNearby(incident) {
  const at = point(incident);
  const key = at ? at.join(",") : null;
  if (nearby.incidentId === incident.id && nearby.key === key) return;
  Object.assign(nearby, { incidentId: incident.id, key, results: null, error: null });
  thumbs.clear();
  if (!at) { nearby.results = []; renderDetail(); return; }
  const url = `${config.urls.nearest}?latitude=${at[0]}&longitude=${at[1]}&radius=${nearby.radius}&limit=8`;
  const { ok, data } = await get(url);
  if (nearby.incidentId !== incident.id || nearby.key !== key) return;
  if (ok) nearby.results = data.results; else nearby.error = data.detail;
  renderDetail();
}

async function putOnWall(cameraIds, button) {
  button.disabled = true;
  const { ok, data } = await addToWall(config.urls.wall_add, cameraIds);
  button.disabled = false;
  if (ok) {
    cameraIds.forEach((id) => onWall.add(id));
    showWallMessage(interpolate(ngettext("%s camera is now first on the wall.", "%s cameras are now first on the wall.", cameraIds.length), [cameraIds.length]), false);
  } else showWallMessage(data.detail, true);
  renderDetail();
}

let wallMessage = null;
function showWallMessage(text, error) { wallMessage = { text, error }; }

// One still per camera while an incident stays chosen: re-rendering the panel moves the same
// image element instead of asking the camera again.
const thumbs = new Map();
function thumb(camera) {
  const key = `${nearby.incidentId}:${camera.id}:${camera.status}`;
  if (!thumbs.has(key)) {
    const still = camera.feed.frame && camera.status !== "offline";
    const none = (text) => el("span", { class: "near-thumb none" }, text);
    thumbs.set(key, still
      ? el("img", { class: "near-thumb", src: `${camera.feed.frame}?t=${Date.now()}`, alt: "", onerror: (event) => { const n = none(gettext("no picture")); thumbs.set(key, n); event.target.replaceWith(n); } })
      : none(camera.status === "offline" ? gettext("offline") : camera.feed_kind.toUpperCase()));
  }
  return thumbs.get(key);
}

function cameraRow(result) {
  const camera = store.cameras.get(result.camera.id) || result.camera;
  return el("li", { class: `near-camera ${camera.status}`, dataset: { camera: camera.id } },
    thumb(camera),
    el("span", { class: "near-main" },
      el("span", { class: `status-dot ${camera.status}`, title: config.camera_statuses[camera.status] }), " ",
      el("a", { href: `/cctv/cameras/${camera.id}/`, target: "d112-camera" }, camera.name),
      el("span", { class: "near-sub" }, `${result.distance_m} m · ${config.camera_statuses[camera.status]}`)),
    el("button", {
      type: "button", class: "small secondary wall-add", title: gettext("Put this camera first on the CCTV wall"),
      onclick: (event) => putOnWall([camera.id], event.currentTarget),
    }, onWall.has(camera.id) ? gettext("On the wall ✓") : gettext("To the wall")));
}

// Without a point of its own an incident's marker stands at its kelurahan's centre (main.js).
function pointNote(incident) {
  if (point(incident)) return null;
  return ` · ${incident.kelurahan ? gettext("approximate: kelurahan centre") : gettext("no point on the map")}`;
}

function renderNearby(incident) {
  const section = el("div", { class: "nearby" },
    el("h3", {}, interpolate(gettext("Cameras within %s m"), [nearby.radius])));
  if (!point(incident)) section.append(el("p", { class: "muted small" }, gettext("This incident has no point on the map.")));
  else if (nearby.error) section.append(el("p", { class: "form-banner error" }, nearby.error));
  else if (nearby.results === null) section.append(el("p", { class: "muted small" }, gettext("Looking for cameras…")));
  else if (!nearby.results.length) section.append(el("p", { class: "muted small" }, gettext("No camera within this radius.")));
  else {
    section.append(el("ul", { class: "near-list", id: "near-list" }, nearby.results.map(cameraRow)));
    const ids = nearby.results.map((r) => r.camera.id);
    section.append(el("div", { class: "near-actions" },
      el("button", { type: "button", class: "small", id: "all-to-wall", onclick: (event) => putOnWall(ids, event.currentTarget) },
        interpolate(ngettext("Put %s camera on the wall", "Put all %s cameras on the wall", ids.length), [ids.length])),
      el("a", { href: config.urls.wall, target: "d112-wall", class: "small-link" }, `${gettext("Open the wall")} ↗`)));
  }
  if (wallMessage) section.append(el("p", { class: `form-banner ${wallMessage.error ? "error" : "ok"}`, role: "status" }, wallMessage.text));
  return section;
}

export function renderDetail() {
  const pane = $("incident-detail");
  const incident = store.incidents.get(store.selectedId);
  if (!incident) { pane.hidden = true; pane.replaceChildren(); return; }
  const now = Date.now();
  const late = isLate(incident, now);
  const waiting = isWaiting(incident, now);
  pane.hidden = false;
  const assignments = incident.assignments.map((a) => {
    const overdue = isOverdue(a, incident.priority, config.ack_targets, now);
    return el("tr", { class: overdue ? "overdue" : "" },
      el("td", {}, el("span", { class: `chip a-${a.status}${overdue ? " late" : ""}` }, a.agency.code)),
      el("td", {}, config.assignment_statuses[a.status]),
      el("td", { class: "age" }, a.acknowledged_at ? witaTime(a.acknowledged_at) : interpolate(gettext("%s since notified"), [elapsed(a.notified_at)])));
  });
  pane.replaceChildren(...[
    el("header", { class: "detail-head" },
      el("span", { class: `prio p${incident.priority}` }, `P${incident.priority}`),
      el("span", { class: `status s-${incident.status}` }, config.statuses[incident.status]),
      el("span", { class: "detail-ref" }, incident.reference),
      el("button", { type: "button", class: "close-detail", "aria-label": gettext("Close"), title: gettext("Close"), onclick: () => select(null) }, "×")),
    el("div", { class: "detail-cat" }, el("span", { class: "cat-dot", style: { background: incident.category.colour } }), " ", categoryName(incident)),
    late ? el("p", { class: "late-banner" }, interpolate(gettext("Overdue: %s has not acknowledged in time."), [lateAssignments(incident, now).map((a) => a.agency.name).join(", ")])) : null,
    waiting ? el("p", { class: "late-banner waiting" }, interpolate(gettext("Not dispatched after %s."), [elapsed(incident.created_at)])) : null,
    el("dl", { class: "facts" },
      el("dt", {}, gettext("Place")), el("dd", {}, place(incident)),
      incident.address || incident.landmark ? [el("dt", {}, gettext("Address")), el("dd", {}, [incident.address, incident.landmark].filter(Boolean).join(" · "))] : null,
      el("dt", {}, gettext("Created")), el("dd", {}, `${witaTime(incident.created_at)} · ${elapsed(incident.created_at)}`),
      incident.call_count > 1 ? [el("dt", {}, gettext("Calls")), el("dd", {}, String(incident.call_count))] : null,
      incident.description ? [el("dt", {}, gettext("What happened")), el("dd", { class: "pre clamp" }, incident.description)] : null),
    el("h3", {}, gettext("Agencies")),
    incident.assignments.length
      ? el("table", { class: "assignments" }, el("tbody", {}, assignments))
      : el("p", { class: "muted small" }, gettext("no agency yet")),
    renderNearby(incident)].filter(Boolean));
  loadNearby(incident);
}

export function renderPanel() {
  const now = Date.now();
  renderTallies(now);
  renderLate(now);
  renderOffline(now);
  if (store.selectedId !== nearby.incidentId) wallMessage = null;
  renderDetail();
}
