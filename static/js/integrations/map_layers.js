// The live map's integrations layers: units on the move (with the distance to their incident) and
// hazard alerts received from CAP feeds (their areas, and a list). Fed by the same live stream as
// the incidents (main.js re-broadcasts each event as a "dispatch112:event" DOM event) and by the
// API whenever the map reloads.
import { get, getInBackground } from "../api.js";
import { el, leafletText, witaTime } from "../format.js";

const { map, store } = window.dispatch112map;
const unitLayer = L.layerGroup().addTo(map);
const hazardLayer = L.layerGroup().addTo(map);
const units = new Map(); // id → { unit, marker, line }
const alerts = new Map(); // id → { alert, shapes }

// --- the side panel ------------------------------------------------------------------------------
const hazardList = el("ul", { class: "hazard-list", id: "hazard-list" });
const hazardEmpty = el("p", { class: "muted small", id: "hazard-empty" }, gettext("No hazard alert for the region."));
const unitList = el("ul", { class: "unit-list", id: "unit-list" });
const unitEmpty = el("p", { class: "muted small", id: "unit-empty" }, gettext("No unit is sharing its position."));
const anchor = document.getElementById("summary");
anchor.after(
  el("section", { class: "side-section", "aria-labelledby": "hazard-title" }, el("h2", { id: "hazard-title" }, gettext("Hazard alerts (CAP)")), hazardList, hazardEmpty),
  el("section", { class: "side-section", "aria-labelledby": "unit-title" }, el("h2", { id: "unit-title" }, gettext("Units on the way")), unitList, unitEmpty),
);

function distanceText(unit) {
  if (unit.distance_m === null || unit.distance_m === undefined) return "";
  const distance = unit.distance_m >= 1000 ? `${(unit.distance_m / 1000).toFixed(1)} km` : `${unit.distance_m} m`;
  return interpolate(gettext("%s to %s"), [distance, (unit.incident_reference || "").replace(/^112-[A-Z]+-/, "")]);
}

function unitLabel(unit) {
  return [unit.name, unit.agency.code.toUpperCase(), distanceText(unit), witaTime(unit.recorded_at)].filter(Boolean).join(" · ");
}

function incidentPoint(unit) {
  const incident = unit.incident_id && store.incidents.get(unit.incident_id);
  if (!incident || incident.latitude === null) return null;
  return [parseFloat(incident.latitude), parseFloat(incident.longitude)];
}

function unitIcon(unit) {
  const html = `<span class="unit-marker" data-unit="${Number(unit.id)}"></span>`;
  const icon = L.divIcon({ className: "", html, iconSize: [26, 26], iconAnchor: [13, 13], tooltipAnchor: [0, -14] });
  return icon;
}

function placeUnit(unit) {
  const at = [parseFloat(unit.latitude), parseFloat(unit.longitude)];
  let entry = units.get(unit.id);
  if (!entry) {
    const marker = L.marker(at, { icon: unitIcon(unit), zIndexOffset: 5000, title: unit.name }).bindTooltip("", { direction: "top" });
    marker.on("add", () => { marker.getElement().querySelector(".unit-marker").textContent = unit.agency.code.slice(0, 3).toUpperCase(); });
    marker.addTo(unitLayer);
    entry = { marker, line: null };
    units.set(unit.id, entry);
  }
  entry.unit = unit;
  entry.marker.setLatLng(at);
  entry.marker.setTooltipContent(leafletText(unitLabel(unit)));
  const target = incidentPoint(unit);
  if (entry.line) { unitLayer.removeLayer(entry.line); entry.line = null; }
  if (target) entry.line = L.polyline([at, target], { color: "#0b5cad", weight: 2, dashArray: "6 6", interactive: false }).addTo(unitLayer);
}

function removeUnit(id) {
  const entry = units.get(id);
  if (!entry) return;
  unitLayer.removeLayer(entry.marker);
  if (entry.line) unitLayer.removeLayer(entry.line);
  units.delete(id);
}

// The assignment (or its whole incident) ended: a person sharing from the console leaves the map at
// once; a vehicle tracker stays where it is, without its line and distance to the incident.
function unitsFinished(matches) {
  [...units.values()].filter(({ unit }) => matches(unit)).forEach(({ unit }) => {
    if (unit.kind === "vehicle") placeUnit({ ...unit, assignment_id: null, assignment_status: null, incident_id: null, incident_reference: null, distance_m: null });
    else removeUnit(unit.id);
  });
  renderUnits();
}

