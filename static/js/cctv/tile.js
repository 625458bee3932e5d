// One camera tile: the live picture for its kind of feed, its name, status and the age of the
// last frame. A camera that is offline shows as offline, never as a broken image: pictures are
// fetched first and only shown once they have arrived.
import { el, elapsed, witaTime } from "../format.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";
const STALE_AFTER_SECONDS = 30;

function seconds(ms) { return Math.max(0, Math.round(ms / 1000)); }

export function ageText(fromMs, now = Date.now()) {
  if (!fromMs) return "—";
  return elapsed(new Date(fromMs).toISOString(), new Date(now).toISOString());
}

export class Tile {
  constructor(camera, { statuses, kinds, large = false, onOpen = null } = {}) {
    this.camera = camera;
    this.statuses = statuses;
    this.kinds = kinds;
    this.large = large;
    this.lastFrameAt = null;
    this.failures = 0;
    this.problem = "";
    this.timer = null;
    this.inFlight = null;
    this.objectUrl = null;
    this.running = false;

    this.picture = el("img", { class: "tile-picture", alt: "", hidden: true });
    this.video = null;
    this.panel = el("div", { class: "tile-panel", hidden: true });
    this.name = el("span", { class: "tile-name" });
    this.status = el("span", { class: "tile-status" });
    this.age = el("span", { class: "tile-age", title: gettext("Age of the last frame") });
    this.demo = el("span", { class: "tile-demo", hidden: true }, "DEMO");
    this.media = el("div", { class: "tile-media" }, this.picture, this.panel);
    this.element = el("figure", { class: "tile", tabindex: onOpen ? "0" : null, dataset: { camera: camera.id } },
      this.media,
      el("figcaption", { class: "tile-bar" }, this.status, this.name, this.demo, this.age));
    if (onOpen) {
      this.element.addEventListener("click", () => onOpen(this.camera));
      this.element.addEventListener("keydown", (event) => { if (event.key === "Enter") onOpen(this.camera); });
      this.element.title = gettext("Click for the large view");
    }
    this.render();
  }

  get mode() {
    const { feed, feed_kind: kind, status } = this.camera;
    if (status === "offline" && !this.forced) return "offline";
    if (kind === "rtsp") return "rtsp";
    if (kind === "hls") return "hls";
    if (kind === "mjpeg" && this.large) return "stream";
    return feed.frame ? "frames" : "none";
  }

  update(camera) {
    const restart = camera.status !== this.camera.status || camera.feed_kind !== this.camera.feed_kind;
    this.camera = camera;
    if (camera.status !== "offline") this.forced = false;
    if (restart && this.running) { this.stop(); this.start(); } else this.render();
  }

