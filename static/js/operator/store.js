// The console's state: active incidents by id, fed by API fetches and (later) pushed events alike.
const listeners = new Set();
export const store = {
  config: JSON.parse(document.getElementById("console-config").textContent),
  incidents: new Map(),
  selectedId: null,
  lastEventId: 0,
};

const FINISHED = new Set(["resolved", "closed", "cancelled"]);
let scheduled = false;

export function subscribe(listener) { listeners.add(listener); }

function notify() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; listeners.forEach((listener) => listener(store)); });
}

export function applyIncident(snapshot) {
  const current = store.incidents.get(snapshot.id);
  if (current && current.version > snapshot.version) return; // an older snapshot arrived late
  if (FINISHED.has(snapshot.status) && snapshot.id !== store.selectedId) store.incidents.delete(snapshot.id);
  else store.incidents.set(snapshot.id, snapshot);
  notify();
}

export function replaceAll(snapshots) {
  store.incidents = new Map(snapshots.map((s) => [s.id, s]));
  notify();
}

export function select(id) { store.selectedId = id; notify(); }
export function refreshViews() { notify(); }