const ASSIGNMENT_ENDED = new Set(["assignment.completed", "assignment.declined"]);
const INCIDENT_ENDED = new Set(["incident.resolved", "incident.closed", "incident.cancelled"]);

function renderUnits() {
  const rows = [...units.values()].map(({ unit }) => el("li", {
    dataset: { unit: unit.id },
    onclick: () => map.panTo([parseFloat(unit.latitude), parseFloat(unit.longitude)]),
  }, unitLabel(unit)));
  unitList.replaceChildren(...rows);
  unitEmpty.hidden = rows.length > 0;
}

// --- hazard alerts ---------------------------------------------------------------------------------
const SEVERE = new Set(["Extreme", "Severe"]);

function placeAlert(alert) {
  removeAlert(alert.id);
  const colour = SEVERE.has(alert.severity) ? "#b3261e" : "#8a5a00";
  const style = { color: colour, weight: 2, fillOpacity: 0.12, dashArray: "4 4" };
  const title = alert.headline || alert.event;
  const shapes = [
    ...(alert.areas.polygons || []).map((ring) => L.polygon(ring, style)),
    ...(alert.areas.circles || []).map(([lat, lon, km]) => L.circle([lat, lon], { ...style, radius: km * 1000 })),
  ];
  shapes.forEach((shape) => shape.bindTooltip(leafletText(title), { sticky: true }).addTo(hazardLayer));
  alerts.set(alert.id, { alert, shapes });
}

function removeAlert(id) {
  const entry = alerts.get(id);
  if (!entry) return;
  entry.shapes.forEach((shape) => hazardLayer.removeLayer(shape));
  alerts.delete(id);
}

function renderAlerts() {
  const rows = [...alerts.values()].sort((a, b) => b.alert.sent.localeCompare(a.alert.sent)).map(({ alert, shapes }) => el("li", {
    class: `sev-${(alert.severity || "unknown").toLowerCase()}`,
    dataset: { alert: alert.id },
    onclick: () => { if (shapes.length) map.fitBounds(L.featureGroup(shapes).getBounds(), { maxZoom: 14 }); },
  }, el("strong", {}, alert.headline || alert.event), el("br"),
  el("span", { class: "muted" }, `${alert.sender_name || alert.sender} · ${witaTime(alert.sent, true)}`),
  alert.area_desc ? el("div", {}, alert.area_desc.slice(0, 160)) : null));
  hazardList.replaceChildren(...rows);
  hazardEmpty.hidden = rows.length > 0;
}

// --- data ------------------------------------------------------------------------------------------
async function reload() {
  const [unitAnswer, alertAnswer] = await Promise.all([getInBackground("/api/v1/units/"), getInBackground("/api/v1/cap/received/")]);
  if (unitAnswer.ok) {
    const fresh = new Set(unitAnswer.data.results.map((u) => u.id));
    [...units.keys()].filter((id) => !fresh.has(id)).forEach(removeUnit);
    unitAnswer.data.results.forEach(placeUnit);
    renderUnits();
  }
  if (alertAnswer.ok) {
    [...alerts.keys()].forEach(removeAlert);
    alertAnswer.data.results.forEach(placeAlert);
    renderAlerts();
  }
}

document.addEventListener("dispatch112:event", ({ detail: event }) => {
  const data = event.data || {};
  if (event.kind === "unit.position") { placeUnit(data.unit); renderUnits(); }
  else if (event.kind === "unit.stopped") { removeUnit(data.unit.id); renderUnits(); }
  else if (ASSIGNMENT_ENDED.has(event.kind) && data.assignment) unitsFinished((unit) => unit.assignment_id === data.assignment.id);
  else if (INCIDENT_ENDED.has(event.kind) && data.incident) unitsFinished((unit) => unit.incident_id === data.incident.id);
  else if (event.kind === "cap.alert_received" || event.kind === "cap.alert_cancelled") {
    (data.replaces || []).forEach(removeAlert);
    if (event.kind === "cap.alert_received") placeAlert(data.alert);
    renderAlerts();
  }
});
document.addEventListener("dispatch112:reload", reload);
// main.js announces its first load (and every reload) with "dispatch112:reload".
window.dispatch112map.integrations = { reload, units, alerts };
