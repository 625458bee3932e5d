// The live stream: resume from the last event seen, apply each event once, reconnect with
// backoff and jitter, and show the connection state in the header.
const indicator = document.getElementById("live-status");
const STATES = {
  live: [gettext("live"), "live"],
  reconnecting: [gettext("reconnecting…"), "reconnecting"],
  offline: [gettext("offline — reloading from the server"), "offline"],
};

export function connectLive({ startId, onEvent, onReload, onState }) {
  let lastId = startId || 0;
  const seen = new Set();
  let socket = null;
  let attempt = 0;
  let stopped = false;

  function show(state) {
    const [label, css] = STATES[state];
    indicator.hidden = false;
    indicator.textContent = `● ${label}`;
    indicator.className = `live-status ${css}`;
    if (onState) onState(state);
  }

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/events/`);
    socket.addEventListener("open", () => {
      attempt = 0;
      socket.send(JSON.stringify({ type: "resume", last_id: lastId }));
    });
    socket.addEventListener("message", (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch (error) { return; }
      if (data.type === "resumed") show("live");
      else if (data.type === "reload") { onReload().then((id) => { lastId = Math.max(lastId, id || 0); show("live"); }); }
      else if (data.type === "event") {
        if (seen.has(data.id)) return; // replays overlap the live stream by design
        seen.add(data.id);
        if (seen.size > 5000) { const oldest = [...seen].slice(0, 2500); oldest.forEach((id) => seen.delete(id)); }
        lastId = Math.max(lastId, data.id);
        onEvent(data);
      }
    });
    socket.addEventListener("close", (event) => {
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) { show("offline"); location.reload(); return; }
      show(attempt > 3 ? "offline" : "reconnecting");
      if (attempt > 3) onReload();
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random());
      attempt += 1;
      setTimeout(open, delay);
    });
  }

  show("reconnecting");
  open();
  return {
    get lastId() { return lastId; },
    stop() { stopped = true; if (socket) socket.close(); },
  };
}
