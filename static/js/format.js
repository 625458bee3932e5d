// Display helpers: WITA times, elapsed durations, DOM building without innerHTML for data.
const WITA = "Asia/Makassar";

export function witaTime(iso, withDate = false) {
  if (!iso) return "—";
  const options = { timeZone: WITA, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
  if (withDate) Object.assign(options, { day: "2-digit", month: "short" });
  return new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "id-ID", options) + " WITA";
}

export function elapsed(fromIso, toIso) {
  if (!fromIso) return "";
  const to = toIso ? new Date(toIso) : new Date();
  let seconds = Math.max(0, Math.round((to - new Date(fromIso)) / 1000));
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  if (h > 24) return `${Math.floor(h / 24)}h ${h % 24}j`;
  if (h) return `${h}j ${String(m).padStart(2, "0")}m`;
  if (m) return `${m}m ${String(s).padStart(2, "0")}d`;
  return `${s}d`;
}

// el("div", {class: "x", dataset: {id: 1}, style: {background: c}, onclick: fn}, "text", child, ...)
// Styles as an object, set through the DOM: the pages' Content Security Policy refuses a style
// attribute (dispatch112/csp.py).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// node.replaceChildren(...) with el's rule for children: null, undefined and false are left out
// (replaceChildren itself would show them as the text "null").
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

// Leaflet content (tooltips, popups) from data: Leaflet puts a string in with innerHTML, so a
// camera, kelurahan or unit name with markup in it would run as HTML. A node is appended as is.
export function leafletText(text) {
  return el("span", {}, text === null || text === undefined ? "" : String(text));
}

export function isOverdue(assignment, priority, targets, now = Date.now()) {
  if (assignment.status !== "notified") return false;
  return now - new Date(assignment.notified_at).getTime() > targets[priority] * 1000;
}

export function showFieldErrors(form, fields) {
  form.querySelectorAll("[data-error-for]").forEach((node) => { node.textContent = ""; });
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  const flat = {};
  const walk = (obj, prefix) => {
    for (const [key, value] of Object.entries(obj || {})) {
      if (Array.isArray(value) && typeof value[0] !== "object") flat[key] = value.join(" ");
      else if (value && typeof value === "object") walk(Array.isArray(value) ? value[0] : value, key);
    }
  };
  walk(fields, "");
  const unplaced = [];
  for (const [field, message] of Object.entries(flat)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (slot) {
      slot.textContent = message;
      const input = slot.closest(".field")?.querySelector("input, select, textarea");
      if (input) input.classList.add("has-error");
    } else unplaced.push(`${field}: ${message}`);
  }
  return unplaced;
}
