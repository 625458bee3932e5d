// The CCTV wall: 4, 9 or 16 tiles a page, the person's own choice and order of cameras (saved on
// the server), a large view on click, live camera health from the push stream.
import { get, getInBackground } from "../api.js";
import { el, elapsed } from "../format.js";
import { connectLive } from "../live.js";
import { Tile } from "./tile.js";
import { onLayoutChange, saveLayout } from "./wallapi.js";

const config = JSON.parse(document.getElementById("wall-config").textContent);
const $ = (id) => document.getElementById(id);
const grid = $("wall-grid");
const state = {
  cameras: new Map(config.cameras.map((c) => [c.id, c])),
  layout: config.layout,
  page: 0,
  tiles: new Map(), // camera id → Tile on the current page
  large: null,
  draft: null, // the layout being edited
};
const tileOptions = { statuses: config.camera_statuses, kinds: config.feed_kinds };

function wallCameras() {
  return state.layout.cameras.map((id) => state.cameras.get(id)).filter(Boolean);
}

function pageCount() {
  return Math.max(1, Math.ceil(wallCameras().length / state.layout.tiles_per_page));
}

// --- the grid ------------------------------------------------------------------------------------------
function renderGrid() {
  const perPage = state.layout.tiles_per_page;
  state.page = Math.min(state.page, pageCount() - 1);
  const cameras = wallCameras().slice(state.page * perPage, (state.page + 1) * perPage);
  const wanted = new Set(cameras.map((c) => c.id));
  for (const [id, tile] of state.tiles) {
    if (!wanted.has(id)) { tile.destroy(); state.tiles.delete(id); }
  }
  const elements = cameras.map((camera) => {
    let tile = state.tiles.get(camera.id);
    if (!tile) {
      tile = new Tile(camera, { ...tileOptions, onOpen: openLarge });
      state.tiles.set(camera.id, tile);
      tile.start();
    }
    return tile.element;
  });
  // Empty places keep the grid's shape on the last page.
  while (elements.length < perPage) elements.push(el("div", { class: "tile empty", "aria-hidden": "true" }));
  grid.replaceChildren(...elements);
  grid.className = `wall-grid g${perPage}`;
  $("wall-empty").hidden = wallCameras().length > 0;
  renderBar();
}

function renderBar() {
  $("page-label").textContent = interpolate(gettext("page %(page)s of %(pages)s"), { page: state.page + 1, pages: pageCount() }, true);
  $("page-prev").disabled = pageCount() < 2;
  $("page-next").disabled = pageCount() < 2;
  document.querySelectorAll("[data-tiles]").forEach((button) => {
    button.setAttribute("aria-pressed", String(Number(button.dataset.tiles) === state.layout.tiles_per_page));
  });
  const cameras = [...state.cameras.values()];
  const offline = cameras.filter((c) => c.status === "offline");
  $("wall-summary").textContent = interpolate(gettext("%(online)s online · %(offline)s offline · %(unknown)s not checked yet"), {
    online: cameras.filter((c) => c.status === "online").length,
    offline: offline.length,
    unknown: cameras.filter((c) => c.status === "unknown").length,
  }, true);
  const threshold = config.offline_alert_minutes * 60 * 1000;
  const long = offline.filter((c) => c.status_changed_at && Date.now() - new Date(c.status_changed_at).getTime() > threshold);
  const alert = $("offline-alert");
  alert.hidden = long.length === 0;
  alert.replaceChildren(
    el("strong", {}, interpolate(ngettext("%(n)s camera offline for over %(minutes)s min:", "%(n)s cameras offline for over %(minutes)s min:", long.length), { n: long.length, minutes: config.offline_alert_minutes }, true)), " ",
    ...long.map((c) => el("button", { type: "button", class: "alert-camera", onclick: () => openLarge(c) }, `${c.name} (${elapsed(c.status_changed_at)})`)));
}

function goPage(step) {
  state.page = (state.page + step + pageCount()) % pageCount();
  renderGrid();
}

// --- the large view -------------------------------------------------------------------------------------
const overlay = $("large-view");

