// The supervisors' live map: active incidents and cameras on Leaflet, kept current by the live
// stream (and by the API whenever the stream is down).
import { BACKGROUND, get, getInBackground } from "../api.js";
import { leafletText } from "../format.js";
import { connectLive } from "../live.js";
import { cameraIcon, incidentIcon } from "./markers.js";
import { categoryName, fillFilters, onFilterChange, onFocus, renderPanel, visible } from "./panel.js";
import {
  applyCamera, applyIncident, config, isLate, isWaiting, notify, point, replaceCameras, replaceIncidents, select, store, subscribe,
} from "./store.js";

const [[south, west], [north, east]] = config.map.bounds;
const map = L.map("live-map", { zoomControl: true, attributionControl: true, preferCanvas: false, minZoom: 9 });
map.fitBounds([[south, west], [north, east]], { padding: [10, 10] });
map.setMaxBounds(L.latLngBounds([[south, west], [north, east]]).pad(0.5));
map.attributionControl.setPrefix(false);

// --- layers ---------------------------------------------------------------------------------------
const incidentLayer = L.layerGroup().addTo(map);
const cameraLayer = L.layerGroup().addTo(map);
const kelurahanLayer = L.layerGroup();
const incidentMarkers = new Map();
const cameraMarkers = new Map();
const kelurahanPoints = new Map(config.kelurahan.filter((k) => k.lat !== null).map((k) => [k.id, [k.lat, k.lon]]));

const layerToggles = {
  incidents: [document.getElementById("layer-incidents"), incidentLayer],
  cameras: [document.getElementById("layer-cameras"), cameraLayer],
  kelurahan: [document.getElementById("layer-kelurahan"), kelurahanLayer],
};
const kelurahanToggle = layerToggles.kelurahan[0];
function toggleLayers() {
  for (const [box, layer] of Object.values(layerToggles)) {
    if (box.checked && !map.hasLayer(layer)) layer.addTo(map);
    if (!box.checked && map.hasLayer(layer)) map.removeLayer(layer);
  }
}
Object.values(layerToggles).forEach(([box]) => box.addEventListener("change", () => { box.dataset.touched = "1"; toggleLayers(); }));

function buildKelurahanLayer() {
  const byKecamatan = new Map();
  for (const k of config.kelurahan) {
    if (k.lat === null) continue;
    L.circleMarker([k.lat, k.lon], { radius: 3, weight: 1, color: "#56606b", fillColor: "#8a96a3", fillOpacity: 0.8, interactive: true })
      .bindTooltip(leafletText(`${k.name} · ${k.kecamatan}`), { direction: "top" })
      .addTo(kelurahanLayer);
    const group = byKecamatan.get(k.kecamatan) || [];
    group.push([k.lat, k.lon]);
    byKecamatan.set(k.kecamatan, group);
  }
  // Kecamatan names at the middle of their kelurahan points: bearings when there are no tiles.
  for (const [name, points] of byKecamatan) {
    const lat = points.reduce((s, p) => s + p[0], 0) / points.length;
    const lon = points.reduce((s, p) => s + p[1], 0) / points.length;
    L.marker([lat, lon], { interactive: false, keyboard: false, icon: L.divIcon({ className: "", html: `<span class="area-label"></span>`, iconSize: [0, 0] }) })
      .on("add", (event) => { event.target.getElement().querySelector(".area-label").textContent = name; })
      .addTo(kelurahanLayer);
  }
}

// --- tiles, and what happens without them -------------------------------------------------------
const tilesNotice = document.getElementById("tiles-notice");
let tilesLoaded = 0;
let tilesFailed = 0;
const tiles = L.tileLayer(config.map.tiles.url, { attribution: config.map.tiles.attribution, maxZoom: config.map.tiles.maxZoom });
tiles.on("tileload", () => { tilesLoaded += 1; tilesNotice.hidden = true; });
tiles.on("tileerror", () => { tilesFailed += 1; });
tiles.addTo(map);
setTimeout(() => {
  if (tilesLoaded === 0) {
    // No tiles (offline center, tile server down): say so, and show the area names for bearings.
    tilesNotice.hidden = false;
    document.getElementById("live-map").classList.add("no-tiles");
    if (!kelurahanToggle.dataset.touched) { kelurahanToggle.checked = true; toggleLayers(); }
  }
}, 4000);

// --- markers ----------------------------------------------------------------------------------------
function incidentPosition(incident) {
  const exact = point(incident);
  if (exact) return { at: exact, approximate: false };
  const centroid = incident.kelurahan && kelurahanPoints.get(incident.kelurahan.id);
  return centroid ? { at: centroid, approximate: true } : null;
}

function tooltipFor(incident, approximate) {
  return `${incident.reference.replace(/^112-[A-Z]+-/, "")} · ${categoryName(incident)} · ${config.statuses[incident.status]}${approximate ? ` · ${gettext("approximate: kelurahan centre")}` : ""}`;
}

