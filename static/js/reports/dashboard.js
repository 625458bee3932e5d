// Reports page: the custom dates appear only for a custom period, and the kecamatan map draws one
// circle per kecamatan, sized by its incidents. Circles need no tiles: without them the map is a
// plain background with the circles and their names.
import { leafletText } from "../format.js";

const gettext = window.gettext || ((text) => text);
const interpolate = window.interpolate || ((format, values) => format.replace(/%\(\w+\)s/g, (m) => values[m.slice(2, -2)]));

function toggleCustomDates() {
  const period = document.getElementById("id_period");
  if (!period) return;
  const custom = period.value === "custom";
  document.querySelectorAll(".report-field.custom-date").forEach((label) => {
    label.hidden = !custom;
    label.querySelector("input").disabled = !custom;
  });
}

function drawMap() {
  const holder = document.getElementById("report-map");
  const source = document.getElementById("report-map-data");
  if (!holder || !source || !window.L) return;
  const data = JSON.parse(source.textContent);
  const map = L.map(holder, { minZoom: 8, attributionControl: true });
  const tiles = data.map.tiles;
  L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.maxZoom }).addTo(map);
  const peak = Math.max(1, ...data.areas.map((area) => area.incidents));
  const bounds = [];
  for (const area of data.areas) {
    const at = [area.latitude, area.longitude];
    bounds.push(at);
    const radius = area.incidents ? 6 + 28 * Math.sqrt(area.incidents / peak) : 3;
    const circle = L.circleMarker(at, {
      radius, weight: 2, color: "#0b5cad", fillColor: area.p1 ? "#c62828" : "#0b5cad", fillOpacity: area.incidents ? 0.45 : 0.1,
      className: "kecamatan-circle",
    }).addTo(map);
    const text = interpolate(gettext("%(name)s: %(count)s incidents (%(p1)s P1)"), { name: area.label, count: area.incidents, p1: area.p1 }, true);
    circle.bindTooltip(leafletText(area.incidents ? `${area.label} · ${area.incidents}` : area.label), { permanent: area.incidents > 0, direction: "top", className: "kecamatan-label" });
    circle.bindPopup(leafletText(text));
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [30, 30] });
  else if (data.map.centre) map.setView(data.map.centre, 11);
  holder.dataset.ready = String(data.areas.length);
}

const period = document.getElementById("id_period");
if (period) period.addEventListener("change", toggleCustomDates);
toggleCustomDates();
drawMap();