function openLarge(camera) {
  closeLarge();
  const tile = new Tile(camera, { ...tileOptions, large: true });
  state.large = tile;
  const c = camera;
  $("large-tile").replaceChildren(tile.element);
  $("large-info").replaceChildren(...[
    el("h2", {}, c.name),
    el("dl", { class: "facts" },
      el("dt", {}, gettext("Code")), el("dd", {}, c.code),
      el("dt", {}, gettext("Location")), el("dd", {}, c.location || "—"),
      el("dt", {}, gettext("Kelurahan")), el("dd", {}, c.kelurahan ? `${c.kelurahan.name} · ${c.kelurahan.kecamatan}` : "—"),
      el("dt", {}, gettext("Feed")), el("dd", {}, config.feed_kinds[c.feed_kind]),
      el("dt", {}, gettext("Faces")), el("dd", {}, c.direction ? config.directions[c.direction] : "—"),
      el("dt", {}, gettext("Status")), el("dd", {}, `${config.camera_statuses[c.status]}${c.status_changed_at ? ` · ${elapsed(c.status_changed_at)}` : ""}`),
      c.last_error ? [el("dt", {}, gettext("Last error")), el("dd", {}, c.last_error)] : null),
    c.status === "offline" ? el("button", { type: "button", class: "secondary", onclick: () => tile.tryNow() }, gettext("Try to show it now")) : null,
    el("p", {}, el("a", { href: `/cctv/cameras/${c.id}/`, target: "_blank" }, `${gettext("Open in its own window")} ↗`))].filter(Boolean));
  overlay.hidden = false;
  tile.start();
  $("large-close").focus();
}

function closeLarge() {
  if (state.large) { state.large.destroy(); state.large = null; }
  overlay.hidden = true;
}

function moveLarge(step) {
  const cameras = wallCameras();
  if (!state.large || !cameras.length) return;
  const index = cameras.findIndex((c) => c.id === state.large.camera.id);
  openLarge(cameras[(index + step + cameras.length) % cameras.length]);
}

// --- choosing cameras ----------------------------------------------------------------------------------------
const editor = $("layout-editor");

function openEditor() {
  state.draft = { ...state.layout, cameras: [...state.layout.cameras] };
  editor.hidden = false;
  $("editor-message").textContent = "";
  renderEditor();
  $("editor-search").focus();
}

function renderEditor() {
  const draft = state.draft;
  const chosen = draft.cameras.map((id) => state.cameras.get(id)).filter(Boolean);
  const text = $("editor-search").value.trim().toLowerCase();
  const others = [...state.cameras.values()]
    .filter((c) => !draft.cameras.includes(c.id))
    .filter((c) => !text || `${c.code} ${c.name} ${c.location} ${c.kelurahan?.name || ""}`.toLowerCase().includes(text));
  const move = (index, step) => {
    const target = index + step;
    if (target < 0 || target >= draft.cameras.length) return;
    [draft.cameras[index], draft.cameras[target]] = [draft.cameras[target], draft.cameras[index]];
    renderEditor();
  };
  $("editor-chosen").replaceChildren(...chosen.map((c, index) => el("li", { dataset: { camera: c.id } },
    el("span", { class: "editor-pos" }, String(index + 1)),
    el("span", { class: `status-dot ${c.status}` }), " ",
    el("span", { class: "editor-name" }, c.name),
    el("button", { type: "button", class: "small secondary", "aria-label": gettext("Move up"), title: gettext("Move up"), onclick: () => move(index, -1) }, "↑"),
    el("button", { type: "button", class: "small secondary", "aria-label": gettext("Move down"), title: gettext("Move down"), onclick: () => move(index, 1) }, "↓"),
    el("button", { type: "button", class: "small secondary danger", "aria-label": gettext("Remove"), title: gettext("Remove"), onclick: () => { draft.cameras.splice(index, 1); renderEditor(); } }, "✕"))));
  $("editor-others").replaceChildren(...others.map((c) => el("li", { dataset: { camera: c.id } },
    el("span", { class: `status-dot ${c.status}` }), " ",
    el("span", { class: "editor-name" }, `${c.name}`), el("span", { class: "muted small" }, ` ${c.code}`),
    el("button", { type: "button", class: "small", onclick: () => { draft.cameras.push(c.id); renderEditor(); } }, gettext("Add")))));
  $("editor-count").textContent = interpolate(ngettext("%s camera on the wall", "%s cameras on the wall", chosen.length), [chosen.length]);
}

