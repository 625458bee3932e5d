// The live map's state: active incidents and cameras by id, fed by API fetches and pushed events alike.
import { isOverdue } from "../format.js";

const listeners = new Set();
export const config = JSON.parse(document.getElementById("map-config").textContent);
export const store = {
  incidents: new Map(),
  cameras: new Map(config.cameras.map((c) => [c.id, c])),
  selectedId: null,
};

const FINISHED = new Set(["resolved", "closed", "cancelled"]);
let scheduled = false;

export function subscribe(listener) { listeners.add(listener); }

export function notify() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; listeners.forEach((listener) => listener(store)); });
}

export function applyIncident(snapshot) {
  const current = store.incidents.get(snapshot.id);
  if (current && current.version > snapshot.version) return; // an older snapshot arrived late
  if (FINISHED.has(snapshot.status)) store.incidents.delete(snapshot.id);
  else store.incidents.set(snapshot.id, snapshot);
  notify();
}

export function replaceIncidents(snapshots) {
  store.incidents = new Map(snapshots.filter((s) => !FINISHED.has(s.status)).map((s) => [s.id, s]));
  notify();
}

export function applyCamera(snapshot) {
  if (!snapshot.active) store.cameras.delete(snapshot.id);
  else store.cameras.set(snapshot.id, snapshot);
  notify();
}

export function replaceCameras(snapshots) {
  store.cameras = new Map(snapshots.filter((c) => c.active).map((c) => [c.id, c]));
  notify();
}

export function select(id) { store.selectedId = id; notify(); }

// --- what is late -----------------------------------------------------------------------------

// Assignments not acknowledged within the target for the incident's priority.
export function lateAssignments(incident, now = Date.now()) {
  return incident.assignments.filter((a) => isOverdue(a, incident.priority, config.ack_targets, now));
}

export function isLate(incident, now = Date.now()) {
  return lateAssignments(incident, now).length > 0;
}

// A new incident nobody has dispatched yet, past the dispatch target (NFPA 1225: 60 s).
export function isWaiting(incident, now = Date.now()) {
  return incident.status === "new" && now - new Date(incident.created_at).getTime() > config.dispatch_target_seconds * 1000;
}

// Seconds past the deadline of the latest of an incident's late assignments (or of dispatch).
export function secondsLate(incident, now = Date.now()) {
  let worst = 0;
  for (const a of lateAssignments(incident, now)) {
    worst = Math.max(worst, (now - new Date(a.notified_at).getTime()) / 1000 - config.ack_targets[incident.priority]);
  }
  if (isWaiting(incident, now)) worst = Math.max(worst, (now - new Date(incident.created_at).getTime()) / 1000 - config.dispatch_target_seconds);
  return Math.round(worst);
}

export function cameraOfflineSeconds(camera, now = Date.now()) {
  if (camera.status !== "offline" || !camera.status_changed_at) return 0;
  return Math.max(0, Math.round((now - new Date(camera.status_changed_at).getTime()) / 1000));
}

export function point(item) {
  const lat = parseFloat(item.latitude);
  const lon = parseFloat(item.longitude);
  return Number.isFinite(lat) && Number.isFinite(lon) ? [lat, lon] : null;
}