function syncIncidents() {
  const now = Date.now();
  const seen = new Set();
  for (const incident of store.incidents.values()) {
    const position = incidentPosition(incident);
    if (!position || !visible(incident, now)) continue;
    seen.add(incident.id);
    const late = isLate(incident, now);
    const waiting = isWaiting(incident, now);
    const selected = incident.id === store.selectedId;
    const key = [incident.version, incident.status, late, waiting, selected, position.at.join(",")].join("|");
    let marker = incidentMarkers.get(incident.id);
    if (!marker) {
      marker = L.marker(position.at, { keyboard: true, riseOnHover: true, title: incident.reference })
        .on("click", () => focusIncident(incident.id, false));
      marker.bindTooltip("", { direction: "top" });
      marker.addTo(incidentLayer);
      incidentMarkers.set(incident.id, marker);
    }
    if (marker.options.key !== key) {
      marker.options.key = key;
      marker.setLatLng(position.at);
      marker.setIcon(incidentIcon(incident, { late, waiting, selected, approximate: position.approximate }));
      // Late ones on top, then by priority.
      marker.setZIndexOffset((late || waiting ? 10000 : 0) + (5 - incident.priority) * 1000 + (selected ? 20000 : 0));
      marker.setTooltipContent(leafletText(tooltipFor(incident, position.approximate)));
    }
  }
  for (const [id, marker] of incidentMarkers) {
    if (!seen.has(id)) { incidentLayer.removeLayer(marker); incidentMarkers.delete(id); }
  }
}

function syncCameras() {
  const seen = new Set();
  for (const camera of store.cameras.values()) {
    const at = point(camera);
    if (!at) continue;
    seen.add(camera.id);
    const key = [camera.status, camera.bearing, at.join(","), camera.name].join("|");
    let marker = cameraMarkers.get(camera.id);
    if (!marker) {
      marker = L.marker(at, { keyboard: false, title: camera.name, zIndexOffset: -1000 }).bindTooltip("", { direction: "top" });
      marker.on("click", () => window.open(`/cctv/cameras/${camera.id}/`, "d112-camera"));
      marker.addTo(cameraLayer);
      cameraMarkers.set(camera.id, marker);
    }
    if (marker.options.key !== key) {
      marker.options.key = key;
      marker.setLatLng(at);
      marker.setIcon(cameraIcon(camera));
      marker.setTooltipContent(leafletText(`${camera.name} · ${config.camera_statuses[camera.status]}${camera.is_demo ? " · demo" : ""}`));
    }
  }
  for (const [id, marker] of cameraMarkers) {
    if (!seen.has(id)) { cameraLayer.removeLayer(marker); cameraMarkers.delete(id); }
  }
}

function focusIncident(id, pan = true) {
  select(id);
  const incident = store.incidents.get(id);
  const position = incident && incidentPosition(incident);
  if (pan && position) map.panTo(position.at);
}

onFocus((incidentId, cameraId) => {
  if (incidentId) { focusIncident(incidentId); return; }
  const camera = store.cameras.get(cameraId);
  if (camera && point(camera)) {
    map.setView(point(camera), Math.max(map.getZoom(), 15));
    cameraMarkers.get(cameraId)?.openTooltip();
  }
});

function render() {
  syncIncidents();
  syncCameras();
  renderPanel();
}

// --- data --------------------------------------------------------------------------------------------
const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang, ...BACKGROUND };

// Everything from the API; returns the event id to resume the live stream from.
export async function reload() {
  const [incidents, cameras] = await Promise.all([
    fetch("/api/v1/incidents/?status=active&limit=1000", { headers, credentials: "same-origin" }),
    getInBackground(config.urls.cameras),
  ]);
  if (cameras.ok) replaceCameras(cameras.data.results);
  if (!incidents.ok) return 0;
  const data = await incidents.json();
  replaceIncidents(data.results);
  document.dispatchEvent(new CustomEvent("dispatch112:reload"));
  return Number(incidents.headers.get("X-Last-Event-Id") || 0);
}

function onEvent(event) {
  // Other layers (integrations/map_layers.js: units, hazard alerts) listen for every event.
  document.dispatchEvent(new CustomEvent("dispatch112:event", { detail: event }));
  if (event.data && event.data.incident) applyIncident(event.data.incident);
  if (event.kind === "camera.status" || event.kind === "camera.changed") applyCamera(event.data.camera);
  if (event.kind === "camera.registry") reload();
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && store.selectedId) select(null);
});

fillFilters();
onFilterChange(() => render());
buildKelurahanLayer();
toggleLayers();
subscribe(render);
window.dispatch112map = { reload, store, live: false, map };
// The first view: everything active, close enough to tell markers apart (the region's bounds
// reach far into the countryside, where little happens).
function fitToContent() {
  let points = [...store.incidents.values()].map(incidentPosition).filter(Boolean).map((p) => p.at);
  if (!points.length) points = [...store.cameras.values()].map(point).filter(Boolean);
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 15 });
}

reload().then((startId) => {
  fitToContent();
  window.dispatch112map.stream = connectLive({
    startId,
    onEvent,
    onReload: reload,
    onState: (state) => { window.dispatch112map.live = state === "live"; },
  });
  document.getElementById("live-map").dataset.ready = "1";
});
// Whenever the live stream is down, the map is reloaded from the API instead (as the console does).
setInterval(() => { if (!window.dispatch112map.live) reload(); }, 20000);
// Lateness and ages move with time even when nothing is pushed.
setInterval(() => notify(), 15000);
