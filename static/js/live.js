// The live stream: resume from the last event seen, apply each event once, reconnect with
// backoff and jitter, and show the connection state in the header.
const indicator = document.getElementById("live-status");
const STATES = {
  live: [gettext("live"), "live"],
  reconnecting: [gettext("reconnecting…"), "reconnecting"],
  offline: [gettext("offline — reloading from the server"), "offline"],
};
// A connection can die without a close (a NAT or proxy forgets it, a laptop sleeps): the socket
// then looks open and hears nothing. A ping unanswered by the next beat means it is gone.
const HEARTBEAT_MS = 20000;

export function connectLive({ startId, onEvent, onReload, onState }) {
  let lastId = startId || 0;
  const seen = new Set();
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let heartbeat = null;

  function show(state) {
    const [label, css] = STATES[state];
    indicator.hidden = false;
    indicator.textContent = `● ${label}`;
    indicator.className = `live-status ${css}`;
    if (onState) onState(state);
  }

  // The page's state from the API: the id it was read at, or 0 when the API cannot answer either
  // (the server is down: that is why we are reloading) — never an unhandled rejection.
  function reloadState() {
    return Promise.resolve().then(onReload).catch(() => 0);
  }

  function resume(ws) {
    ws.send(JSON.stringify({ type: "resume", last_id: lastId }));
  }

  function reconnectLater() {
    show(attempt > 3 ? "offline" : "reconnecting");
    if (attempt > 3) reloadState();
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random());
    attempt += 1;
    setTimeout(open, delay);
  }

  function open() {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/events/`);
    socket = ws;
    let awaitingPong = false;
    // Only the current socket may act: one given up on can still deliver a late close.
    const current = () => socket === ws && !stopped;

    ws.addEventListener("open", () => {
      if (!current()) return;
      resume(ws);
      clearInterval(heartbeat);
      heartbeat = setInterval(() => {
        if (!current()) return;
        if (awaitingPong) { giveUp(ws); return; }
        awaitingPong = true;
        ws.send(JSON.stringify({ type: "ping" }));
      }, HEARTBEAT_MS);
    });
    ws.addEventListener("message", (message) => {
      if (!current()) return;
      awaitingPong = false; // anything heard proves the connection
      let data;
      try { data = JSON.parse(message.data); } catch (error) { return; }
      if (data.type === "resumed") { attempt = 0; show("live"); }
      else if (data.type === "reload") {
        // Too far behind to replay: take the state from the API, then replay from the id that
        // state was read at. Events already applied are applied again, in order, on top of the
        // fresh state (one that arrived before the fetch answered would otherwise be lost).
        reloadState().then((id) => {
          if (!current()) return;
          lastId = id || 0;
          seen.clear();
          if (!id) { ws.close(); return; } // the API failed as well (or has no events yet): start over
          resume(ws);
        });
      } else if (data.type === "event") {
        apply(data);
      } else if (data.type === "events") {
        // Several events in one frame: the server batches what arrives while it is busy.
        (data.events || []).forEach(apply);
      }
    });
    ws.addEventListener("close", (event) => {
      if (!current()) return;
      clearInterval(heartbeat);
      // 4401 session ended, 4403 refused: reconnecting would be refused again; the reload shows
      // the login page or the user's own. Anything else (4503 the server's channel layer failed,
      // a restart, a network drop) comes back with backoff and jitter and resumes from lastId.
      if (event.code === 4401 || event.code === 4403) { show("offline"); location.reload(); return; }
      reconnectLater();
    });
  }

  function apply(event) {
    if (seen.has(event.id)) return; // replays overlap the live stream by design
    seen.add(event.id);
    if (seen.size > 5000) { const oldest = [...seen].slice(0, 2500); oldest.forEach((id) => seen.delete(id)); }
    lastId = Math.max(lastId, event.id);
    onEvent(event);
  }

  function giveUp(ws) {
    // No close will come from a dead connection in good time: drop it and connect afresh.
    clearInterval(heartbeat);
    socket = null;
    try { ws.close(); } catch (error) { /* already closing */ }
    reconnectLater();
  }

  show("reconnecting");
  open();
  return {
    get lastId() { return lastId; },
    stop() { stopped = true; clearInterval(heartbeat); if (socket) socket.close(); },
  };
}