  start() {
    this.running = true;
    this.failures = 0;
    const mode = this.mode;
    if (mode === "frames") this.nextFrame(0);
    else if (mode === "stream") this.startStream();
    else if (mode === "hls") this.startHls();
    this.render();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.inFlight) this.inFlight.abort();
    this.inFlight = null;
    if (this.video) { this.video.removeAttribute("src"); this.video.load(); this.video.remove(); this.video = null; }
    if (this.streaming) { this.picture.removeAttribute("src"); this.streaming = false; }
  }

  // Try once now even though the health check says offline (the large view's button).
  tryNow() {
    this.forced = true;
    this.stop();
    this.start();
  }

  nextFrame(delayMs) {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => this.fetchFrame(), delayMs);
  }

  async fetchFrame() {
    if (!this.running) return;
    if (document.hidden) { this.nextFrame(1000); return; } // no pictures for a hidden tab
    const refresh = (this.camera.feed.refresh_seconds || 3) * 1000;
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = setTimeout(() => controller.abort(), Math.max(refresh * 3, 10000));
    try {
      const response = await fetch(`${this.camera.feed.frame}?t=${Date.now()}`, { credentials: "same-origin", signal: controller.signal });
      if (!response.ok) {
        const reason = (await response.text()).slice(0, 200);
        throw new Error(reason || `HTTP ${response.status}`);
      }
      const blob = await response.blob();
      if (!blob.type.startsWith("image/")) throw new Error(gettext("Not an image."));
      const url = URL.createObjectURL(blob);
      await new Promise((resolve, reject) => {
        const probe = new Image();
        probe.onload = resolve;
        probe.onerror = () => reject(new Error(gettext("The picture cannot be shown.")));
        probe.src = url;
      });
      if (!this.running) { URL.revokeObjectURL(url); return; }
      this.picture.src = url;
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = url;
      this.lastFrameAt = Date.now();
      this.failures = 0;
      this.problem = "";
    } catch (error) {
      if (!this.running) return;
      this.failures += 1;
      this.problem = error.name === "AbortError" ? gettext("No answer from the camera.") : error.message;
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === controller) this.inFlight = null;
    }
    this.render();
    // Back off while the picture fails; the health check decides when a camera is offline.
    this.nextFrame(this.failures ? Math.min(30000, refresh * 2 ** Math.min(this.failures, 4)) : refresh);
  }

  startStream() {
    this.streaming = true;
    this.picture.onload = () => { this.lastFrameAt = Date.now(); this.problem = ""; this.render(); };
    this.picture.onerror = () => {
      if (!this.streaming) return;
      this.problem = gettext("The stream stopped.");
      this.failures += 1;
      this.render();
      this.timer = setTimeout(() => { if (this.streaming) this.picture.src = `${this.camera.feed.stream}?t=${Date.now()}`; }, 5000);
    };
    this.picture.src = `${this.camera.feed.stream}?t=${Date.now()}`;
  }

  startHls() {
    const video = el("video", { class: "tile-picture", muted: true, autoplay: true, playsinline: true });
    video.muted = true;
    if (!video.canPlayType(HLS_TYPE)) { this.problem = "nohls"; return; }
    video.addEventListener("timeupdate", () => { this.lastFrameAt = Date.now(); if (this.problem) { this.problem = ""; this.render(); } });
    video.addEventListener("error", () => { this.problem = gettext("The stream stopped."); this.render(); });
    video.src = this.camera.feed.hls;
    this.video = video;
    this.media.prepend(video);
  }

  render(now = Date.now()) {
    const camera = this.camera;
    const mode = this.mode;
    this.name.textContent = camera.name;
    this.name.title = `${camera.code} · ${camera.location || ""}`;
    this.demo.hidden = !camera.is_demo;
    this.status.className = `tile-status ${camera.status}`;
    this.status.textContent = `● ${this.statuses[camera.status] || camera.status}`;
    this.element.classList.toggle("offline", mode === "offline");
    this.element.classList.toggle("problem", Boolean(this.problem) && mode !== "offline");
    const showPicture = ["frames", "stream"].includes(mode) && (this.lastFrameAt || this.streaming);
    this.picture.hidden = !showPicture || (mode === "stream" && !this.lastFrameAt);
    this.picture.classList.toggle("dim", Boolean(this.problem));

    const age = this.lastFrameAt ? seconds(now - this.lastFrameAt) : null;
    const stale = age !== null && age > Math.max(STALE_AFTER_SECONDS, (camera.feed.refresh_seconds || 3) * 3);
    this.age.textContent = mode === "offline" ? "" : mode === "stream" && !this.problem && this.lastFrameAt ? gettext("live") : ageText(this.lastFrameAt, now);
    this.age.classList.toggle("stale", stale || Boolean(this.problem));

    let panel = null;
    if (mode === "offline") {
      panel = [
        el("strong", { class: "panel-title" }, gettext("OFFLINE")),
        camera.status_changed_at ? el("span", {}, interpolate(gettext("since %(time)s (%(duration)s)"), { time: witaTime(camera.status_changed_at), duration: elapsed(camera.status_changed_at) }, true)) : null,
        camera.last_seen ? el("span", { class: "muted" }, interpolate(gettext("last seen %s"), [witaTime(camera.last_seen, true)])) : el("span", { class: "muted" }, gettext("never seen")),
        camera.last_error ? el("span", { class: "panel-why" }, camera.last_error) : null,
      ];
    } else if (mode === "rtsp") {
      panel = [
        el("strong", { class: "panel-title" }, "RTSP"),
        el("span", {}, gettext("RTSP cannot be played in a browser. It needs a gateway (such as MediaMTX or go2rtc) that offers HLS, MJPEG or snapshots: register that URL for this camera.")),
      ];
    } else if (mode === "hls" && this.problem === "nohls") {
      panel = [el("strong", { class: "panel-title" }, "HLS"), el("span", {}, gettext("This browser cannot play HLS by itself. Use a snapshot or MJPEG URL of the camera or its gateway for the wall."))];
    } else if (mode === "none") {
      panel = [el("span", {}, gettext("No picture for this kind of feed."))];
    } else if (this.problem && !this.lastFrameAt) {
      panel = [el("strong", { class: "panel-title" }, gettext("No picture")), el("span", { class: "panel-why" }, this.problem)];
    } else if (!this.lastFrameAt && !this.problem) {
      panel = [el("span", { class: "muted" }, gettext("Connecting…"))];
    } else if (this.problem) {
      panel = [el("span", { class: "panel-why overlay-why" }, `${gettext("No new picture")}: ${this.problem}`)];
    }
    this.panel.hidden = !panel;
    this.panel.classList.toggle("over", Boolean(panel) && showPicture);
    if (panel) this.panel.replaceChildren(...panel);
  }

  destroy() {
    this.stop();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.element.remove();
  }
}
