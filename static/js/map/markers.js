// Marker icons: incidents coloured by priority, shaped and badged by status, overdue ones ringed;
// cameras by health, with a wedge showing where they look. Plain HTML icons (no image files), so
// they render the same with or without map tiles.
const STATUS_GLYPHS = { new: "!", dispatched: "…", acknowledged: "✓", en_route: "➜", on_scene: "■" };

function escapeText(text) {
  const div = document.createElement("div");
  div.textContent = text;
  return div.innerHTML;
}

export function incidentIcon(incident, { late, waiting, selected, approximate }) {
  const classes = ["inc-marker", `p${incident.priority}`, `st-${incident.status}`];
  if (late) classes.push("overdue");
  else if (waiting) classes.push("waiting");
  if (selected) classes.push("selected");
  if (approximate) classes.push("approx");
  const badge = late || waiting ? '<span class="inc-badge" aria-hidden="true">!</span>' : "";
  const glyph = STATUS_GLYPHS[incident.status] || "";
  return L.divIcon({
    className: "",
    html: `<span class="${classes.join(" ")}" data-incident="${Number(incident.id)}"><span class="inc-body"><span class="inc-glyph">${escapeText(glyph)}</span></span>${badge}</span>`,
    iconSize: [30, 30],
    iconAnchor: [15, 15],
    tooltipAnchor: [0, -16],
  });
}

export function cameraIcon(camera, { selected } = {}) {
  const classes = ["cam-marker", camera.status];
  if (selected) classes.push("selected");
  const wedge = camera.bearing === null || camera.bearing === undefined
    ? ""
    // A class per compass direction, not a style attribute: the pages' CSP allows no inline style.
    : `<span class="cam-wedge bearing-${(Math.round(Number(camera.bearing) / 45) * 45) % 360}"></span>`;
  return L.divIcon({
    className: "",
    html: `<span class="${classes.join(" ")}" data-camera="${Number(camera.id)}" data-status="${escapeText(camera.status)}">${wedge}<span class="cam-body"></span></span>`,
    iconSize: [22, 22],
    iconAnchor: [11, 11],
    tooltipAnchor: [0, -12],
  });
}
