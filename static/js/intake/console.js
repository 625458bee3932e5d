// The operator console's intake additions: the handset's AML position for the caller on the
// form (Alt+L uses it), the PBX link of each logged call, and the WhatsApp/SMS message queue.
import { get, getInBackground, post } from "../api.js";
import { el, witaTime } from "../format.js";
import { setPoint } from "../operator/intake.js";
import { store } from "../operator/store.js";

const number = document.getElementById("caller_number");
const WINDOW_MS = 15 * 60 * 1000;

// --- AML ------------------------------------------------------------------------------------------
const amlByNumber = new Map();
const amlBox = el("div", { id: "aml-location", class: "aml-location", "aria-live": "assertive", hidden: true });
document.getElementById("caller-history").before(amlBox);

// 0812…, 62812…, +62 812… all end as the same digits.
function digits(text) {
  const only = String(text || "").replace(/\D/g, "");
  return only.startsWith("0") ? `62${only.slice(1)}` : only;
}

function currentAml() {
  const found = amlByNumber.get(digits(number.value));
  return found && Date.now() - new Date(found.received_at).getTime() < WINDOW_MS ? found : null;
}

function renderAml() {
  const aml = currentAml();
  amlBox.hidden = !aml;
  if (!aml) return;
  amlBox.replaceChildren(
    el("strong", {}, "📍 ", interpolate(gettext("AML location ±%s m"), [aml.radius_m])),
    ` · ${aml.method_label} · ${witaTime(aml.positioned_at || aml.received_at)}`,
    aml.in_region ? "" : el("span", { class: "aml-outside" }, ` · ${gettext("outside the region")}`),
    " ",
    el("button", { type: "button", class: "secondary", onclick: useAml }, el("kbd", {}, "Alt+L"), ` ${gettext("use")}`),
  );
}

export function useAml() {
  const aml = currentAml();
  if (!aml) return false;
  setPoint(Number(aml.latitude), Number(aml.longitude));
  return true;
}

function onAml(aml) {
  if (aml.latitude === null) return;
  amlByNumber.set(digits(aml.caller_number), aml);
  renderAml();
}

number.addEventListener("input", renderAml);
document.addEventListener("intake:number-changed", renderAml);

// --- the PBX call and AML positions of a logged call --------------------------------------------
document.addEventListener("intake:call-logged", (event) => {
  const { call, ringId } = event.detail;
  post("/api/v1/telephony/calls/link/", { call: call.id, ring: ringId || null });
});

// --- WhatsApp / SMS messages ---------------------------------------------------------------------
const messages = new Map();
const panel = el("section", { class: "message-queue", id: "message-queue", "aria-live": "polite", hidden: true });
document.getElementById("ringing").after(panel);

function pinText(message) {
  if (message.latitude === null) return null;
  return el("span", { class: "message-pin" }, "📍 ", message.location_name || `${Number(message.latitude).toFixed(5)}, ${Number(message.longitude).toFixed(5)}`);
}

// The photo as this server keeps it (fetched from the gateway): a thumbnail that opens full size,
// or why there is none yet.
function photoLink(message) {
  const photo = message.media;
  if (!photo) return null;
  if (photo.state === "stored") {
    return el("a", { href: photo.url, target: "_blank", rel: "noopener", class: "message-photo" },
      el("img", { src: photo.url, alt: gettext("Photo from the sender"), class: "message-thumb", loading: "lazy" }));
  }
  if (photo.state === "pending") return el("span", { class: "message-photo muted" }, "📷 ", gettext("photo: fetching from the gateway…"));
  return el("span", { class: "message-photo photo-failed", title: photo.error }, "📷 ", interpolate(gettext("photo could not be fetched: %s"), [photo.error]));
}

async function act(message, path, body) {
  const { ok, data } = await post(`/api/v1/messages/${message.id}/${path}/`, body);
  const status = panel.querySelector(`[data-message="${message.id}"] .message-status`);
  if (!ok) { if (status) status.textContent = data.detail; return; }
  if (path !== "reply") onMessage(data);
  else if (status) status.textContent = gettext("Reply queued.");
}

function messageRow(message) {
  const categories = el("select", { "aria-label": gettext("Category") },
    store.config.categories.map((c) => el("option", { value: c.id }, `${c.key ? `${c.key} · ` : ""}${c.name}`)));
  return el("li", { class: "message", "data-message": message.id },
    el("div", { class: "message-head" }, el("strong", {}, message.sender_name || message.sender),
      ` · ${message.channel === "whatsapp" ? "WhatsApp" : "SMS"} · ${witaTime(message.received_at)}`),
    message.text ? el("p", { class: "message-text" }, message.text) : null,
    el("div", { class: "message-meta" }, pinText(message), " ", photoLink(message)),
    el("div", { class: "message-actions" },
      categories,
      el("button", { type: "button", class: "primary", onclick: () => act(message, "incident", { category: Number(categories.value) }) }, gettext("Create incident")),
      el("button", { type: "button", class: "secondary", onclick: () => store.selectedId ? act(message, "link", { incident: store.selectedId }) : null },
        gettext("Link to the open incident")),
      el("button", { type: "button", class: "outcome prank", onclick: () => act(message, "prank") }, gettext("Prank")),
      el("button", { type: "button", class: "secondary", onclick: () => { const text = window.prompt(gettext("Reply to the sender:")); if (text) act(message, "reply", { text }); } },
        gettext("Reply"))),
    el("small", { class: "message-status", role: "status" }));
}

function renderMessages() {
  const waiting = [...messages.values()].filter((m) => m.status === "new").sort((a, b) => a.id - b.id);
  panel.hidden = waiting.length === 0;
  panel.replaceChildren(
    el("h3", {}, interpolate(gettext("WhatsApp/SMS messages (%s)"), [waiting.length]), " ", el("kbd", {}, "Alt+W")),
    el("ul", { class: "message-list" }, waiting.map(messageRow)),
  );
}

const eventIds = new Map(); // message id → id of the newest event applied to it

function onMessage(message, eventId = 0) {
  // A pushed snapshot older than one already applied (events can arrive out of order) is dropped.
  if (eventId && eventId < (eventIds.get(message.id) || 0)) return;
  if (eventId) eventIds.set(message.id, eventId);
  messages.set(message.id, message);
  renderMessages();
}

async function loadMessages() {
  const { ok, data } = await getInBackground("/api/v1/messages/");
  if (!ok) return;
  messages.clear();
  data.forEach((m) => messages.set(m.id, m));
  renderMessages();
}

// --- wiring ------------------------------------------------------------------------------------------
export function onIntakeEvent(event) {
  if (event.kind === "aml.received" || event.kind === "aml.attached") onAml(event.data.aml);
  else if (event.kind.startsWith("message.") && event.data.message) onMessage(event.data.message, event.id);
}

document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyL" && useAml()) event.preventDefault();
  if (event.code === "KeyW" && !panel.hidden) { event.preventDefault(); panel.querySelector("select, button")?.focus(); }
});
loadMessages();
