// The queue: every active incident, most urgent first, with filters and keyboard movement.
import { el, elapsed, isOverdue } from "../format.js";
import { select, store, subscribe } from "./store.js";

const body = document.getElementById("queue-body");
const empty = document.getElementById("queue-empty");
const count = document.getElementById("queue-count");
const filters = {
  status: document.getElementById("filter-status"),
  category: document.getElementById("filter-category"),
  kecamatan: document.getElementById("filter-kecamatan"),
  agency: document.getElementById("filter-agency"),
  overdue: document.getElementById("filter-overdue"),
};
const { config } = store;

function fillFilters() {
  for (const [value, label] of Object.entries(config.statuses)) {
    if (!["resolved", "closed", "cancelled"].includes(value)) filters.status.append(el("option", { value }, label));
  }
  config.categories.forEach((c) => filters.category.append(el("option", { value: c.id }, c.name)));
  const kecamatan = new Map(config.kelurahan.map((k) => [k.kecamatan_id, k.kecamatan]));
  [...kecamatan].sort((a, b) => a[1].localeCompare(b[1])).forEach(([id, name]) => filters.kecamatan.append(el("option", { value: id }, name)));
  config.agencies.forEach((a) => filters.agency.append(el("option", { value: a.id }, a.name)));
  Object.values(filters).forEach((f) => f.addEventListener("change", () => render(store)));
}

function visible(incident) {
  if (filters.status.value && incident.status !== filters.status.value) return false;
  if (filters.category.value && String(incident.category.id) !== filters.category.value) return false;
  if (filters.kecamatan.value && String(incident.kelurahan?.kecamatan_id) !== filters.kecamatan.value) return false;
  if (filters.agency.value && !incident.assignments.some((a) => String(a.agency.id) === filters.agency.value)) return false;
  if (filters.overdue.checked && !incidentOverdue(incident)) return false;
  return !["resolved", "closed", "cancelled"].includes(incident.status);
}

export function incidentOverdue(incident) {
  return incident.assignments.some((a) => isOverdue(a, incident.priority, config.ack_targets));
}

export function sortedVisible() {
  return [...store.incidents.values()].filter(visible)
    .sort((a, b) => a.priority - b.priority || a.created_at.localeCompare(b.created_at));
}

function row(incident) {
  const overdue = incidentOverdue(incident);
  const categoryName = config.language.startsWith("en") ? incident.category.name_en : incident.category.name_id;
  return el("tr", {
    class: ["queue-row", incident.id === store.selectedId ? "selected" : "", overdue ? "overdue" : "", incident.status === "new" ? "waiting" : ""].join(" "),
    dataset: { id: incident.id }, onclick: () => select(incident.id),
  },
  el("td", {}, el("span", { class: `prio p${incident.priority}` }, `P${incident.priority}`)),
  el("td", {},
    el("div", { class: "cell-main" }, el("span", { class: "cat-dot", style: { background: incident.category.colour } }), " ", categoryName,
      incident.call_count > 1 ? el("span", { class: "calls", title: gettext("calls") }, ` ×${incident.call_count}`) : null),
    el("div", { class: "cell-sub" }, incident.kelurahan ? `${incident.kelurahan.name} · ${incident.kelurahan.kecamatan}` : gettext("kelurahan unknown"))),
  el("td", {},
    el("div", { class: "cell-main" }, el("span", { class: `status s-${incident.status}` }, config.statuses[incident.status])),
    el("div", { class: "cell-sub chips" }, incident.assignments.length ? incident.assignments.map((a) => el("span", {
      class: `chip a-${a.status}${isOverdue(a, incident.priority, config.ack_targets) ? " late" : ""}`,
      title: `${a.agency.name}: ${config.assignment_statuses[a.status]}`,
    }, a.agency.code)) : el("span", { class: "muted" }, gettext("no agency yet")))),
  el("td", { class: "age" },
    el("div", { class: "cell-main" }, elapsed(incident.created_at), overdue ? el("span", { class: "overdue-mark", title: gettext("Overdue") }, " ⚠") : null),
    el("div", { class: "cell-sub ref" }, incident.reference.replace(/^112-[A-Z]+-/, ""))));
}

// Rows are rebuilt only when their incident changed: a pushed event re-renders one row, not 500.
const rowCache = new Map();

function render() {
  const incidents = sortedVisible();
  const nodes = incidents.map((incident) => {
    const key = `${incident.version}|${incident.id === store.selectedId}|${incidentOverdue(incident)}`;
    let cached = rowCache.get(incident.id);
    if (!cached || cached.key !== key) {
      cached = { key, tr: row(incident), incident };
      rowCache.set(incident.id, cached);
    }
    return cached.tr;
  });
  for (const id of rowCache.keys()) if (!store.incidents.has(id)) rowCache.delete(id);
  const current = body.children;
  const same = current.length === nodes.length && nodes.every((node, index) => current[index] === node);
  if (!same) body.replaceChildren(...nodes);
  empty.hidden = nodes.length > 0;
  count.textContent = nodes.length;
}

function refreshAges() {
  for (const { tr, incident } of rowCache.values()) {
    const cell = tr.querySelector(".age .cell-main");
    if (cell && cell.firstChild) cell.firstChild.textContent = elapsed(incident.created_at);
  }
  render();
}

export function moveSelection(step) {
  const rows = sortedVisible();
  if (!rows.length) return;
  const index = rows.findIndex((i) => i.id === store.selectedId);
  const next = rows[Math.min(rows.length - 1, Math.max(0, index + step))] || rows[0];
  select(next.id);
  requestAnimationFrame(() => body.querySelector(`tr[data-id="${next.id}"]`)?.scrollIntoView({ block: "nearest" }));
}

export function focusQueue() {
  document.getElementById("queue-wrap").focus();
  if (!store.selectedId) moveSelection(0);
}

fillFilters();
subscribe(render);
setInterval(refreshAges, 15000); // ages and overdue marks move with time