async function save(layout) {
  const { ok, status, data } = await saveLayout(config.urls.layout, {
    tiles_per_page: layout.tiles_per_page, cameras: layout.cameras, version: state.layout.version,
  });
  if (ok) { applyLayout(data); return true; }
  if (status === 409 && data.current) {
    applyLayout(data.current);
    $("editor-message").textContent = data.detail;
    return false;
  }
  $("editor-message").textContent = data.detail;
  return false;
}

function applyLayout(layout) {
  if (layout.version < state.layout.version) return;
  state.layout = layout;
  renderGrid();
}

// --- live -----------------------------------------------------------------------------------------------------------
function applyCamera(camera) {
  if (!camera.active) state.cameras.delete(camera.id);
  else state.cameras.set(camera.id, camera);
  const tile = state.tiles.get(camera.id);
  if (tile && camera.active) tile.update(camera);
  if (state.large && state.large.camera.id === camera.id && camera.active) state.large.update(camera);
  if (!camera.active) renderGrid(); else renderBar();
}

async function reload() {
  const [cameras, layout] = await Promise.all([getInBackground(config.urls.cameras), getInBackground(config.urls.layout)]);
  if (cameras.ok) {
    const fresh = new Map(cameras.data.results.map((c) => [c.id, c]));
    state.cameras = fresh;
    for (const [id, tile] of state.tiles) if (fresh.has(id)) tile.update(fresh.get(id));
  }
  if (layout.ok) state.layout = layout.data;
  renderGrid();
  return 0;
}

// --- wiring ------------------------------------------------------------------------------------------------------------
document.querySelectorAll("[data-tiles]").forEach((button) => button.addEventListener("click", async () => {
  const tiles = Number(button.dataset.tiles);
  if (tiles === state.layout.tiles_per_page) return;
  const first = state.page * state.layout.tiles_per_page; // keep the first camera shown in view
  if (await save({ ...state.layout, tiles_per_page: tiles })) {
    state.page = Math.floor(first / tiles);
    renderGrid();
  } else $("wall-message").textContent = $("editor-message").textContent;
}));
$("page-prev").addEventListener("click", () => goPage(-1));
$("page-next").addEventListener("click", () => goPage(1));
$("edit-layout").addEventListener("click", openEditor);
$("editor-search").addEventListener("input", renderEditor);
$("editor-cancel").addEventListener("click", () => { editor.hidden = true; });
$("editor-save").addEventListener("click", async () => { if (await save(state.draft)) editor.hidden = true; });
$("large-close").addEventListener("click", closeLarge);
overlay.addEventListener("click", (event) => { if (event.target === overlay) closeLarge(); });
let cycle = null;
$("cycle").addEventListener("change", (event) => {
  clearInterval(cycle);
  if (event.target.checked) cycle = setInterval(() => { if (!state.large && editor.hidden) goPage(1); }, 20000);
});
document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (event.key === "Escape") { if (!overlay.hidden) closeLarge(); else if (!editor.hidden) editor.hidden = true; return; }
  if (typing) return;
  if (!overlay.hidden && (event.key === "ArrowRight" || event.key === "ArrowLeft")) { moveLarge(event.key === "ArrowRight" ? 1 : -1); return; }
  if (event.key === "ArrowRight" || event.key === "PageDown") goPage(1);
  if (event.key === "ArrowLeft" || event.key === "PageUp") goPage(-1);
});
onLayoutChange((layout) => { if (layout.version > state.layout.version) { state.layout = layout; state.page = 0; renderGrid(); } });
setInterval(() => {
  const now = Date.now();
  state.tiles.forEach((tile) => tile.render(now));
  if (state.large) state.large.render(now);
}, 1000);
setInterval(renderBar, 15000);

renderGrid();
window.dispatch112wall = { reload, state, live: false };
window.dispatch112wall.stream = connectLive({
  startId: config.last_event_id || 0,
  onEvent: (event) => {
    if (event.kind === "camera.status" || event.kind === "camera.changed") applyCamera(event.data.camera);
    if (event.kind === "camera.registry") reload();
  },
  onReload: reload,
  onState: (live) => { window.dispatch112wall.live = live === "live"; },
});
setInterval(() => { if (!window.dispatch112wall.live) reload(); }, 20000);
