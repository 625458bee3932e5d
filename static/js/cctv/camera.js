// One camera in its own window (opened from the map, the wall or the operator console).
import { elapsed, witaTime } from "../format.js";
import { connectLive } from "../live.js";
import { Tile } from "./tile.js";

const config = JSON.parse(document.getElementById("wall-config").textContent);
let camera = config.cameras.find((c) => c.id === config.camera_id);
const tile = new Tile(camera, { statuses: config.camera_statuses, kinds: config.feed_kinds, large: true });
document.getElementById("large-tile").append(tile.element);
const statusLine = document.getElementById("camera-status");
const tryNow = document.getElementById("try-now");
tryNow.addEventListener("click", () => tile.tryNow());

function showStatus() {
  const since = camera.status_changed_at ? ` · ${interpolate(gettext("since %s"), [witaTime(camera.status_changed_at)])} (${elapsed(camera.status_changed_at)})` : "";
  statusLine.textContent = `${config.camera_statuses[camera.status]}${since}${camera.last_error ? ` · ${camera.last_error}` : ""}`;
  statusLine.className = `camera-status ${camera.status}`;
  tryNow.hidden = camera.status !== "offline";
}

function apply(snapshot) {
  if (snapshot.id !== camera.id) return;
  camera = snapshot;
  tile.update(snapshot);
  showStatus();
}

tile.start();
showStatus();
setInterval(() => { tile.render(); }, 1000);
connectLive({
  startId: config.last_event_id || 0,
  onEvent: (event) => { if (event.kind === "camera.status" || event.kind === "camera.changed") apply(event.data.camera); },
  onReload: async () => 0,
});
